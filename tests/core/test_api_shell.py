"""The API shell: error shape, status codes, OpenAPI document, health check, configuration."""
from __future__ import annotations

import pytest

from core.config import ConfigError, build_config


def test_unknown_tenant_is_404_and_anonymous_is_401(client, create_user, api_as):
    assert client.get("/api/v1/t/nowhere/modules").status_code == 401
    user = create_user(platform_admin=True)
    resp = api_as(user).get("/api/v1/t/nowhere/modules")
    assert resp.status_code == 404
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "not_found" and body["error"]["message"]


def test_unknown_route_and_method_give_json_errors(client):
    resp = client.get("/api/v1/no/such/route")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.delete("/api/v1/openapi.json")
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_400_and_schema_errors_422(create_user, api_as):
    admin = api_as(create_user(platform_admin=True))
    resp = admin.post("/api/v1/counties", data=b'{"slug": ', headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "malformed_json"
    resp = admin.post("/api/v1/counties", json=["not", "an", "object"])
    assert resp.status_code == 400
    resp = admin.post("/api/v1/counties", json={"slug": "Bad Slug", "id": 5, "tenant_id": 3})
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert set(fields) == {"slug", "name", "id", "tenant_id"}  # id and tenant_id are never loadable


def test_platform_admin_creates_county_duplicate_is_409(create_user, api_as):
    from tests.conftest import unique

    admin = api_as(create_user(platform_admin=True))
    slug = unique("cty")
    resp = admin.post("/api/v1/counties", json={"slug": slug, "name": "潜山市", "region_code": "340882"})
    assert resp.status_code == 201 and resp.get_json()["kind"] == "county"
    assert admin.post("/api/v1/counties", json={"slug": slug, "name": "重复"}).status_code == 409
    assert any(c["slug"] == slug for c in admin.get("/api/v1/counties").get_json())


def test_counties_api_is_for_platform_admins_only(create_county, create_user, api_as):
    county = create_county()
    county_admin = api_as(create_user(roles=[(county, "county_admin")]))
    assert county_admin.get("/api/v1/counties").status_code == 403
    assert county_admin.post("/api/v1/counties", json={"slug": "x-y", "name": "x"}).status_code == 403


def test_openapi_document_covers_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "Error" in doc["components"]["schemas"]
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    import re

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented
    onboard = doc["paths"]["/api/v1/t/{tenant}/townships"]["post"]
    assert onboard["x-permission"] == "tenants.onboard"
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert "requestBody" in login and "security" not in login


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok", "database": "ok"}


def test_secret_key_required_outside_development(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("GRIDGOV_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_config(str(tmp_path))
    monkeypatch.setenv("GRIDGOV_ENV", "development")
    assert build_config(str(tmp_path))["SECRET_KEY"]
    monkeypatch.setenv("GRIDGOV_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    cfg = build_config(str(tmp_path))
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_database_url_defaults_and_postgres_uses_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert build_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/gridgov.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert build_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_connections_are_tuned(app, db_session):
    from sqlalchemy import text

    from core.db import db

    conn = db.session.connection()
    if db.engine.dialect.name != "sqlite":
        assert db.engine.dialect.driver == "psycopg"  # PostgreSQL goes through psycopg 3
        return
    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_proxy_fix_makes_per_address_limits_see_the_client(tmp_path):
    """Behind GRIDGOV_PROXY_FIX=1 proxy, the client address comes from X-Forwarded-For."""
    from flask import jsonify, request

    from core import create_app
    from core.auth import public

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/p.db", "INSTANCE_PATH": str(tmp_path),
                      "GRIDGOV_PROXY_FIX": 1})

    @app.get("/_whoami")
    @public
    def whoami():
        return jsonify({"addr": request.remote_addr})

    resp = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "10.1.2.3"},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert resp.get_json() == {"addr": "10.1.2.3"}


def test_lost_write_races_answer_409_not_500(tmp_path):
    """A write that lost a race ("database is locked" on SQLite, a stale version) is a 409."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    from core import create_app
    from core.auth import public

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/r.db", "INSTANCE_PATH": str(tmp_path)})

    @app.post("/api/v1/_locked")
    @public
    def locked():
        raise OperationalError("UPDATE x", {}, Exception("database is locked"))

    @app.post("/api/v1/_stale")
    @public
    def stale():
        raise StaleDataError("version mismatch")

    @app.post("/api/v1/_other")
    @public
    def other():
        raise OperationalError("SELECT", {}, Exception("no such table: nope"))

    client = app.test_client()
    for path in ("/api/v1/_locked", "/api/v1/_stale"):
        resp = client.post(path, json={})
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "changed_meanwhile"
    resp = client.post("/api/v1/_other", json={})
    assert resp.status_code == 500 and "no such table" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("key, raw", [("PHOTO_MAX_KB", "5M"), ("PHOTO_MAX_SIDE", "-1"), ("PHOTO_UPLOAD_MAX_MB", "")])
def test_a_photo_setting_that_is_not_a_number_is_refused_at_start_naming_it(tmp_path, monkeypatch, key, raw):
    monkeypatch.setenv(key, raw)
    if raw == "":  # empty means the default, as for every other setting
        assert build_config(str(tmp_path), {"TESTING": True})[key] == 20
        return
    with pytest.raises(ConfigError, match=key):
        build_config(str(tmp_path), {"TESTING": True})
