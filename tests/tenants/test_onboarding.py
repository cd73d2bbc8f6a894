"""Onboarding townships from manifests: API (JSON and YAML) and CLI, all-or-nothing."""
from __future__ import annotations

import textwrap

from sqlalchemy import func, select

from core.db import db
from core.grid.models import Grid
from core.models import Tenant, User
from core.tenancy import tenant_context
from tests.conftest import unique


def _manifest(county_tenant, **over):
    data = {
        "name": "城关镇",
        "county": county_tenant.slug,
        "slug": unique("cg"),
        "region_code": "340822101",
        "grid_level_names": ["村/社区", "网格", "微网格"],
        "grids": [{"name": "东门社区", "children": [{"name": "第一网格"}, {"name": "第二网格"}]}],
        "admin": {"username": unique("cgadmin"), "display_name": "王主任", "password": "Huaiyuan-7319"},
        "modules": {"hello": {"greeting": "早上好"}},
    }
    data.update(over)
    return data


def test_county_admin_onboards_township_from_json(create_county, create_user, api_as):
    county = create_county()
    admin = create_user(roles=[(county, "county_admin")])
    data = _manifest(county)
    resp = api_as(admin).post(f"/api/v1/t/{county.slug}/townships", json=data)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["tenant"]["slug"] == data["slug"]
    assert body["grids"] == 3 and body["modules"] == ["hello"]
    assert body["admin_password"] is None  # the manifest gave one: nothing generated
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == data["slug"]))
    assert tenant.parent_id == county.id and tenant.level_names == ["村/社区", "网格", "微网格"]
    with tenant_context(tenant):
        grids = {g.name: g for g in db.session.scalars(select(Grid))}
    assert set(grids) == {"东门社区", "第一网格", "第二网格"}
    root = grids["东门社区"]
    assert root.code.startswith("340822101") and root.level == 1
    for child in ("第一网格", "第二网格"):
        assert grids[child].parent_id == root.id and grids[child].code.startswith(root.code)
    assert grids["第一网格"].code != grids["第二网格"].code
    # the first admin can sign in and sees the module on, with the manifest's setting
    town_admin = db.session.scalar(select(User).where(User.username == data["admin"]["username"]))
    client = api_as(town_admin, password="Huaiyuan-7319")
    assert client.get(f"/api/v1/t/{tenant.slug}/hello").get_json() == {"greeting": "早上好"}


def test_onboard_from_yaml_body_generates_admin_password(create_county, create_user, api_as):
    county = create_county()
    admin = create_user(roles=[(county, "county_admin")])
    slug, user = unique("yaml"), unique("yadmin")
    text = textwrap.dedent(f"""\
        name: 石牌镇
        slug: {slug}
        admin: {{username: {user}}}
        modules: [hello]
    """)
    resp = api_as(admin).post(f"/api/v1/t/{county.slug}/townships", data=text.encode(),
                              headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 201, resp.get_json()
    password = resp.get_json()["admin_password"]
    assert password and len(password) >= 10
    town_admin = db.session.scalar(select(User).where(User.username == user))
    assert town_admin.must_change_password


def test_bad_manifest_lists_every_problem_and_creates_nothing(create_county, create_user, api_as):
    county = create_county()
    taken = create_user()
    admin = create_user(roles=[(county, "county_admin")])
    before_tenants = db.session.scalar(select(func.count()).select_from(Tenant))
    before_users = db.session.scalar(select(func.count()).select_from(User))
    data = _manifest(county, slug="Bad Slug!", region_code="abc",
                     grid_level_names=["一级"],
                     modules={"hello": {"repeat": 99}, "no_such_module": {}},
                     admin={"username": taken.username, "password": "short"})
    resp = api_as(admin).post(f"/api/v1/t/{county.slug}/townships", json=data)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert {"slug", "region_code", "grids"} <= set(fields)
    # schema errors stop before the database checks; fix them and the rest are reported
    data = _manifest(county, modules={"hello": {"repeat": 99}, "no_such_module": {}},
                     admin={"username": taken.username, "password": "short"})
    resp = api_as(admin).post(f"/api/v1/t/{county.slug}/townships", json=data)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert set(fields["modules"]) == {"hello", "no_such_module"}
    assert "repeat" in fields["modules"]["hello"]
    assert set(fields["admin"]) == {"username", "password"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == before_tenants
    assert db.session.scalar(select(func.count()).select_from(User)) == before_users


def test_duplicate_slug_is_409_and_malformed_json_is_400(create_county, create_user, create_tenant, api_as):
    county = create_county()
    existing = create_tenant(county=county)
    admin = create_user(roles=[(county, "county_admin")])
    client = api_as(admin)
    resp = client.post(f"/api/v1/t/{county.slug}/townships", json=_manifest(county, slug=existing.slug, admin=None))
    assert resp.status_code == 409
    assert resp.get_json()["error"]["fields"] == {"slug": ["该标识已被使用"]}
    resp = client.post(f"/api/v1/t/{county.slug}/townships", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "malformed_json"


def test_failure_inside_onboarding_rolls_everything_back(create_county, create_user, api_as, register_plugin):
    """A module whose setup raises makes the whole onboarding fail: no tenant, no admin, no grid."""
    county = create_county()
    admin = create_user(roles=[(county, "county_admin")])

    class Boom:
        __name__ = "boom"

        @staticmethod
        def tenant_onboarded(tenant):
            raise RuntimeError("setup failed")

    from core.plugins import hookimpl

    Boom.tenant_onboarded = hookimpl(Boom.tenant_onboarded)
    register_plugin(Boom, "boom_test")
    data = _manifest(county)
    resp = api_as(admin).post(f"/api/v1/t/{county.slug}/townships", json=data)
    assert resp.status_code == 500
    assert resp.get_json()["error"]["code"] == "internal_error"
    db.session.expire_all()
    assert db.session.scalar(select(Tenant).where(Tenant.slug == data["slug"])) is None
    assert db.session.scalar(select(User).where(User.username == data["admin"]["username"])) is None


def test_onboarding_is_county_scoped(create_county, create_user, create_tenant, api_as):
    county, other = create_county(), create_county()
    admin = create_user(roles=[(county, "county_admin")])
    client = api_as(admin)
    # another county's URL: not a member there → 404, nothing revealed
    resp = client.post(f"/api/v1/t/{other.slug}/townships", json=_manifest(other))
    assert resp.status_code == 404
    # a township admin lacks tenants.onboard in its own township (and it is not a county)
    town = create_tenant(county=county)
    staff = create_user(roles=[(town, "township_admin")])
    assert api_as(staff).post(f"/api/v1/t/{town.slug}/townships", json=_manifest(county)).status_code == 403
    # the manifest may not name another county
    resp = client.post(f"/api/v1/t/{county.slug}/townships", json=_manifest(county, county=other.slug))
    assert resp.status_code == 422 and "county" in resp.get_json()["error"]["fields"]


def test_hook_tenant_onboarded(create_county, register_plugin):
    """tenant_onboarded reaches the township's enabled modules, inside the onboarding transaction."""
    from core.plugins import hookimpl
    from tenants.onboarding import onboard_township

    seen = []

    class Listener:
        @staticmethod
        @hookimpl
        def tenant_onboarded(tenant):
            seen.append((tenant.slug, db.session.scalar(select(func.count()).select_from(Grid))))

    register_plugin(Listener, "listener_test")
    county = create_county()
    result = onboard_township(_manifest(county, admin=None), county=county)
    assert seen == [(result.tenant.slug, 3)]
