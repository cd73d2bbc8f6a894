"""Township users and roles: list, create, grant (grid roles need a grid of this township),
revoke; the permission matrix with plugin permissions, changed per township only."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import AuditEntry, RolePermission
from core.tenancy import tenant_context
from tests.conftest import PASSWORD, unique
from tests.core.auth.conftest import csrf_of, form_login


def test_list_users_with_their_roles(api_as, create_user, town):
    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    worker = create_user(roles=[(tenant, "grid_worker", grids["a"])])
    create_user(roles=[(tenant.parent, "county_admin")])
    items = api_as(admin).get(f"/api/v1/t/{tenant.slug}/users").get_json()["items"]
    by_name = {u["username"]: u for u in items}
    assert set(by_name) == {admin.username, worker.username}
    assert by_name[worker.username]["roles"][0] == {"id": by_name[worker.username]["roles"][0]["id"],
                                                     "role": "grid_worker", "grid_id": grids["a"].id}
    assert "password_hash" not in by_name[admin.username]


def test_users_api_permissions_and_tenants(api_as, create_user, create_tenant, town):
    tenant, grids = town
    other = create_tenant()
    worker = create_user(roles=[(tenant, "grid_worker", grids["a"])])
    staff = create_user(roles=[(tenant, "township_staff")])
    outsider = create_user(roles=[(other, "township_admin")])
    url = f"/api/v1/t/{tenant.slug}/users"
    assert api_as(worker).get(url).status_code == 403  # member without users.read
    assert api_as(staff).get(url).status_code == 200
    assert api_as(staff).post(url, json={"username": unique("u"), "roles": [{"role": "township_staff"}]}).status_code == 403
    assert api_as(outsider).get(url).status_code == 404
    assert api_as(outsider).post(f"{url}/{worker.id}/roles", json={"role": "township_staff"}).status_code == 404


def test_create_user_in_the_township(api_as, create_user, town, db_session):
    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    url = f"/api/v1/t/{tenant.slug}/users"
    name = unique("wgy")
    resp = api_as(admin).post(url, json={"username": name, "display_name": "王网格",
                                         "roles": [{"role": "grid_worker", "grid_id": grids["a1"].id}]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["must_change_password"] is True and len(body["password"]) >= 10
    new_client = api_as(type("U", (), {"username": name})(), password=body["password"])
    assert new_client.get(f"/api/v1/t/{tenant.slug}/me/access").get_json()["error"]["code"] == "password_change_required"
    items = {u["username"]: u for u in api_as(admin).get(url).get_json()["items"]}
    assert items[name]["roles"][0]["grid_id"] == grids["a1"].id
    with tenant_context(tenant):
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "user.create",
                                                             AuditEntry.object_id == str(body["id"])))


def test_create_user_bad_input_names_the_field_and_saves_nothing(api_as, create_user, town, db_session):
    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    url = f"/api/v1/t/{tenant.slug}/users"
    name = unique("bad")
    cases = [
        ({"username": "空 格", "roles": [{"role": "township_staff"}]}, "username"),
        ({"username": "13912345678", "roles": [{"role": "township_staff"}]}, "username"),
        ({"username": name, "mobile": "12345", "roles": [{"role": "township_staff"}]}, "mobile"),
        ({"username": name, "roles": []}, "roles"),
        ({"username": name}, "roles"),
        ({"username": name, "roles": [{"role": "no_such_role"}]}, "role"),
        ({"username": name, "roles": [{"role": "grid_worker"}]}, "grid_id"),
        ({"username": name, "roles": [{"role": "county_admin"}]}, "role"),
        ({"username": name, "roles": [{"role": "township_staff"}], "is_platform_admin": True}, "is_platform_admin"),
    ]
    for body, field in cases:
        resp = api_as(admin).post(url, json=body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in str(resp.get_json()["error"]["fields"]), (body, resp.get_json())
    from core.models import User

    db.session.expire_all()
    assert db.session.scalar(select(User.id).where(User.username == name)) is None  # nothing half-saved
    assert api_as(admin).post(url, json={"username": admin.username, "roles": [{"role": "township_staff"}]}).status_code == 409


def test_grant_and_revoke_roles(api_as, create_user, create_tenant, create_grid, town, db_session):
    tenant, grids = town
    other = create_tenant()
    with tenant_context(other):
        foreign_grid = create_grid(other, "外镇网格")
        foreign_grid_id = foreign_grid.id
    admin = create_user(roles=[(tenant, "township_admin")])
    user = create_user(roles=[(tenant, "info_officer", grids["b"])])
    client = api_as(admin)
    url = f"/api/v1/t/{tenant.slug}/users/{user.id}/roles"
    for body, field in (({"role": "grid_leader"}, "grid_id"),
                        ({"role": "grid_leader", "grid_id": foreign_grid_id}, "grid_id"),
                        ({"role": "grid_leader", "grid_id": 10**9}, "grid_id"),
                        ({"role": "township_staff", "grid_id": grids["a"].id}, "grid_id"),
                        ({"role": "platform_admin"}, "role"),
                        ({"role": "grid_leader", "grid_id": "甲"}, "grid_id")):
        resp = client.post(url, json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    resp = client.post(url, json={"role": "grid_leader", "grid_id": grids["a"].id})
    assert resp.status_code == 201
    assignment = resp.get_json()["id"]
    assert client.post(url, json={"role": "grid_leader", "grid_id": grids["a"].id}).status_code == 409
    access = api_as(user).get(f"/api/v1/t/{tenant.slug}/me/access?permission=people.read_sensitive").get_json()
    assert {g["name"] for g in access["grids"]} == {"甲", "甲一", "甲一一"}
    assert client.delete(f"{url}/{assignment}").status_code == 200
    assert client.delete(f"{url}/{assignment}").status_code == 404
    access = api_as(user).get(f"/api/v1/t/{tenant.slug}/me/access?permission=people.read_sensitive").get_json()
    assert access["grids"] == []
    with tenant_context(tenant):
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "core_role_assignment",
                                                                     AuditEntry.object_id == str(assignment))).all()
    assert sorted(actions) == ["role.assign", "role.revoke"]


def test_last_township_admin_cannot_be_removed(api_as, create_user, create_tenant):
    tenant = create_tenant()
    admin = create_user(roles=[(tenant, "township_admin")])
    rows = api_as(admin).get(f"/api/v1/t/{tenant.slug}/users").get_json()["items"][0]["roles"]
    resp = api_as(admin).delete(f"/api/v1/t/{tenant.slug}/users/{admin.id}/roles/{rows[0]['id']}")
    assert resp.status_code == 409


def test_permission_matrix_has_labels_and_plugin_permissions(api_as, create_user, create_tenant):
    tenant = create_tenant()
    admin = create_user(roles=[(tenant, "township_admin")])
    matrix = api_as(admin).get(f"/api/v1/t/{tenant.slug}/roles").get_json()
    perms = {p["name"]: p for p in matrix["permissions"]}
    roles = {r["name"]: r for r in matrix["roles"]}
    assert perms["people.read_sensitive"]["label_zh"] == "查看完整身份证号与电话"
    # plugins add permissions through register_permissions and grant them through register_roles
    assert perms["civic_notes.write"]["label_zh"] == "写民情日记"
    assert perms["hello.read"]["label_en"] == "Read the greeting"
    assert "civic_notes.write" in roles["township_admin"]["permissions"]
    assert "hello.read" in roles["township_staff"]["permissions"]
    assert roles["grid_worker"]["label_zh"] == "网格员" and roles["grid_worker"]["scope"] == "grid"
    # a township sees its own roles only, and cannot hand out platform or county powers
    assert "platform_admin" not in roles and "county_admin" not in roles
    assert "tenants.onboard" not in perms and "platform.manage" not in perms


def test_change_the_matrix_for_one_township(api_as, create_user, create_tenant, create_grid, db_session):
    a, b = create_tenant(), create_tenant()
    with tenant_context(a):
        ga = create_grid(a)
        ga.id  # loaded inside the tenant (later commits expire it)
    with tenant_context(b):
        gb = create_grid(b)
        gb.id
    admin = create_user(roles=[(a, "township_admin")])
    with tenant_context(a):
        worker_a = create_user(roles=[(a, "grid_worker", ga)])
    with tenant_context(b):
        worker_b = create_user(roles=[(b, "grid_worker", gb)])
    url = f"/api/v1/t/{a.slug}/roles/grid_worker/permissions/people.read_sensitive"
    assert "people.read_sensitive" not in api_as(worker_a).get(f"/api/v1/t/{a.slug}/me/access").get_json()["permissions"]
    resp = api_as(admin).put(url, json={"granted": True})
    assert resp.status_code == 200 and resp.get_json()["granted"] is True
    assert "people.read_sensitive" in api_as(worker_a).get(f"/api/v1/t/{a.slug}/me/access").get_json()["permissions"]
    assert "people.read_sensitive" not in api_as(worker_b).get(f"/api/v1/t/{b.slug}/me/access").get_json()["permissions"]
    # revoking a default permission
    assert api_as(admin).put(f"/api/v1/t/{a.slug}/roles/grid_worker/permissions/people.edit",
                             json={"granted": False}).status_code == 200
    matrix = {r["name"]: r for r in api_as(admin).get(f"/api/v1/t/{a.slug}/roles").get_json()["roles"]}
    assert "people.edit" not in matrix["grid_worker"]["permissions"]
    assert "people.edit" in matrix["grid_worker"]["defaults"]
    # back to the default leaves no override row behind
    api_as(admin).put(url, json={"granted": False})
    with tenant_context(a):
        rows = db.session.scalars(select(RolePermission.permission).where(RolePermission.role == "grid_worker")).all()
        assert rows == ["people.edit"]
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "role.permission.grant"))


def test_matrix_changes_refused_with_reasons(api_as, create_user, create_tenant):
    tenant, other = create_tenant(), create_tenant()
    admin = create_user(roles=[(tenant, "township_admin")])
    staff = create_user(roles=[(tenant, "township_staff")])
    outsider = create_user(roles=[(other, "township_admin")])
    base = f"/api/v1/t/{tenant.slug}/roles"
    assert api_as(admin).put(f"{base}/grid_worker/permissions/platform.manage", json={"granted": True}).status_code == 422
    assert api_as(admin).put(f"{base}/grid_worker/permissions/no.such", json={"granted": True}).status_code == 422
    assert api_as(admin).put(f"{base}/nobody/permissions/people.read", json={"granted": True}).status_code == 404
    assert api_as(admin).put(f"{base}/county_admin/permissions/people.read", json={"granted": True}).status_code == 404
    assert api_as(admin).put(f"{base}/grid_worker/permissions/people.read", json={"granted": "maybe"}).status_code == 422
    assert api_as(admin).put(f"{base}/township_admin/permissions/roles.manage", json={"granted": False}).status_code == 409
    assert api_as(staff).get(base).status_code == 200
    assert api_as(staff).put(f"{base}/grid_worker/permissions/people.read", json={"granted": True}).status_code == 403
    assert api_as(outsider).get(base).status_code == 404


def test_users_and_roles_pages(web, create_user, town):
    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    worker = create_user(roles=[(tenant, "grid_worker", grids["a"])])
    browser = web()
    form_login(browser, admin.username)
    page = f"/t/{tenant.slug}/users"
    html = browser.get(page).get_data(as_text=True)
    assert worker.username in html and "网格员" in html and "甲" in html
    token = csrf_of(browser, page)
    name = unique("page")
    resp = browser.post(page, data={"csrf_token": token, "username": name, "display_name": "李四",
                                    "role": "grid_leader", "grid_id": str(grids["b"].id)})
    assert resp.status_code == 201 and "只显示这一次" in resp.get_data(as_text=True)
    resp = browser.post(page, data={"csrf_token": token, "username": unique("p"), "role": "grid_leader", "grid_id": ""},
                        follow_redirects=True)
    assert "grid_id" in resp.get_data(as_text=True)
    resp = browser.post(f"{page}/{worker.id}/roles", data={"csrf_token": token, "role": "township_staff"})
    assert resp.status_code == 302
    assert "乡镇工作人员" in browser.get(page).get_data(as_text=True)
    matrix = browser.get(f"/t/{tenant.slug}/roles").get_data(as_text=True)
    assert "查看完整身份证号与电话" in matrix and "网格长" in matrix
    resp = browser.post(f"/t/{tenant.slug}/roles/grid_worker/people.export", data={"csrf_token": token, "granted": "1"})
    assert resp.status_code == 302
    assert 'data-role="grid_worker" data-granted="1"' in browser.get(f"/t/{tenant.slug}/roles").get_data(as_text=True)
    plain = create_user(roles=[(tenant, "grid_worker", grids["b"])])
    worker_browser = web()
    form_login(worker_browser, plain.username)
    assert worker_browser.get(f"/t/{tenant.slug}/roles").status_code == 403
    own_token = csrf_of(worker_browser, "/account/password")
    assert worker_browser.post(f"{page}/{admin.id}/reset-password", data={"csrf_token": own_token}).status_code == 403


def test_every_users_and_roles_route_hides_from_outsiders_and_checks_permission(api_as, web, create_user,
                                                                               create_tenant, town):
    tenant, grids = town
    other = create_tenant()
    target = create_user(roles=[(tenant, "grid_worker", grids["a"])])
    outsider = create_user(roles=[(other, "township_admin")])
    worker = create_user(roles=[(tenant, "grid_worker", grids["b"])])
    api = f"/api/v1/t/{tenant.slug}"
    calls = [("get", f"{api}/users", None), ("post", f"{api}/users", {"username": unique("x"), "roles": [{"role": "township_staff"}]}),
             ("post", f"{api}/users/{target.id}/roles", {"role": "township_staff"}),
             ("delete", f"{api}/users/{target.id}/roles/1", None),
             ("post", f"{api}/users/{target.id}/reset-password", None),
             ("get", f"{api}/roles", None), ("put", f"{api}/roles/grid_worker/permissions/people.export", {"granted": True})]
    for method, url, body in calls:
        kw = {"json": body} if body is not None else {}
        assert getattr(api_as(outsider), method)(url, **kw).status_code == 404, url
        assert getattr(api_as(worker), method)(url, **kw).status_code == 403, url
    for who, status in ((outsider, 404), (worker, 403)):
        browser = web()
        form_login(browser, who.username)
        for path in ("users", "roles", "audit"):
            assert browser.get(f"/t/{tenant.slug}/{path}").status_code == status, (path, status)
        token = csrf_of(browser, "/account/password")
        resp = browser.post(f"/t/{tenant.slug}/users/{target.id}/reset-password", data={"csrf_token": token})
        assert resp.status_code == status
    browser = web()
    form_login(browser, outsider.username)
    assert browser.get(f"/t/{tenant.slug}/account/tokens").status_code == 404


def test_grid_roles_need_an_active_grid(api_as, create_user, town, db_session):
    from core.grid.models import Grid, GridStatus

    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    user = create_user(roles=[(tenant, "township_staff")])
    with tenant_context(tenant):
        db.session.get(Grid, grids["a11"].id).status = GridStatus.archived
        db.session.commit()
    resp = api_as(admin).post(f"/api/v1/t/{tenant.slug}/users/{user.id}/roles",
                              json={"role": "grid_worker", "grid_id": grids["a11"].id})
    assert resp.status_code == 422 and "grid_id" in resp.get_json()["error"]["fields"]


def test_a_plugin_adds_a_role_of_its_own(app, create_user, create_tenant):
    """A plugin's ``register_roles`` can add a new role (调解员) with its own permissions; a
    township admin sees it in the matrix, grants it, and the holder gets the permission."""
    import types

    from core import create_app
    from core.plugins import hookimpl
    from core.specs import Permission, Role
    from tests.conftest import PASSWORD

    probe = types.ModuleType("mediation_probe")
    probe.register_permissions = hookimpl(lambda: [Permission("mediation_probe.mediate", "主持调解", "Mediate")])
    probe.register_roles = hookimpl(lambda: [Role("mediator", "调解员", "Mediator", "tenant",
                                                  frozenset({"dashboard.view", "mediation_probe.mediate"}))])
    other = create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_PATH": app.instance_path, "GRIDGOV_EXTRA_PLUGINS": [("mediation_probe", probe)]})
    tenant = create_tenant()
    admin = create_user(roles=[(tenant, "township_admin")])
    member = create_user(roles=[(tenant, "township_staff")])

    def client_for(user):
        c = other.test_client()
        resp = c.post("/api/v1/auth/login", json={"login": user.username, "password": PASSWORD})
        assert resp.status_code == 200
        c.environ_base["HTTP_X_CSRFTOKEN"] = resp.get_json()["csrf_token"]  # cookie-signed writes prove their origin
        return c

    boss = client_for(admin)
    matrix = boss.get(f"/api/v1/t/{tenant.slug}/roles").get_json()
    mediator = next(r for r in matrix["roles"] if r["name"] == "mediator")
    assert mediator["label_zh"] == "调解员" and "mediation_probe.mediate" in mediator["permissions"]
    assert any(p["label_zh"] == "主持调解" for p in matrix["permissions"])
    resp = boss.post(f"/api/v1/t/{tenant.slug}/users/{member.id}/roles", json={"role": "mediator"})
    assert resp.status_code == 201, resp.get_json()
    perms = client_for(member).get(f"/api/v1/t/{tenant.slug}/me/access").get_json()["permissions"]
    assert "mediation_probe.mediate" in perms
    # the app without the probe plugin knows none of its grants (its own mediator role, from the
    # mediation module, does not carry the probe's permission)
    assert app.test_client().get("/healthz").status_code == 200
    with app.app_context():
        from core.auth.roles import catalogue

        permissions, roles = catalogue()
        assert "mediation_probe.mediate" not in permissions
        assert "mediation_probe.mediate" not in (roles["mediator"].permissions if "mediator" in roles else ())


def test_users_are_searched_and_paginated(api_as, web, create_user, create_tenant, town):
    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    tag = unique("pg")
    workers = [create_user(f"{tag}_{i:02d}", roles=[(tenant, "grid_worker", grids["a"])],
                           display_name=f"网格员{i}") for i in range(5)]
    create_user(f"{tag}_other", roles=[(create_tenant(), "township_admin")])  # same name, other township
    create_user(roles=[(tenant, "township_staff")], display_name="张百分%之_一", mobile="13700009999")
    api = api_as(admin)
    url = f"/api/v1/t/{tenant.slug}/users"
    first = api.get(f"{url}?q={tag}&per_page=2").get_json()
    assert first["total"] == 5 and [u["username"] for u in first["items"]] == [w.username for w in workers[:2]]
    last = api.get(f"{url}?q={tag}&per_page=2&page=3").get_json()
    assert [u["username"] for u in last["items"]] == [workers[4].username]
    assert last["items"][0]["roles"][0]["role"] == "grid_worker"
    assert api.get(f"{url}?q=%25之_&per_page=10").get_json()["total"] == 1  # % and _ are literal
    assert api.get(f"{url}?q=0009999").get_json()["total"] == 1
    assert api.get(f"{url}?q=网格员3").get_json()["items"][0]["username"] == workers[3].username
    assert api.get(f"{url}?per_page=0").status_code == 422
    assert api.get(f"{url}?page=x").get_json()["error"]["fields"]["page"]
    browser = web()
    form_login(browser, admin.username)
    html = browser.get(f"/t/{tenant.slug}/users?q={tag}&per_page=2&page=2").get_data(as_text=True)
    assert "共 5 人" in html and "第 2 / 3 页" in html
    assert workers[2].username in html and workers[0].username not in html and f"{tag}_other" not in html


def test_deactivate_and_reactivate_an_account(api_as, web, create_user, create_tenant, town):
    from tests.core.auth.test_tokens import make_token

    tenant, grids = town
    admin = create_user(roles=[(tenant, "township_admin")])
    worker = create_user(roles=[(tenant, "grid_worker", grids["a"])])
    token = make_token(api_as(worker), tenant)["token"]
    session = api_as(worker)  # signed in before the deactivation
    api = api_as(admin)
    url = f"/api/v1/t/{tenant.slug}/users/{worker.id}"
    resp = api.post(f"{url}/deactivate")
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert session.get(f"/api/v1/t/{tenant.slug}/me/access").status_code == 401  # its session ended
    assert api_as(worker, token=token).get(f"/api/v1/t/{tenant.slug}/me/access").status_code == 401
    login = web().post("/api/v1/auth/login", json={"login": worker.username, "password": PASSWORD})
    assert login.status_code == 401
    listed = {u["username"]: u for u in api.get(f"/api/v1/t/{tenant.slug}/users").get_json()["items"]}
    assert listed[worker.username]["active"] is False  # still listed, with its roles and history
    assert api.post(f"{url}/activate").get_json()["active"] is True
    assert api_as(worker).get(f"/api/v1/t/{tenant.slug}/me/access").status_code == 200
    assert api_as(worker, token=token).get(f"/api/v1/t/{tenant.slug}/me/access").status_code == 401  # stays revoked
    # nobody deactivates themselves or the last admin; accounts with roles elsewhere need the platform
    assert api.post(f"/api/v1/t/{tenant.slug}/users/{admin.id}/deactivate").status_code == 409
    shared = create_user(roles=[(tenant, "township_staff"), (create_tenant(), "township_staff")])
    assert api.post(f"/api/v1/t/{tenant.slug}/users/{shared.id}/deactivate").status_code == 403
    # outsiders and members without users.manage
    outsider = create_user(roles=[(create_tenant(), "township_admin")])
    assert api_as(outsider).post(f"{url}/deactivate").status_code == 404
    staff = create_user(roles=[(tenant, "township_staff")])
    assert api_as(staff).post(f"{url}/deactivate").status_code == 403
    # the page's button
    browser = web()
    form_login(browser, admin.username)
    page = f"/t/{tenant.slug}/users"
    token_field = csrf_of(browser, page)
    assert browser.post(f"{page}/{worker.id}/active", data={"csrf_token": token_field, "active": "0"}).status_code == 302
    assert f"已停用 {worker.username}" in browser.get(page).get_data(as_text=True)
    assert web().post("/api/v1/auth/login", json={"login": worker.username, "password": PASSWORD}).status_code == 401
