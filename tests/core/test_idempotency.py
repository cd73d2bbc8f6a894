"""Idempotent writes: ``Idempotency-Key`` on every API write, over HTTP, on both databases."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import func, select, update

from core.auth.tokens import create_token
from core.db import db, utcnow
from core.grid.models import Grid
from core.models import IdempotencyKey
from core.tenancy import tenant_context


def _token_client(app, user, town):
    token = create_token(user, town, "idem")[1]
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    return client, headers


def _grids_named(town, name: str) -> int:
    db.session.commit()
    with tenant_context(town):
        return db.session.scalar(select(func.count()).select_from(Grid).where(Grid.name == name))


def _admin(create_tenant, create_user):
    town = create_tenant()
    return town, create_user(roles=[(town, "township_admin")])


def test_one_key_from_eight_threads_has_one_effect(app, create_tenant, create_user):
    town, admin = _admin(create_tenant, create_user)
    clients = [_token_client(app, admin, town) for _ in range(8)]
    key = str(uuid.uuid4())
    url = f"/api/v1/t/{town.slug}/grids"
    answers: list = [None] * 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def send(i):
        client, headers = clients[i]
        try:
            barrier.wait()
            resp = client.post(url, json={"name": "幂等网格"}, headers={**headers, "Idempotency-Key": key})
            answers[i] = (resp.status_code, resp.get_data(), resp.headers.get("Idempotent-Replayed"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert _grids_named(town, "幂等网格") == 1
    created = [a for a in answers if a[0] == 201]
    others = [a for a in answers if a[0] != 201]
    assert created and len({body for _, body, _ in created}) == 1
    assert sum(1 for a in created if a[2] != "true") == 1  # one original, the rest replayed
    for status, body, _ in others:  # a twin that ran the view again would get "conflict"
        assert status == 409 and b"idempotency_in_progress" in body
    # once done, every retry replays the one answer
    client, headers = clients[0]
    again = client.post(url, json={"name": "幂等网格"}, headers={**headers, "Idempotency-Key": key})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == created[0][1]


def test_same_key_other_body_422_and_long_key_400(app, create_tenant, create_user, api_as):
    town, admin = _admin(create_tenant, create_user)
    api = api_as(admin)
    url = f"/api/v1/t/{town.slug}/grids"
    first = api.post(url, json={"name": "甲"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    other = api.post(url, json={"name": "乙"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other.get_json()["error"]["fields"]
    long_key = api.post(url, json={"name": "丙"}, headers={"Idempotency-Key": "x" * 256})
    assert long_key.status_code == 400
    assert "Idempotency-Key" in long_key.get_json()["error"]["fields"]
    assert api.post(url, json={"name": "丙"}, headers={"Idempotency-Key": "x" * 255}).status_code == 201
    assert _grids_named(town, "乙") == 0 and _grids_named(town, "丙") == 1
    # without a header nothing changes: writes run every time
    assert api.post(url, json={"name": "丁"}).status_code == 201
    assert api.post(url, json={"name": "丁"}).status_code == 409


def test_four_xx_is_kept_but_409_releases_the_key(app, create_tenant, create_user, api_as):
    town, admin = _admin(create_tenant, create_user)
    api = api_as(admin)
    url = f"/api/v1/t/{town.slug}/grids"
    bad = api.post(url, json={"name": ""}, headers={"Idempotency-Key": "bad"})
    assert bad.status_code == 422
    replay = api.post(url, json={"name": ""}, headers={"Idempotency-Key": "bad"})
    assert replay.status_code == 422 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_data() == bad.get_data()
    assert api.post(url, json={"name": "戊"}).status_code == 201
    clash = api.post(url, json={"name": "戊"}, headers={"Idempotency-Key": "clash"})
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "conflict"
    with tenant_context(town):
        grid = db.session.scalar(select(Grid).where(Grid.name == "戊"))
        grid.name = "戊二"
        db.session.commit()
    # the conflict was a "try again": the key was not kept, so the retry runs
    retry = api.post(url, json={"name": "戊"}, headers={"Idempotency-Key": "clash"})
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


def test_keys_expire_and_are_swept(app, create_tenant, create_user, api_as):
    town, admin = _admin(create_tenant, create_user)
    api = api_as(admin)
    url = f"/api/v1/t/{town.slug}/grids"
    assert api.post(url, json={"name": "己"}, headers={"Idempotency-Key": "old"}).status_code == 201
    assert api.post(url, json={"name": "庚"}, headers={"Idempotency-Key": "older"}).status_code == 201
    with tenant_context(town):  # a tenant's keys are seen in that tenant only (row-level security)
        rows = db.session.scalars(select(IdempotencyKey).where(IdempotencyKey.tenant_id == town.id)).all()
        assert {r.key for r in rows} == {"old", "older"}
        assert all(r.expires_at - r.created_at == dt.timedelta(hours=24) for r in rows)
        db.session.execute(update(IdempotencyKey).where(IdempotencyKey.tenant_id == town.id)
                           .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    # expired: the key is free again, so another body is a new request, not a 422
    fresh = api.post(url, json={"name": "辛"}, headers={"Idempotency-Key": "old"})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    db.session.commit()
    with tenant_context(town):
        keys = db.session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.tenant_id == town.id)).all()
    assert keys == ["old"]  # "older" was swept when "old" was claimed again


def test_another_users_same_key_is_independent(app, create_tenant, create_user, api_as):
    town, admin = _admin(create_tenant, create_user)
    other = create_user(roles=[(town, "township_admin")])
    url = f"/api/v1/t/{town.slug}/grids"
    assert api_as(admin).post(url, json={"name": "壬"}, headers={"Idempotency-Key": "shared"}).status_code == 201
    mine = api_as(other).post(url, json={"name": "癸"}, headers={"Idempotency-Key": "shared"})
    assert mine.status_code == 201 and "Idempotent-Replayed" not in mine.headers
    assert _grids_named(town, "癸") == 1


def test_patch_and_delete_replay_too(app, create_tenant, create_user, api_as, create_grid):
    town, admin = _admin(create_tenant, create_user)
    api = api_as(admin)
    grid = create_grid(town, "改名前")
    url = f"/api/v1/t/{town.slug}/grids/{grid.id}"
    first = api.patch(url, json={"name": "改名后"}, headers={"Idempotency-Key": "p"})
    assert first.status_code == 200
    again = api.patch(url, json={"name": "改名后"}, headers={"Idempotency-Key": "p"})
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_data() == first.get_data()


def test_openapi_documents_the_header_on_every_write(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    param = doc["components"]["parameters"]["IdempotencyKey"]
    assert param["in"] == "header" and param["name"] == "Idempotency-Key"
    assert param["schema"]["maxLength"] == 255
    writes = reads = 0
    for ops in doc["paths"].values():
        for method, op in ops.items():
            refs = [p.get("$ref") for p in op.get("parameters", [])]
            has = "#/components/parameters/IdempotencyKey" in refs
            if method in ("post", "put", "patch", "delete"):
                writes += 1
                assert has, op["operationId"]
            else:
                reads += 1
                assert not has, op["operationId"]
    assert writes and reads


def test_cli_sweeps_expired_keys_of_every_tenant(app, create_tenant, create_user, api_as):
    town, admin = _admin(create_tenant, create_user)
    api = api_as(admin)
    url = f"/api/v1/t/{town.slug}/grids"
    assert api.post(url, json={"name": "扫"}, headers={"Idempotency-Key": "sweep-me"}).status_code == 201
    assert api.post(url, json={"name": "留"}, headers={"Idempotency-Key": "keep-me"}).status_code == 201
    with tenant_context(town):
        db.session.execute(update(IdempotencyKey).where(IdempotencyKey.tenant_id == town.id,
                                                        IdempotencyKey.key == "sweep-me")
                           .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["--lang", "en", "idempotency", "sweep"])
    assert result.exit_code == 0, result.output
    assert "swept" in result.output
    with tenant_context(town):
        keys = db.session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.tenant_id == town.id)).all()
    assert keys == ["keep-me"]
