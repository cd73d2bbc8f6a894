"""API tokens: made for the URL's tenant and shown once, stored hashed, listed by their owner,
revoked by the owner or a tenant admin; expired, revoked or foreign tokens → 401."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.db import db
from core.models import ApiToken
from core.tenancy import tenant_context


def make_token(client, town, name="脚本", **kw):
    resp = client.post(f"/api/v1/t/{town.slug}/tokens", json={"name": name, **kw})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_token_is_shown_once_stored_hashed_and_works(api_as, create_user, create_tenant, db_session):
    town = create_tenant()
    user = create_user(roles=[(town, "township_staff")])
    body = make_token(api_as(user), town, expires_in_days=30)
    plain = body["token"]
    assert plain.startswith("ggv_") and body["prefix"] == plain[:10]
    assert dt.datetime.fromisoformat(body["expires_at"]) > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=29)
    with tenant_context(town):
        row = db.session.get(ApiToken, body["id"])
        assert plain not in (row.digest, row.prefix) and len(row.digest) == 64
    listed = api_as(user).get(f"/api/v1/t/{town.slug}/tokens").get_json()["items"]
    assert [t["id"] for t in listed] == [body["id"]] and "token" not in listed[0]
    bearer = api_as(user, token=plain)
    resp = bearer.get(f"/api/v1/t/{town.slug}/me/access")
    assert resp.status_code == 200 and resp.get_json()["tenant"] == town.slug
    listed = api_as(user).get(f"/api/v1/t/{town.slug}/tokens").get_json()["items"]
    assert listed[0]["last_used_at"]  # kept even though the request only read
    # a token cannot mint more tokens
    assert bearer.post(f"/api/v1/t/{town.slug}/tokens", json={"name": "x"}).status_code == 403


def test_bad_token_input_names_the_field(api_as, create_user, create_tenant):
    town = create_tenant()
    client = api_as(create_user(roles=[(town, "township_staff")]))
    for body, field in (({}, "name"), ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
                        ({"name": "x", "expires_in_days": 400}, "expires_in_days"),
                        ({"name": "x", "expires_in_days": "soon"}, "expires_in_days"),
                        ({"name": "x" * 65}, "name"), ({"name": "x", "tenant_id": 1}, "tenant_id")):
        resp = client.post(f"/api/v1/t/{town.slug}/tokens", json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], body


def test_expired_and_revoked_tokens_are_401(api_as, create_user, create_tenant, db_session):
    town = create_tenant()
    user = create_user(roles=[(town, "township_staff")])
    client = api_as(user)
    expired = make_token(client, town, "过期")
    revoked = make_token(client, town, "撤销")
    with tenant_context(town):
        db.session.get(ApiToken, expired["id"]).expires_at = dt.datetime(2020, 1, 1)
        db.session.commit()
    assert client.delete(f"/api/v1/t/{town.slug}/tokens/{revoked['id']}").status_code == 200
    for body in (expired, revoked):
        resp = api_as(user, token=body["token"]).get(f"/api/v1/t/{town.slug}/me/access")
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_token"
    assert api_as(user, token="ggv_made-up").get(f"/api/v1/t/{town.slug}/me/access").status_code == 401


def test_token_of_tenant_a_is_404_on_tenant_b_saying_so(api_as, create_user, create_tenant):
    a, b = create_tenant(), create_tenant()
    user = create_user(roles=[(a, "township_admin"), (b, "township_admin")])
    plain = make_token(api_as(user), a)["token"]
    bearer = api_as(user, token=plain)
    assert bearer.get(f"/api/v1/t/{a.slug}/users").status_code == 200
    other = bearer.get(f"/api/v1/t/{b.slug}/users")
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "token_of_another_tenant"
    assert bearer.get("/api/v1/auth/me").status_code == 401  # bound to a tenant URL


def test_revoke_by_owner_or_tokens_manage_only(api_as, create_user, create_tenant):
    town, other = create_tenant(), create_tenant()
    owner = create_user(roles=[(town, "grid_worker", None)])
    peer = create_user(roles=[(town, "township_staff")])
    admin = create_user(roles=[(town, "township_admin")])
    outsider = create_user(roles=[(other, "township_admin")])
    first, second = make_token(api_as(owner), town), make_token(api_as(owner), town)
    url = f"/api/v1/t/{town.slug}/tokens"
    # a peer neither sees nor revokes it; listing everyone's needs tokens.manage
    assert api_as(peer).get(url).get_json()["items"] == []
    assert api_as(peer).get(url + "?all=1").status_code == 403
    assert api_as(peer).delete(f"{url}/{first['id']}").status_code == 404
    # an admin of another township: 404 on both URLs
    assert api_as(outsider).delete(f"{url}/{first['id']}").status_code == 404
    assert api_as(outsider).delete(f"/api/v1/t/{other.slug}/tokens/{first['id']}").status_code == 404
    # the tenant admin sees and revokes everyone's
    assert {t["id"] for t in api_as(admin).get(url + "?all=1").get_json()["items"]} >= {first["id"], second["id"]}
    resp = api_as(admin).delete(f"{url}/{first['id']}")
    assert resp.status_code == 200 and resp.get_json()["revoked_at"]
    assert api_as(owner).delete(f"{url}/{second['id']}").status_code == 200
    assert api_as(owner, token=second["token"]).get(f"/api/v1/t/{town.slug}/me/access").status_code == 401


def test_token_writes_are_audited(api_as, create_user, create_tenant, db_session):
    from core.models import AuditEntry

    town = create_tenant()
    user = create_user(roles=[(town, "township_staff")])
    body = make_token(api_as(user), town)
    api_as(user).delete(f"/api/v1/t/{town.slug}/tokens/{body['id']}")
    with tenant_context(town):
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "core_api_token",
                                                                     AuditEntry.object_id == str(body["id"]))).all()
    assert sorted(actions) == ["token.create", "token.revoke"]


def test_tokens_page_shows_a_new_token_once(web, create_user, create_tenant):
    from tests.core.auth.conftest import csrf_of, form_login

    town = create_tenant()
    user = create_user(roles=[(town, "township_staff")])
    browser = web()
    form_login(browser, user.username)
    page = f"/t/{town.slug}/account/tokens"
    token = csrf_of(browser, page)
    resp = browser.post(page, data={"csrf_token": token, "name": "手机", "expires_in_days": "7"})
    assert resp.status_code == 201
    html = resp.get_data(as_text=True)
    assert "只显示这一次" in html and "ggv_" in html
    again = browser.get(page).get_data(as_text=True)
    assert "手机" in again and "只显示这一次" not in again
    assert browser.post(page, data={"name": "无令牌"}).status_code == 400


def test_a_password_reset_revokes_the_accounts_tokens(api_as, create_user, create_tenant):
    town = create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    user = create_user(roles=[(town, "township_staff")])
    plain = make_token(api_as(user), town)["token"]
    other = make_token(api_as(admin), town)["token"]  # someone else's token is not touched
    resp = api_as(admin).post(f"/api/v1/t/{town.slug}/users/{user.id}/reset-password")
    assert resp.status_code == 200
    new_password = resp.get_json()["password"]
    changed = api_as(user, password=new_password).post(
        "/api/v1/auth/password", json={"current_password": new_password, "new_password": "Fresh-pass-2026"})
    assert changed.status_code == 200, changed.get_json()
    # the password changed, and the token from before the reset stays dead
    assert api_as(user, token=plain).get(f"/api/v1/t/{town.slug}/me/access").status_code == 401
    assert api_as(admin, token=other).get(f"/api/v1/t/{town.slug}/me/access").status_code == 200
    listed = api_as(user, password="Fresh-pass-2026").get(f"/api/v1/t/{town.slug}/tokens").get_json()["items"]
    assert listed and all(t["revoked_at"] for t in listed)


def test_a_token_names_its_tenant_and_one_renamed_to_another_is_refused(api_as, create_user, create_tenant):
    """Tokens are unique by (tenant_id, digest), found in the tenant they name (Citus: one node)."""
    a, b = create_tenant(), create_tenant()
    user = create_user(roles=[(a, "township_admin"), (b, "township_admin")])
    plain = make_token(api_as(user), a)["token"]
    assert plain.startswith(f"ggv_{a.id}.")
    forged = plain.replace(f"ggv_{a.id}.", f"ggv_{b.id}.", 1)  # the secret of a, the tenant of b
    for slug in (a.slug, b.slug):
        resp = api_as(user, token=forged).get(f"/api/v1/t/{slug}/users")
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "invalid_token"


def test_a_token_made_before_tokens_named_their_tenant_still_works(api_as, create_user, create_tenant, db_session):
    import hashlib

    a, b = create_tenant(), create_tenant()
    user = create_user(roles=[(a, "township_admin"), (b, "township_admin")])
    old = "ggv_" + "Zq3-x_9" * 6  # the former format: no tenant, no dot
    with tenant_context(a):
        db.session.add(ApiToken(user_id=user.id, name="旧令牌", prefix=old[:10],
                                digest=hashlib.sha256(old.encode()).hexdigest()))
        db.session.commit()
    bearer = api_as(user, token=old)
    assert bearer.get(f"/api/v1/t/{a.slug}/users").status_code == 200
    other = bearer.get(f"/api/v1/t/{b.slug}/users")
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "token_of_another_tenant"
