"""Platform admin pages: counties (list, create with errors per field) and every township."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import Tenant, TenantKind
from tests.conftest import unique
from tests.core.console.conftest import field_error, input_value


def test_platform_admin_lists_and_creates_counties(page_as, create_user, create_county, create_tenant, db_session):
    root = create_user(platform_admin=True)
    county = create_county(name="望江县")
    create_tenant(county=county, name="华阳镇")
    c = page_as(root)
    html = c.get("/admin/counties").get_data(as_text=True)
    assert "望江县" in html and 'data-endpoint="tenants_console.admin_counties"' in html
    slug = unique("county")
    resp = c.post("/admin/counties", data={"name": "太湖县", "slug": slug, "region_code": "340825"})
    assert resp.status_code == 302
    created = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert created.kind == TenantKind.county and created.name == "太湖县"
    assert "已创建县/市：太湖县" in c.get("/admin/counties").get_data(as_text=True)
    towns = c.get("/admin/townships").get_data(as_text=True)
    assert "华阳镇" in towns and "望江县" in towns


def test_county_form_errors_per_field(page_as, create_user, create_county):
    root = create_user(platform_admin=True)
    existing = create_county()
    c = page_as(root)
    resp = c.post("/admin/counties", data={"name": "", "slug": "Not OK"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert field_error(html, "slug") and field_error(html, "name")
    assert input_value(html, "slug") == "Not OK"
    resp = c.post("/admin/counties", data={"name": "重复", "slug": existing.slug})
    assert resp.status_code == 409 and field_error(resp.get_data(as_text=True), "slug")


def test_others_get_403(page_as, create_user, create_county):
    county = create_county()
    county_admin = create_user(roles=[(county, "county_admin")])
    c = page_as(county_admin)
    assert c.get("/admin/counties").status_code == 403
    assert c.get("/admin/townships").status_code == 403
    assert c.post("/admin/counties", data={"name": "x", "slug": unique("county")}).status_code == 403
    assert "/admin/" not in c.get(f"/t/{county.slug}/").get_data(as_text=True)


def test_signed_out_goes_to_sign_in(client):
    resp = client.get("/admin/counties")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
