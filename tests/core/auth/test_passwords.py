"""Passwords: the policy, changing one's own, an admin reset that must be followed by a change
(until then only the change-password routes and sign-out answer), and ``gridgov users create-admin``."""
from __future__ import annotations

from sqlalchemy import select

from core.auth.passwords import policy_problems, verify_password
from core.db import db
from core.models import AuditEntry, User
from core.tenancy import tenant_context
from tests.conftest import PASSWORD, unique
from tests.core.auth.conftest import csrf_of, form_login


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_policy_names_what_is_wrong():
    assert policy_problems("Wangge-2026") == []
    for weak in ("short1A", "allletters", "12345678"):
        assert "至少 8 位" in policy_problems(weak)[0]
    assert any("用户名" in p for p in policy_problems("zhang123", "ZHANG123"))


def test_common_and_context_specific_passwords_are_refused():
    for common in ("password1", "qwerty123", "Abcdef12", "Passw0rd1", "iloveyou1", "1qaz2wsx", "Gridgov123"):
        assert any("容易猜到" in p for p in policy_problems(common)), common
    assert any("容易猜到" in p for p in policy_problems("zhangsan1", "zhangsan"))  # the username plus a digit
    assert any("容易猜到" in p for p in policy_problems("Wanghong1988", "wh01", ["王红", "wanghong"]))
    township = type("T", (), {"name": "查冲镇", "slug": "chachong"})()
    from core.auth.passwords import account_context

    assert any("容易猜到" in p for p in policy_problems("chachong2026", "cc_admin", account_context(tenants=[township])))
    assert policy_problems("chachong2026", "cc_admin") == []  # fine for an account elsewhere


def test_weak_passwords_are_refused_over_http(api_as, create_user, create_county, db_session):
    county = create_county()
    county_admin = api_as(create_user(roles=[(county, "county_admin")]))
    slug = unique("chachong")
    for weak in ("qwerty123", "Chachong2026", "chachong-1"):  # common; the township's name in pinyin
        manifest = {"name": "查冲镇", "county": county.slug, "slug": slug, "region_code": "340822101",
                    "grid_level_names": ["村", "网格"], "admin": {"username": unique("ccadmin"), "password": weak}}
        resp = county_admin.post(f"/api/v1/t/{county.slug}/townships", json=manifest)
        assert resp.status_code == 422, (weak, resp.get_json())
        assert "容易猜到" in resp.get_json()["error"]["fields"]["admin"]["password"][0], weak
    user = create_user()
    for weak in ("password1", user.username + "1"):
        resp = api_as(user).post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": weak})
        assert resp.status_code == 422 and "容易猜到" in resp.get_json()["error"]["fields"]["new_password"][0], weak
    assert verify_password(fresh(user.id).password_hash, PASSWORD)  # nothing changed


def test_change_password_api(api_as, create_user, db_session):
    user = create_user()
    client = api_as(user)
    resp = client.post("/api/v1/auth/password", json={"current_password": "Wrong-pass1", "new_password": "short"})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert "当前密码不正确" in fields["current_password"][0] and "至少 8 位" in fields["new_password"][0]
    resp = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": PASSWORD})
    assert resp.status_code == 422 and "new_password" in resp.get_json()["error"]["fields"]
    assert client.post("/api/v1/auth/password", json={"new_password": "x"}).status_code == 422
    assert verify_password(fresh(user.id).password_hash, PASSWORD)  # nothing half-saved

    other_session = api_as(user)
    resp = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "Newpass-2024"})
    assert resp.status_code == 200, resp.get_json()
    assert client.get("/api/v1/auth/me").status_code == 200  # this session carries on
    assert other_session.get("/api/v1/auth/me").status_code == 401  # the others end
    assert api_as(user, password="Newpass-2024").get("/api/v1/auth/me").status_code == 200


def test_change_password_is_audited_in_the_platform_log(api_as, create_user, db_session):
    from core.tenancy import cross_tenant

    user = create_user()
    assert api_as(user).post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                            "new_password": "Newpass-2024"}).status_code == 200
    with cross_tenant("test reads the platform log"):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_change",
                                                           AuditEntry.object_id == str(user.id)))
    assert entry is not None and entry.user_id == user.id and entry.actor == user.username
    assert "Newpass" not in str(entry.after)


def test_change_password_page(web, create_user):
    user = create_user()
    client = web()
    form_login(client, user.username)
    token = csrf_of(client, "/account/password")
    resp = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                  "new_password": "abc"})
    assert resp.status_code == 422 and "至少 8 位" in resp.get_data(as_text=True)
    resp = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                  "new_password": "Newpass-2024"})
    assert resp.status_code == 302
    assert verify_password(fresh(user.id).password_hash, "Newpass-2024")
    assert client.get("/api/v1/auth/me").status_code == 200


def test_admin_reset_forces_a_change_at_next_sign_in(api_as, create_user, create_tenant, web, db_session):
    town = create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    worker = create_user(roles=[(town, "township_staff")])
    worker_session = api_as(worker)
    resp = api_as(admin).post(f"/api/v1/t/{town.slug}/users/{worker.id}/reset-password")
    assert resp.status_code == 200, resp.get_json()
    temp = resp.get_json()["password"]
    assert fresh(worker.id).must_change_password
    assert worker_session.get("/api/v1/auth/me").status_code == 401  # the old session ended
    with tenant_context(town):
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "user.password_reset",
                                                             AuditEntry.object_id == str(worker.id)))

    # API: signed in with the temporary password, only the change-password routes answer
    client = api_as(worker, password=temp)
    resp = client.get(f"/api/v1/t/{town.slug}/users")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "password_change_required"
    assert client.get("/api/v1/auth/me").get_json()["must_change_password"] is True
    assert client.post("/api/v1/auth/password", json={"current_password": temp,
                                                      "new_password": "Mine-2024x"}).status_code == 200
    assert client.get(f"/api/v1/t/{town.slug}/users").status_code == 200

    # pages: everything sends the user to the change-password page; sign-out still works
    resp = api_as(admin).post(f"/api/v1/t/{town.slug}/users/{worker.id}/reset-password")
    temp = resp.get_json()["password"]
    browser = web()
    assert form_login(browser, worker.username, temp).status_code == 302
    for path in ("/", f"/t/{town.slug}/", f"/t/{town.slug}/users"):
        resp = browser.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password"), path
    page = browser.get("/account/password")
    assert page.status_code == 200 and "已被管理员重置" in page.get_data(as_text=True)
    assert browser.get("/healthz").status_code == 200  # public routes still answer
    token = csrf_of(browser, "/account/password")
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert browser.get("/").status_code == 302 and "/login" in browser.get("/").headers["Location"]


def test_township_admin_cannot_reset_accounts_that_reach_elsewhere(api_as, create_user, create_tenant):
    town, other = create_tenant(), create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    shared = create_user(roles=[(town, "township_staff"), (other, "township_admin")])
    resp = api_as(admin).post(f"/api/v1/t/{town.slug}/users/{shared.id}/reset-password")
    assert resp.status_code == 403
    assert verify_password(fresh(shared.id).password_hash, PASSWORD)
    root = create_user(platform_admin=True)
    resp = api_as(root).post(f"/api/v1/t/{town.slug}/users/{shared.id}/reset-password")
    assert resp.status_code == 200


def test_reset_needs_users_manage_and_the_tenant(api_as, create_user, create_tenant):
    town, other = create_tenant(), create_tenant()
    staff = create_user(roles=[(town, "township_staff")])
    target = create_user(roles=[(town, "grid_worker", None)])
    outsider_admin = create_user(roles=[(other, "township_admin")])
    assert api_as(staff).post(f"/api/v1/t/{town.slug}/users/{target.id}/reset-password").status_code == 403
    assert api_as(outsider_admin).post(f"/api/v1/t/{town.slug}/users/{target.id}/reset-password").status_code == 404
    # through their own township's URL, a user of another township is not found either
    assert api_as(outsider_admin).post(f"/api/v1/t/{other.slug}/users/{target.id}/reset-password").status_code == 404


def test_create_admin_cli(app, db_session):
    runner = app.test_cli_runner()
    name = unique("root")
    result = runner.invoke(args=["users", "create-admin", name, "--password", "weak"])
    assert result.exit_code != 0 and "至少 8 位" in result.output
    assert db.session.scalar(select(User).where(User.username == name)) is None
    result = runner.invoke(args=["users", "create-admin", name], input="Root-pass-2024\nRoot-pass-2024\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == name))
    assert user.is_platform_admin and verify_password(user.password_hash, "Root-pass-2024")
    result = runner.invoke(args=["users", "create-admin", name, "--password", "Root-pass-2024"])
    assert result.exit_code != 0 and "用户名已存在" in result.output
