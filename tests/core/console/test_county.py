"""The county console: townships with status, onboarding form (manifest rules, errors per field,
typed values kept), suspend/resume, side-by-side comparison with chart and .xlsx export."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.models import Tenant, TenantStatus
from tests.conftest import unique
from tests.core.console.conftest import field_error, input_value


@pytest.fixture
def county_admin(create_county, create_user):
    county = create_county(name="怀宁县")
    admin = create_user(roles=[(county, "county_admin")])
    return county, admin


def test_county_home_lists_townships_with_status(page_as, county_admin, create_tenant, db_session):
    county, admin = county_admin
    a = create_tenant(county=county, name="甲镇", modules=["hello"])
    b = create_tenant(county=county, name="乙镇")
    other = create_tenant(name="别县的镇")
    html = page_as(admin).get(f"/t/{county.slug}/").get_data(as_text=True)
    assert f'data-slug="{a.slug}"' in html and f'data-slug="{b.slug}"' in html
    assert other.slug not in html
    row = html.split(f'data-slug="{a.slug}"', 1)[1].split("</tr>", 1)[0]
    assert "正常" in row and "问候" in row and "/suspend" in row
    nav = html.split('<nav class="sidenav"', 1)[1].split("</nav>", 1)[0]
    assert "乡镇总览" in nav and "乡镇对比" in nav and "开通乡镇" in nav and "模块开关" not in nav


def test_onboard_a_township_from_the_form(page_as, county_admin, db_session):
    county, admin = county_admin
    c = page_as(admin)
    assert 'name="admin.username"' in c.get(f"/t/{county.slug}/townships/new").get_data(as_text=True)
    slug, username = unique("town"), unique("adm")
    resp = c.post(f"/t/{county.slug}/townships/new", data={
        "name": "城关镇", "slug": slug, "region_code": "340822101", "grid_level_names": "社区/网格",
        "grids": "东门社区\n  第一网格\n  第二网格\n西门村", "admin.username": username, "admin.display_name": "王主任",
        "modules": ["hello"]})
    assert resp.status_code == 201
    html = resp.get_data(as_text=True)
    assert "已开通：城关镇" in html and 'class="secret"' in html  # generated password shown once
    assert resp.headers["Cache-Control"] == "no-store"
    town = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    assert town.parent_id == county.id and town.level_names == ["社区", "网格"]
    listing = c.get(f"/t/{county.slug}/").get_data(as_text=True)
    assert f'data-slug="{slug}"' in listing
    # the county admin can open the new township's workspace, with a way back up
    page = c.get(f"/t/{slug}/").get_data(as_text=True)
    assert f'class="up-link" href="/t/{county.slug}/"' in page


def test_onboarding_errors_are_shown_per_field_and_nothing_is_created(page_as, county_admin, create_user, db_session):
    county, admin = county_admin
    taken = create_user()
    slug = "Bad Slug"
    resp = page_as(admin).post(f"/t/{county.slug}/townships/new", data={
        "name": "新镇", "slug": slug, "region_code": "12", "admin.username": taken.username,
        "admin.mobile": "123", "admin.password": "short", "grids": "甲\n  乙\n    丙\n      丁",
        "grid_level_names": "一/二"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert field_error(html, "slug") and field_error(html, "region_code")
    assert field_error(html, "admin-mobile")
    assert field_error(html, "grids")
    assert input_value(html, "name") == "新镇" and input_value(html, "slug") == "Bad Slug"
    assert "甲\n  乙" in html  # the outline is kept
    assert 'value="short"' not in html  # passwords are not echoed
    assert db.session.scalar(select(Tenant).where(Tenant.name == "新镇")) is None


def test_onboarding_checks_the_database_rules_too(page_as, county_admin, create_user, create_tenant, db_session):
    county, admin = county_admin
    existing = create_tenant(county=county)
    taken = create_user()
    c = page_as(admin)
    resp = c.post(f"/t/{county.slug}/townships/new", data={"name": "新镇", "slug": unique("town"),
                                                          "admin.username": taken.username, "admin.password": "Huaiyuan-7319x"})
    assert resp.status_code == 422 and field_error(resp.get_data(as_text=True), "admin-username")
    resp = c.post(f"/t/{county.slug}/townships/new", data={"name": "重名", "slug": existing.slug})
    assert resp.status_code == 409 and field_error(resp.get_data(as_text=True), "slug")


def test_onboarding_a_module_missing_its_requirement(page_as, county_admin, sample_module):
    county, admin = county_admin
    resp = page_as(admin).post(f"/t/{county.slug}/townships/new", data={"name": "新镇", "slug": unique("town"), "modules": ["chart_demo"]})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "chart_demo" in field_error(html, "modules") and "hello" in field_error(html, "modules")
    assert 'value="chart_demo" checked' in html


def test_suspend_and_resume(page_as, county_admin, create_tenant, create_user, db_session):
    county, admin = county_admin
    town = create_tenant(county=county, name="甲镇")
    worker = create_user(roles=[(town, "township_admin")])
    c, w = page_as(admin), page_as(worker)
    resp = c.post(f"/t/{county.slug}/townships/{town.slug}/suspend")
    assert resp.status_code == 302
    db.session.refresh(town)
    assert town.status == TenantStatus.suspended
    assert w.get(f"/t/{town.slug}/").status_code == 403
    assert "已暂停" in c.get(f"/t/{county.slug}/").get_data(as_text=True)
    c.post(f"/t/{county.slug}/townships/{town.slug}/resume")
    db.session.refresh(town)
    assert town.status == TenantStatus.active
    assert w.get(f"/t/{town.slug}/").status_code == 200


def test_compare_table_chart_and_xlsx(page_as, county_admin, create_tenant, sample_module, db_session):
    county, admin = county_admin
    a = create_tenant(county=county, name="甲镇", modules=["hello", "chart_demo"])
    b = create_tenant(county=county, name="乙镇", modules=["hello"])
    c = page_as(admin)
    html = c.get(f"/t/{county.slug}/compare?metric=chart_demo.closure_rate").get_data(as_text=True)
    assert "演示图表 · 办结率 (%)" in html and "已启用模块数" in html
    assert '<svg class="chart chart-bar"' in html and "甲镇: 50" in html  # rates in percent
    assert ">50.0%</td>" in html
    assert "乙镇: " not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # b does not report it
    assert "chart_demo.flag" not in html  # booleans are not numbers
    resp = c.get(f"/t/{county.slug}/compare.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("乡镇", "标识", "状态") and "演示图表 · 办结率" in rows[0]
    col = rows[0].index("演示图表 · 办结率")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["甲镇"][col] == 0.5 and by_name["乙镇"][col] is None
    assert by_name["甲镇"][rows[0].index("已启用模块数")] == 2


def test_xlsx_names_are_never_formulas(page_as, county_admin, create_tenant):
    county, admin = county_admin
    create_tenant(county=county, name="=HYPERLINK(\"x\")")
    ws = load_workbook(io.BytesIO(page_as(admin).get(f"/t/{county.slug}/compare.xlsx").data)).active
    cell = ws["A2"]
    assert cell.value == '\'=HYPERLINK("x")' and cell.data_type == "s"  # core.exports neutralises it


def test_county_pages_answer_404_on_a_township(page_as, create_tenant, create_user):
    town = create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    c = page_as(admin)
    assert c.get(f"/t/{town.slug}/compare").status_code in (403, 404)
    assert c.get(f"/t/{town.slug}/modules/").status_code == 200


def test_another_countys_admin_gets_404(page_as, county_admin, create_county, create_user, create_tenant, db_session):
    county, _ = county_admin
    town = create_tenant(county=county)
    other = create_user(roles=[(create_county(), "county_admin")])
    c = page_as(other)
    assert c.get(f"/t/{county.slug}/").status_code == 404
    assert c.get(f"/t/{county.slug}/compare.xlsx").status_code == 404
    assert c.post(f"/t/{county.slug}/townships/{town.slug}/suspend").status_code == 404
    db.session.refresh(town)
    assert town.status == TenantStatus.active


def test_suspending_another_countys_township_through_mine_is_404(page_as, county_admin, create_tenant, db_session):
    county, admin = county_admin
    foreign = create_tenant()
    assert page_as(admin).post(f"/t/{county.slug}/townships/{foreign.slug}/suspend").status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == TenantStatus.active


def test_county_member_without_the_permission_gets_403(page_as, create_county, create_user):
    county = create_county()
    viewer = create_user(roles=[(county, "township_staff")])  # tenants.read, not onboard/suspend
    c = page_as(viewer)
    assert c.get(f"/t/{county.slug}/compare").status_code == 200
    assert c.get(f"/t/{county.slug}/townships/new").status_code == 403
    assert c.post(f"/t/{county.slug}/townships/x/suspend").status_code == 403
    assert "/townships/new" not in c.get(f"/t/{county.slug}/").get_data(as_text=True)


def test_hook_tenant_numbers(page_as, county_admin, create_tenant, sample_module, app, register_plugin):
    """Called once per township, inside that township's tenant context, through its own relay:
    a module answers only for the townships that enabled it."""
    from core.plugins import hookimpl
    from core.tenancy import current_tenant_id

    seen = []

    class Recorder:
        @hookimpl
        def tenant_numbers(self, tenant):
            seen.append((tenant.id, current_tenant_id()))
            return {"core.recorded": 1}

    county, admin = county_admin
    a = create_tenant(county=county, name="甲镇", modules=["hello", "chart_demo"])
    b = create_tenant(county=county, name="乙镇")
    register_plugin(Recorder(), "recorder")
    html = page_as(admin).get(f"/t/{county.slug}/compare?metric=chart_demo.closure_rate").get_data(as_text=True)
    assert sorted(seen) == sorted([(a.id, a.id), (b.id, b.id)])
    row_a = html.split(">甲镇</th>", 1)[1].split("</tr>", 1)[0]
    row_b = html.split(">乙镇</th>", 1)[1].split("</tr>", 1)[0]
    assert "50.0%" in row_a and "%" not in row_b


def test_hook_console_home(page_as, county_admin, create_tenant, register_plugin):
    """A county's home is the first answer that is not ``None``, asked inside the county's
    context; the tenant lifecycle answers with the county console. A township never asks."""
    from core.plugins import hookimpl
    from core.tenancy import current_tenant_id

    seen = []

    class Quiet:
        @hookimpl
        def console_home(self, tenant, user):
            seen.append((tenant.slug, current_tenant_id() == tenant.id, user.username))
            return None

    county, admin = county_admin
    town = create_tenant(county=county, name="甲镇")
    register_plugin(Quiet(), "quiet_home")
    c = page_as(admin)
    html = c.get(f"/t/{county.slug}/").get_data(as_text=True)
    assert seen == [(county.slug, True, admin.username)]
    assert f'data-slug="{town.slug}"' in html  # the county console still answered

    class Custom:
        @hookimpl
        def console_home(self, tenant, user):
            return "<p>自定义首页</p>"

    register_plugin(Custom(), "custom_home")
    assert c.get(f"/t/{county.slug}/").get_data(as_text=True) == "<p>自定义首页</p>"
