"""Several users saving at the same moment through the API: every write lands (none refused as
busy), and the numbers agree. On SQLite the writes queue for the database's one write lock."""
from __future__ import annotations

import threading

from core.people.stats import subtree_stats

from .conftest import new_id


def test_simultaneous_registrations_all_land(app, town, admin, api_as, reliability):
    url, grid_id = f"/api/v1/t/{town.slug}/people", town.grids["东一网格"]
    clients = [api_as(admin) for _ in range(6)]
    numbers = [[new_id() for _ in range(4)] for _ in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def register(client, ids):
        try:
            barrier.wait()
            for number in ids:  # each request gets its own app context and session
                resp = client.post(url, json={"name": "并发", "id_number": number, "grid_id": grid_id})
                statuses.append(resp.status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(c, ids)) for c, ids in zip(clients, numbers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert statuses == [201] * 24, statuses
    with app.app_context():
        assert subtree_stats(town, grid_id)["residents"] == 24
    reliability("concurrency", len(statuses), "resident registrations from 6 clients at once, the grid recounted", lost=0)


def test_pages_that_audit_their_reads_never_refuse_concurrent_readers(app, town, admin, api_as, add_person, create_user):
    """Person pages audit who saw the ID number, and token calls stamp their last use: both
    are writes inside a GET. Written aside (core.db.write_aside), they never turn the read into a
    write, so readers racing writers all get 200 (on SQLite they used to get 409 "busy")."""
    from core.models import AuditEntry
    from core.tenancy import tenant_context

    grid_id = town.grids["东一网格"]
    person = add_person(town, "并发读", grid_id, id_number=new_id())
    slug, person_id = town.slug, person if isinstance(person, int) else person.id
    readers = [api_as(admin) for _ in range(6)]
    token = api_as(admin).post(f"/api/v1/t/{slug}/tokens", json={"name": "并发"}).get_json()["token"]
    writers = [api_as(admin) for _ in range(2)]
    barrier = threading.Barrier(len(readers) + len(writers) + 1)
    statuses: list[tuple[str, int]] = []
    errors: list[BaseException] = []

    def read(client):
        try:
            barrier.wait()
            for _ in range(4):
                statuses.append(("page", client.get(f"/t/{slug}/people/{person_id}").status_code))
                statuses.append(("api", client.get(f"/api/v1/t/{slug}/people/{person_id}").status_code))
        except BaseException as exc:
            errors.append(exc)

    def read_with_token():
        try:
            barrier.wait()
            client = app.test_client()
            for _ in range(6):
                resp = client.get(f"/api/v1/t/{slug}/people", headers={"Authorization": f"Bearer {token}"})
                statuses.append(("token", resp.status_code))
        except BaseException as exc:
            errors.append(exc)

    def write(client):
        try:
            barrier.wait()
            for _ in range(4):
                resp = client.post(f"/api/v1/t/{slug}/people", json={"name": "并发写", "id_number": new_id(), "grid_id": grid_id})
                statuses.append(("write", resp.status_code))
        except BaseException as exc:
            errors.append(exc)

    threads = ([threading.Thread(target=read, args=(c,)) for c in readers] + [threading.Thread(target=read_with_token)]
               + [threading.Thread(target=write, args=(c,)) for c in writers])
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    refused = [s for s in statuses if s[1] != (201 if s[0] == "write" else 200)]
    assert not refused, refused
    assert len(statuses) == 6 * 8 + 6 + 2 * 4
    with app.app_context(), tenant_context(town):  # every read of the number was still audited
        from sqlalchemy import func, select

        from core.db import db

        seen = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.object_id == str(person_id), AuditEntry.action == "people.read_sensitive"))
    assert seen >= 6 * 8
