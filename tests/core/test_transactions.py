"""Write transactions that must not race: ``immediate_transaction`` (SQLite ``BEGIN IMMEDIATE``)
plus ``SELECT ... FOR UPDATE`` (PostgreSQL) serialise read-then-write, as the ledgers will need."""
from __future__ import annotations

import threading

from sqlalchemy import select

from core.db import db, immediate_transaction
from core.grid.models import Grid
from core.tenancy import tenant_context


def test_concurrent_read_then_write_loses_no_update(app, create_tenant, create_grid, reliability):
    town = create_tenant()
    grid_id = create_grid(town, "计数网格").id
    with app.app_context(), tenant_context(town):
        start = db.session.get(Grid, grid_id).seq
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def bump():
        try:
            with app.app_context(), tenant_context(town):
                barrier.wait()
                for _ in range(5):
                    with immediate_transaction() as session:
                        grid = session.scalars(select(Grid).where(Grid.id == grid_id).with_for_update()).one()
                        grid.seq = grid.seq + 1
                db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context(), tenant_context(town):
        assert db.session.get(Grid, grid_id).seq == start + 40
    reliability("concurrency", 40, "read-then-write increments by 8 threads at once", lost=0)
