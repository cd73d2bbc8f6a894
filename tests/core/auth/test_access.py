"""Reach (权限范围): roles count only in the tenant of the URL, and a grid role reaches its
grid's whole subtree and nothing beside it (``core.grid.scope.visible`` on grids)."""
from __future__ import annotations


def reach(api_as, user, tenant, permission="grids.read"):
    resp = api_as(user).get(f"/api/v1/t/{tenant.slug}/me/access?permission={permission}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def names(body):
    return {g["name"] for g in body["grids"]}


def test_grid_worker_reaches_the_subtree_of_their_grid_only(api_as, create_user, town):
    tenant, grids = town
    worker = create_user(roles=[(tenant, "grid_worker", grids["a1"])])
    body = reach(api_as, worker, tenant)
    assert names(body) == {"甲一", "甲一一"}  # not the parent 甲, not the sibling 乙
    assert body["roles"] == [{"role": "grid_worker", "label_zh": "网格员", "grid_id": grids["a1"].id}]
    assert "people.read" in body["permissions"] and "users.read" not in body["permissions"]
    assert names(reach(api_as, worker, tenant, "people.read_sensitive")) == set()  # not in the role


def test_roles_on_several_grids_add_up(api_as, create_user, town):
    tenant, grids = town
    user = create_user(roles=[(tenant, "grid_leader", grids["a11"]), (tenant, "info_officer", grids["b"])])
    assert names(reach(api_as, user, tenant)) == {"甲一一", "乙"}
    assert names(reach(api_as, user, tenant, "people.read_sensitive")) == {"甲一一"}  # leader only


def test_township_roles_reach_the_whole_township(api_as, create_user, town):
    tenant, grids = town
    everyone = {"甲", "甲一", "甲一一", "乙"}
    staff = create_user(roles=[(tenant, "township_staff")])
    assert names(reach(api_as, staff, tenant)) == everyone
    county_admin = create_user(roles=[(tenant.parent, "county_admin")])
    body = reach(api_as, county_admin, tenant)
    assert names(body) == everyone and body["roles"][0]["role"] == "county_admin"
    assert names(reach(api_as, create_user(platform_admin=True), tenant)) == everyone


def test_roles_of_another_tenant_never_count(api_as, create_user, create_tenant, town):
    tenant, grids = town
    other = create_tenant()
    user = create_user(roles=[(other, "township_admin"), (tenant, "grid_worker", grids["b"])])
    body = reach(api_as, user, tenant)
    assert names(body) == {"乙"} and "users.manage" not in body["permissions"]
    outsider = create_user(roles=[(other, "township_admin")])
    resp = api_as(outsider).get(f"/api/v1/t/{tenant.slug}/me/access")
    assert resp.status_code == 404
    assert api_as(outsider).get("/api/v1/t/no-such-town/me/access").status_code == 404


def test_unknown_permission_is_422(api_as, create_user, town):
    tenant, _ = town
    user = create_user(roles=[(tenant, "township_staff")])
    resp = api_as(user).get(f"/api/v1/t/{tenant.slug}/me/access?permission=nope")
    assert resp.status_code == 422 and "permission" in resp.get_json()["error"]["fields"]


def test_anonymous_is_401(client, town):
    tenant, _ = town
    assert client.get(f"/api/v1/t/{tenant.slug}/me/access").status_code == 401


def test_menu_shows_the_auth_pages_a_user_may_open(web, create_user, town):
    """core.auth.hooks adds menu entries; the console hides those whose permission is missing."""
    import re

    from tests.core.auth.conftest import form_login

    tenant, grids = town
    seen = {}
    for role in ("township_admin", "grid_worker"):
        user = create_user(roles=[(tenant, role, grids["a"] if role == "grid_worker" else None)])
        browser = web()
        form_login(browser, user.username)
        html = browser.get(f"/t/{tenant.slug}/").get_data(as_text=True)
        seen[role] = set(re.findall(r'data-endpoint="(auth_[^"]+)"', html))
    assert seen["township_admin"] == {"auth_admin_pages.users", "auth_admin_pages.roles", "auth_pages.audit_log",
                                      "auth_pages.tokens"}
    assert seen["grid_worker"] == {"auth_pages.tokens"}
