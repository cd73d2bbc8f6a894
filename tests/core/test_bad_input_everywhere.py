"""Bad input answered from one place: ids past the database's range, unknown filter values and
parameters, a token of another township, concurrent twins and a database that is down."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from core.people.identity import make_id_number
from tests.conftest import PASSWORD

HUGE = 99999999999999999999


@pytest.fixture
def town(create_tenant, create_user):
    tenant = create_tenant(modules=["incidents"])
    return tenant, create_user(roles=[(tenant, "township_admin")])


def test_huge_ids_are_404_in_paths_and_422_in_queries_and_bodies(town, api_as):
    tenant, admin = town
    api = api_as(admin)
    t = tenant.slug
    for path in (f"/api/v1/t/{t}/incidents/{HUGE}", f"/api/v1/t/{t}/people/{HUGE}", f"/api/v1/t/{t}/grids/{HUGE}",
                 f"/t/{t}/incidents/{HUGE}", f"/api/v1/t/{t}/incidents/{2**31}"):
        assert api.get(path).status_code == 404, path
    for query in (f"/api/v1/t/{t}/incidents?grid_id={HUGE}", f"/api/v1/t/{t}/incidents?category_id={2**40}",
                  f"/api/v1/t/{t}/incidents/numbers?grid_id={HUGE}", f"/api/v1/t/{t}/people?grid_id={HUGE}",
                  f"/api/v1/t/{t}/households?grid_id={HUGE}", f"/api/v1/t/{t}/people/stats?grid_id={HUGE}",
                  f"/api/v1/t/{t}/people?page={HUGE}"):
        resp = api.get(query)
        assert resp.status_code == 422, (query, resp.status_code)
        assert resp.get_json()["error"]["fields"], query
    resp = api.post(f"/api/v1/t/{t}/incidents", json={"grid_id": HUGE, "category_id": 1, "description": "路灯坏了"})
    assert resp.status_code == 422 and "grid_id" in resp.get_json()["error"]["fields"]
    resp = api.post(f"/api/v1/t/{t}/people", json={"name": "张三", "household_id": -HUGE})
    assert resp.status_code == 422 and "household_id" in resp.get_json()["error"]["fields"]


def test_unknown_filter_values_and_parameters_are_422_naming_them(town, api_as):
    tenant, admin = town
    api = api_as(admin)
    t = tenant.slug
    cases = {f"/api/v1/t/{t}/incidents?state=bogus": "state", f"/api/v1/t/{t}/incidents?urgency=soon": "urgency",
             f"/api/v1/t/{t}/incidents?from=2026-13-01": "from", f"/api/v1/t/{t}/incidents?stat=closed": "stat",
             f"/api/v1/t/{t}/grids?limit=5": "limit", f"/t/{t}/incidents/?state=bogus": None}
    for url, field in cases.items():
        resp = api.get(url)
        assert resp.status_code == 422, url
        if field:
            assert field in resp.get_json()["error"]["fields"], url
    assert api.get(f"/api/v1/t/{t}/incidents?state=closed&page=1&per_page=5").status_code == 200


def test_a_good_token_on_another_township_is_404_saying_so(town, create_tenant, create_user, app):
    tenant, admin = town
    other = create_tenant()
    client = app.test_client()
    issued = client.post(f"/api/v1/t/{tenant.slug}/tokens/issue", json={"login": admin.username, "password": PASSWORD})
    assert issued.status_code == 201, issued.get_json()
    token = issued.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/t/{tenant.slug}/incidents", headers=headers).status_code == 200
    resp = client.get(f"/api/v1/t/{other.slug}/incidents", headers=headers)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "token_of_another_tenant"
    bogus = client.get(f"/api/v1/t/{tenant.slug}/incidents", headers={"Authorization": "Bearer ggv_nonsense"})
    assert bogus.status_code == 401


def test_the_token_endpoint_refuses_bad_credentials_and_outsiders(town, create_tenant, app):
    tenant, admin = town
    other = create_tenant()
    client = app.test_client()
    wrong = client.post(f"/api/v1/t/{tenant.slug}/tokens/issue", json={"login": admin.username, "password": "nope"})
    assert wrong.status_code == 401
    outsider = client.post(f"/api/v1/t/{other.slug}/tokens/issue", json={"login": admin.username, "password": PASSWORD})
    assert outsider.status_code == 404
    missing = client.post(f"/api/v1/t/{tenant.slug}/tokens/issue", json={"password": PASSWORD})
    assert missing.status_code == 422 and "login" in missing.get_json()["error"]["fields"]


def test_sixteen_concurrent_registrations_of_one_id_number_give_one_201_and_409s(town, api_as, create_grid, reliability):
    tenant, admin = town
    grid = create_grid(tenant, "一组")
    grid_id = grid.id
    made = api_as(admin).post(f"/api/v1/t/{tenant.slug}/households", json={"grid_id": grid_id, "address": "一组1号"})
    assert made.status_code == 201, made.get_json()
    household = made.get_json()["id"]
    url = f"/api/v1/t/{tenant.slug}/people"
    number = make_id_number("340822", dt.date(1990, 1, 1), 77, "male")
    clients = [api_as(admin) for _ in range(16)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def register(api):
        barrier.wait()
        statuses.append(api.post(url, json={
            "name": "李四", "household_id": household, "id_number": number}).status_code)

    threads = [threading.Thread(target=register, args=(c,)) for c in clients]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 422}, statuses
    assert 500 not in statuses
    reliability("concurrency", len(statuses), "registrations of one ID number at once (one 201, the rest 409)",
                lost=0, errors_5xx=sum(s >= 500 for s in statuses))


def test_a_database_that_is_down_answers_503_with_retry_after(tmp_path, reliability):
    from core import create_app

    down = create_app({"TESTING": True, "DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none?connect_timeout=2",
                       "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "RATELIMIT_ENABLED": False})
    client = down.test_client()
    api = client.get("/api/v1/t/anywhere/incidents")
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.get_json()["error"]["code"] == "database_unavailable"
    page = client.get("/t/anywhere/")
    assert page.status_code == 503 and "稍后" in page.get_data(as_text=True)
    reliability("fault", 2, "database refusing connections: API and page answer 503 with Retry-After", lost=0, errors_5xx=0)


def test_connections_the_server_dropped_cost_one_503_then_the_pool_reconnects(app, town, api_as, reliability):
    """No ping before each checkout (a round trip per request): a pooled connection the server
    has dropped fails on first use, that request answers 503 with Retry-After, not 500, and the
    next one runs on a fresh connection."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from core.db import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("drops the server's connections (PostgreSQL)")
        url = db.engine.url
        assert "pool_pre_ping" not in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    tenant, user = town
    api = api_as(user)
    path = f"/api/v1/t/{tenant.slug}/grids"
    assert api.get(path).status_code == 200  # the pool holds a connection now
    killer = create_engine(url, poolclass=NullPool)
    with killer.connect() as conn:
        dropped = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    killer.dispose()
    assert dropped >= 1
    first = api.get(path)
    assert first.status_code == 503 and first.headers["Retry-After"] == "5", first.get_data(as_text=True)[:300]
    assert first.get_json()["error"]["code"] == "database_unavailable"
    assert api.get(path).status_code == 200
    reliability("fault", 2, "pooled connections dropped by the server: one 503 with Retry-After, then 200",
                lost=0, errors_5xx=0)
