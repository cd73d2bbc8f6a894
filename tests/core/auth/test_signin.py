"""Sign-in: same answer for unknown users and wrong passwords, failed sign-ins limited per
account and per address (429 + Retry-After), session protection, remember me, secure cookies,
no open redirect, CSRF on forms."""
from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.conftest import PASSWORD, unique
from tests.core.auth.conftest import csrf_of, form_login, fresh_address


def api_login(client, login, password=PASSWORD, **kw):
    return client.post("/api/v1/auth/login", json={"login": login, "password": password, **kw})


def test_sign_in_with_username_or_mobile(web, create_user):
    mobile = "139" + str(int(time.time() * 1000))[-8:]
    user = create_user(mobile=mobile)
    assert api_login(web(), user.username).status_code == 200
    resp = api_login(web(), mobile)
    assert resp.status_code == 200 and resp.get_json()["username"] == user.username


def test_wrong_password_and_unknown_user_get_the_same_answer(web, create_user):
    user = create_user()
    wrong = api_login(web(), user.username, "Wrong-pass1")
    unknown = api_login(web(), unique("nobody"), "Wrong-pass1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert "用户名或密码错误" in wrong.get_json()["error"]["message"]
    page_wrong = form_login(web(), user.username, "Wrong-pass1")
    page_unknown = form_login(web(), unique("nobody"), "Wrong-pass1")
    assert page_wrong.status_code == page_unknown.status_code == 401
    assert "用户名或密码错误" in page_wrong.get_data(as_text=True)
    assert "用户名或密码错误" in page_unknown.get_data(as_text=True)


def test_wrong_password_and_unknown_user_take_as_long(web, create_user, app, monkeypatch):
    """Both pay one argon2 verification, so an unknown user is not answered measurably faster.
    Counted, not timed: the real verifications run, wrapped by a counter."""
    from argon2 import PasswordHasher

    real_verify = PasswordHasher.verify
    verified: list[str] = []

    def counting_verify(self, hash, password):
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    user = create_user()
    assert api_login(web(), user.username, "Wrong-pass1").status_code == 401
    assert len(verified) == 1
    assert api_login(web(), unique("ghost"), "Wrong-pass1").status_code == 401
    assert len(verified) == 2  # the unknown user costs the same one verification
    assert verified[0] != verified[1]  # the second against the stand-in hash, not a user's


def test_failed_sign_ins_are_limited_per_account_from_one_address(web, create_user, app):
    user = create_user()
    address = fresh_address()
    for _ in range(5):
        assert api_login(web(address), user.username, "Wrong-pass1").status_code == 401
    resp = api_login(web(address), user.username)  # from there, even the right password now waits
    assert resp.status_code == 429
    retry = int(resp.headers["Retry-After"])
    assert 0 < retry <= 15 * 60
    body = resp.get_json()["error"]
    assert body["code"] == "too_many_failed_logins"
    assert "分钟后再试" in body["message"]
    # another account from the same place is not affected, nor this account from elsewhere
    other = create_user()
    assert api_login(web(address), other.username).status_code == 200
    assert api_login(web(), user.username).status_code == 200


def test_one_bucket_per_account_whatever_name_is_typed(web, create_user):
    mobile = "137" + str(int(time.time() * 1000))[-8:]
    user = create_user(mobile=mobile)
    address = fresh_address()
    for login in (user.username, mobile, f" {mobile} ", f"{user.username} ", user.username):
        assert api_login(web(address), login, "Wrong-pass1").status_code == 401
    for login in (user.username, mobile):
        assert api_login(web(address), login).status_code == 429, login


def test_strangers_failing_everywhere_do_not_lock_the_owner_out(web, create_user, app, monkeypatch):
    """OWASP: per-address limits first, the account-wide limit second, and that one spares the
    browsers that signed in to the account before (device cookie)."""
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT_TOTAL", "6 per 15 minutes")  # default 20: slow to test
    user = create_user()
    phone = web()
    assert api_login(phone, user.username).status_code == 200  # the owner's phone, signed in before
    assert phone.get_cookie("gridgov_device").http_only
    for _ in range(3):  # strangers from three places, each staying under its own address's limit
        stranger = fresh_address()
        for _ in range(4):
            assert api_login(web(stranger), user.username, "Wrong-pass1").status_code in (401, 429)
    new_browser = api_login(web(), user.username)  # a browser new to the account waits ...
    assert new_browser.status_code == 429 and int(new_browser.headers["Retry-After"]) > 0
    assert api_login(phone, user.username).status_code == 200  # ... the owner's phone gets in
    # a forged or foreign device cookie buys nothing
    forged = web()
    forged.set_cookie("gridgov_device", "not-a-signed-value")
    assert api_login(forged, user.username).status_code == 429
    other = create_user()
    borrowed = web()
    assert api_login(borrowed, other.username).status_code == 200  # a device of another account
    assert api_login(borrowed, user.username).status_code == 429


def test_unknown_account_is_limited_like_a_real_one(web):
    ghost, address = unique("ghost"), fresh_address()
    for _ in range(5):
        assert api_login(web(address), ghost, "Wrong-pass1").status_code == 401
    assert api_login(web(address), ghost, "Wrong-pass1").status_code == 429


def test_failed_sign_ins_are_limited_per_address(web, create_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ADDRESS", "6 per 15 minutes")  # default 30: slow to test
    address = fresh_address()
    for _ in range(6):  # six different accounts, one address
        assert api_login(web(address), unique("spray"), "Wrong-pass1").status_code == 401
    user = create_user()
    resp = api_login(web(address), user.username)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert api_login(web(), user.username).status_code == 200  # from elsewhere the account works


def test_sign_in_page_says_when_to_try_again(web, create_user):
    user = create_user()
    address = fresh_address()
    for _ in range(5):
        assert form_login(web(address), user.username, "Wrong-pass1").status_code == 401
    resp = form_login(web(address), user.username)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "分钟后再试" in resp.get_data(as_text=True)


def test_successful_sign_in_clears_the_account_counter(web, create_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "3 per 15 minutes")
    user = create_user()
    for _ in range(2):
        api_login(web(), user.username, "Wrong-pass1")
    assert api_login(web(), user.username).status_code == 200
    for _ in range(2):
        assert api_login(web(), user.username, "Wrong-pass1").status_code == 401
    assert api_login(web(), user.username).status_code == 200


def test_session_protection_drops_a_session_used_from_another_browser(web, create_user):
    user = create_user()
    client = web()
    assert api_login(client, user.username).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200
    client.environ_base["HTTP_USER_AGENT"] = "stolen-cookie/1.0"
    assert client.get("/api/v1/auth/me").status_code == 401


def test_remember_me_sets_a_lasting_httponly_cookie(web, create_user):
    user = create_user()
    client = web()
    resp = api_login(client, user.username, remember=True)
    cookies = resp.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    from email.utils import parsedate_to_datetime

    expires = parsedate_to_datetime(remember[0].split("Expires=")[1].split(";")[0])
    days = (expires - dt.datetime.now(dt.timezone.utc)).days
    assert 13 <= days <= 14  # two weeks, not a year
    resp = api_login(web(), user.username)
    assert not [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    session = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]


def test_cookies_are_secure_outside_development(app, create_user, monkeypatch):
    from core import create_app

    monkeypatch.delenv("GRIDGOV_INSECURE_COOKIES", raising=False)
    user = create_user()
    prod = create_app({"GRIDGOV_ENV": "production", "SECRET_KEY": "prod-secret-for-test",
                       "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.instance_path})
    assert not prod.testing
    resp = prod.test_client().post("/api/v1/auth/login", json={"login": user.username, "password": PASSWORD,
                                                               "remember": True})
    assert resp.status_code == 200
    cookies = resp.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        cookie = next(c for c in cookies if c.startswith(name))
        assert "Secure" in cookie and "HttpOnly" in cookie
    # production hashes with full argon2id cost, and upgrades cheap (test-profile) hashes at sign-in
    from core.auth.passwords import hash_password, needs_rehash

    with prod.app_context():
        assert "m=65536,t=3" in hash_password("x") and needs_rehash(user.password_hash)
    with app.app_context():
        assert not needs_rehash(hash_password("x"))
    dev = create_app({"GRIDGOV_ENV": "development", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                      "INSTANCE_PATH": app.instance_path})
    assert dev.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil", "http:/evil.com",
                                    "javascript:alert(1)", "///evil.com"])
def test_next_never_leaves_the_site(web, create_user, target):
    user = create_user()
    resp = form_login(web(), user.username, next_=target)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "evil" not in location and "javascript" not in location
    assert location.startswith("/")


def test_next_follows_a_local_path(web, create_user):
    user = create_user()
    resp = form_login(web(), user.username, next_="/account/password")
    assert resp.status_code == 302 and resp.headers["Location"] == "/account/password"


def test_form_post_without_csrf_token_is_refused(web, create_user):
    user = create_user()
    client = web()
    resp = client.post("/login", data={"login": user.username, "password": PASSWORD})
    assert resp.status_code == 400
    assert "页面已过期" in resp.get_data(as_text=True)
    # signed in, a form post to any page without the token is refused too
    assert form_login(client, user.username).status_code == 302
    resp = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "Newpass-123"})
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    resp = client.post("/logout")
    assert resp.status_code == 400
    token = csrf_of(client, "/account/password")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/v1/auth/me").status_code == 401


def _redis_up(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def test_with_redis_the_workers_share_the_counters(app, create_user):
    """With ``REDIS_URL`` set, two app processes (gunicorn workers) count the same failures."""
    from core import create_app

    url = "redis://127.0.0.1:6379/15"
    if not _redis_up(url):
        pytest.skip("no Redis on 127.0.0.1:6379")
    config = {"TESTING": True, "REDIS_URL": url, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
              "INSTANCE_PATH": app.instance_path, "RATELIMIT_ENABLED": True}
    one, two = create_app(config), create_app(config)
    assert one.config["RATELIMIT_STORAGE_URI"] == url
    user = create_user()
    address = fresh_address()
    for worker in (one, two, one, two, one):
        client = worker.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        assert api_login(client, user.username, "Wrong-pass1").status_code == 401
    client = two.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert api_login(client, user.username).status_code == 429
    # the test app itself keeps its counters in memory: there the account is still open
    assert api_login(app.test_client(), user.username).status_code == 200


def test_sign_in_still_works_when_redis_is_down(app, create_user, caplog):
    from core import create_app

    broken = create_app({"TESTING": True, "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens on port 1
                         "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.instance_path,
                         "RATELIMIT_ENABLED": True})
    user = create_user()
    client = broken.test_client()
    assert api_login(client, user.username, "Wrong-pass1").status_code == 401
    assert api_login(client, user.username).status_code == 200
    assert "rate-limit storage unavailable" in caplog.text


def test_refused_sign_ins_go_to_the_platform_log(web, create_user, create_tenant, api_as):
    create_tenant()  # the platform tenant exists from here on
    user = create_user()
    ghost = unique("ghost")
    assert api_login(web(), user.username, "Wrong-pass1").status_code == 401
    assert api_login(web(), ghost, "Wrong-pass2").status_code == 401
    root = create_user(platform_admin=True)
    root_api = api_as(root)
    items = root_api.get("/api/v1/t/platform/audit", query_string={"action": "user.login_failed",
                                                                    "per_page": 200}).get_json()["items"]
    mine = {e["after"]["login"]: e for e in items if e["after"]["login"] in (user.username, ghost)}
    assert mine[user.username]["after"]["reason"] == "bad_password"
    assert mine[user.username]["object_id"] == str(user.id)
    assert mine[ghost]["after"]["reason"] == "unknown_user" and mine[ghost]["object_id"] is None
    assert all("Wrong-pass" not in str(e) for e in mine.values())  # never the password
    assert mine[ghost]["address"]  # where the attempt came from


def test_without_redis_a_production_app_warns_that_limits_are_per_worker(app, caplog, monkeypatch):
    from core import create_app

    monkeypatch.delenv("REDIS_URL", raising=False)
    config = {"GRIDGOV_ENV": "production", "SECRET_KEY": "prod-secret-for-test",
              "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.instance_path}
    with caplog.at_level("WARNING", logger="gridgov.auth"):
        create_app(config)
    assert "set REDIS_URL" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="gridgov.auth"):
        shared = create_app({**config, "REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert shared.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15" and "set REDIS_URL" not in caplog.text
