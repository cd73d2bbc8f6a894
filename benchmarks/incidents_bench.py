"""Incidents benchmark (not a unit test): a township of 1,000 grids with 200,000 incidents over
two years, then p50/p95 of the township root's numbers for one quarter and of the overdue list,
each next to a floor measured in the same run (ratio = how far above the floor we are).

    .venv/bin/python benchmarks/incidents_bench.py                      # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/incidents_bench.py

On PostgreSQL a temporary database is created and dropped. Options: ``--incidents N``,
``--repeat N``. Goal (issue 6): p95 under 100 ms for both, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from core.db import db, utcnow  # noqa: E402
from core.testing import bench_app, print_results, timed  # noqa: E402

from township import PASSWORD, bench_township  # noqa: E402

LEVELS = ["村/社区", "网格", "微网格"]


def tree() -> list[dict]:
    """20 villages x 7 grids x 6 micro-grids = 20 + 140 + 840 = 1,000 grids."""
    return [{"name": f"村{v + 1}", "children": [
        {"name": f"村{v + 1}网格{g + 1}", "children": [{"name": f"村{v + 1}网格{g + 1}微网格{m + 1}"} for m in range(6)]}
        for g in range(7)]} for v in range(20)]


def build(app, count: int):
    from core.grid.models import Grid
    from core.tenancy import tenant_context
    from plugins.incidents.models import Category, Incident

    with app.app_context():
        start = time.perf_counter()
        tenant = bench_township(grids=tree(), levels=LEVELS, modules={"incidents": {}})
        grids_s = time.perf_counter() - start
        rng = random.Random(42)
        now = utcnow()
        with tenant_context(tenant):
            grids = db.session.execute(select(Grid.id, Grid.parent_id, Grid.level)).all()
            parent = {g.id: g.parent_id for g in grids}
            leaves = [g.id for g in grids if g.level == 3]
            cats = db.session.execute(select(Category.id, Category.time_limit_hours)).all()
            start = time.perf_counter()
            batch = []
            # incidents arrive in time order, so rows are stored roughly by reported_at as in production
            times = sorted(now - dt.timedelta(days=rng.uniform(0, 730)) for _ in range(count))
            for reported in times:
                grid = rng.choice(leaves)
                cat = rng.choice(cats)
                due = reported + dt.timedelta(hours=min(cat.time_limit_hours, 72))
                reach = rng.choices([0, 1, 2, 3], [70, 20, 8, 2])[0]
                young = (now - reported).days < 10
                state = rng.choices(["closed", "rejected", "in_progress", "reported"],
                                    [60, 3, 20, 17] if young else [95, 3, 1, 1])[0]
                closed = state == "closed"
                close_at = reported + dt.timedelta(hours=rng.uniform(1, 96)) if closed else None
                level = {0: "grid", 1: "grid", 2: "office", 3: "department"}[reach]
                handling = grid if reach == 0 else (parent[grid] if reach == 1 else None)
                batch.append({
                    "tenant_id": tenant.id, "category_id": cat.id, "grid_id": grid, "handling_grid_id": handling,
                    "level": level, "department": "派出所" if reach == 3 else None, "reach": reach, "state": state,
                    "urgency": "normal", "source": "worker", "description": "基准事件", "place": "",
                    "public_token": secrets.token_hex(8), "receipt": secrets.token_hex(5).upper(), "reported_at": reported, "created_at": reported, "due_at": due,
                    "open_due_at": due if state in ("reported", "in_progress") else None,
                    "closed_at": close_at, "close_hours": (close_at - reported).total_seconds() / 3600 if closed else None,
                    "closed_level": level if closed else None, "closed_grid_id": handling if closed else None,
                    "satisfaction": rng.choice(["satisfied", "satisfied", "basically", "dissatisfied", None]) if closed else None,
                    "reopen_count": 0, "version": 1,
                })
                if len(batch) == 10_000:
                    # set-up only: a Core executemany (pipelined by psycopg), tenant_id given explicitly
                    db.session.execute(insert(Incident.__table__), batch)
                    batch = []
            if batch:
                db.session.execute(insert(Incident.__table__), batch)
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    conn.execute(text("ANALYZE incidents_incident"))
                    conn.commit()
            incidents_s = time.perf_counter() - start
        print(f"built {len(grids)} grids in {grids_s:.1f} s; {count} incidents in {incidents_s:.1f} s "
              f"({db.engine.dialect.name})")
        return tenant.id


def measure(app, tenant_id: int, repeat: int):
    from core.models import Tenant
    from core.tenancy import tenant_context
    from plugins.incidents import stats

    today = utcnow().date()
    q_start = dt.date(today.year if today.month > 3 else today.year - 1, ((today.month - 1) // 3 * 3 - 3) % 12 + 1, 1)
    q_end = dt.date(q_start.year + (q_start.month + 3 > 12), (q_start.month + 2) % 12 + 1, 1)
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"login": "benchadmin", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    base = "/api/v1/t/benchtown/incidents"
    results = []
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        conn = db.engine.connect()
        floor_count = lambda: conn.execute(text(  # noqa: E731  the plain-SQL floor: one count over the quarter
            "SELECT count(*) FROM incidents_incident WHERE tenant_id = :t AND reported_at >= :a AND reported_at < :b"),
            {"t": tenant_id, "a": q_start, "b": q_end}).scalar()
        with tenant_context(tenant):
            n = stats.subtree_numbers(None, dt.datetime.combine(q_start, dt.time()), dt.datetime.combine(q_end, dt.time()))
            overdue = db.session.scalar(select(db.func.count()).select_from(stats.overdue_query(None).subquery()))
        print(f"quarter {q_start} .. {q_end}: {n['reported']} reported, {n['closed']} closed; {overdue} overdue now")
        floor = timed(floor_count, repeat)
        conn.close()

    def numbers():
        r = client.get(f"{base}/numbers?from={q_start}&to={q_end - dt.timedelta(days=1)}")
        assert r.status_code == 200 and r.get_json()["reported"] > 0, r.get_json()

    def overdue_list():
        r = client.get(f"{base}/overdue?per_page=50")
        assert r.status_code == 200 and r.get_json()["total"] > 0, r.get_json()

    health = lambda: client.get("/healthz")  # noqa: E731  the framework's own floor
    health_ms = timed(health, repeat)
    results.append(("root numbers, one quarter (API)", timed(numbers, repeat), "SQL count(*) of the quarter", floor))
    results.append(("overdue list, page 1 of 50 (API)", timed(overdue_list, repeat), "GET /healthz", health_ms))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with bench_app() as app:
        tenant_id = build(app, args.incidents)
        print_results(measure(app, tenant_id, args.repeat), goal_p95_ms=100, width=36)


if __name__ == "__main__":
    main()
