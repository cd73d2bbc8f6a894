"""Several users saving at the same moment through the API: every write lands (none refused as
busy), and the numbers agree. On SQLite the writes queue for the database's one write lock."""
from __future__ import annotations

import threading

from core.people.stats import subtree_stats

from .conftest import new_id


def test_simultaneous_registrations_all_land(app, town, admin, api_as):
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
