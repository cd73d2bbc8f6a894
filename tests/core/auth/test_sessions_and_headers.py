"""Sessions that really end, cookie-signed JSON writes that prove their origin, and the security
headers every answer carries."""
from __future__ import annotations

from tests.conftest import PASSWORD


def _browser(app, user, remember=False):
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"login": user.username, "password": PASSWORD, "remember": remember})
    assert resp.status_code == 200
    return client, resp.get_json()["csrf_token"]


def test_logout_ends_the_session_and_the_remember_cookie_everywhere(app, create_user, create_tenant):
    town = create_tenant()
    user = create_user(roles=[(town, "township_staff")])
    client, token = _browser(app, user, remember=True)
    saved_session = client.get_cookie("session").value
    saved_remember = client.get_cookie("remember_token")
    assert saved_remember is not None and saved_remember.same_site == "Lax"
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRFToken": token}).status_code == 200
    # the cookies saved before sign-out, replayed from another browser, no longer sign in
    thief = app.test_client()
    thief.set_cookie("remember_token", saved_remember.value)
    assert thief.get("/api/v1/auth/me").status_code == 401
    thief = app.test_client()
    thief.set_cookie("session", saved_session)
    assert thief.get("/api/v1/auth/me").status_code == 401


def test_changing_ones_password_revokes_api_tokens(app, api_as, create_user, create_tenant):
    town = create_tenant()
    user = create_user(roles=[(town, "township_staff")])
    issued = app.test_client().post(f"/api/v1/t/{town.slug}/tokens/issue", json={"login": user.username, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    assert app.test_client().get(f"/api/v1/t/{town.slug}/users", headers=bearer).status_code in (200, 403)
    changed = api_as(user).post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "Lianhua-2026!"})
    assert changed.status_code == 200, changed.get_json()
    assert app.test_client().get(f"/api/v1/t/{town.slug}/users", headers=bearer).status_code == 401


def test_cookie_signed_json_writes_need_the_csrf_header(app, create_user, create_tenant, create_grid):
    town = create_tenant()
    admin = create_user(roles=[(town, "township_admin")])
    client, token = _browser(app, admin)
    body = {"name": "新网格"}
    forged = client.post(f"/api/v1/t/{town.slug}/grids", json=body, headers={"Origin": "http://evil.example"})
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "csrf_failed"
    ok = client.post(f"/api/v1/t/{town.slug}/grids", json=body, headers={"X-CSRFToken": token})
    assert ok.status_code == 201, ok.get_json()


def test_every_answer_carries_the_security_headers(app, api_as, create_user, create_tenant):
    town = create_tenant()
    api = api_as(create_user(roles=[(town, "township_admin")]))
    for url in ("/login", f"/t/{town.slug}/", f"/api/v1/t/{town.slug}/people", "/api/v1/openapi.json"):
        resp = api.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin" and resp.headers["Cache-Control"] == "no-store"
    static = api.get("/static/gridgov.css")
    assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"


def test_no_template_needs_inline_script():
    """The CSP forbids inline script, so no template may carry one (it would silently stop working)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*[\"']|javascript:", re.I)
    found = [f"{p.relative_to(root)}: {m.group(0)}" for base in ("core", "plugins", "tenants")
             for p in (root / base).rglob("*.html") for m in inline.finditer(p.read_text(encoding="utf-8"))]
    assert not found, "inline script in templates (use core/static/console.js data- attributes):\n" + "\n".join(found)


def test_hsts_outside_development_and_no_store_on_exports(app, api_as, create_user, create_tenant, monkeypatch):
    from core import create_app

    monkeypatch.delenv("GRIDGOV_INSECURE_COOKIES", raising=False)
    prod = create_app({"GRIDGOV_ENV": "production", "SECRET_KEY": "prod-secret-for-test",
                       "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_PATH": app.instance_path})
    hsts = prod.test_client().get("/login").headers.get("Strict-Transport-Security", "")
    assert "max-age=31536000" in hsts
    dev = create_app({"GRIDGOV_ENV": "development", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                      "INSTANCE_PATH": app.instance_path})
    assert "Strict-Transport-Security" not in dev.test_client().get("/login").headers
    town = create_tenant()
    export = api_as(create_user(roles=[(town, "township_admin")])).get(f"/api/v1/t/{town.slug}/people/export.xlsx")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"  # residents' data
