"""Pages benchmark (not a unit test): the pages a township clerk opens every day, and their API
equivalents, at township scale (1,000 grids over 5 levels, ~100,000 residents, 200,000 incidents
over two years), each next to a hand-written floor measured in the same run: the same query sent
through the driver, with no ORM, auth, scoping, templates or serialisation.

    .venv/bin/python benchmarks/pages_bench.py                       # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/pages_bench.py

Options: ``--people N``, ``--incidents N``, ``--repeat N``, ``--label NAME`` (goes into the JSON
file's name), ``--database-url URL`` (build into that database once and reuse it on the next
run: measure before and after a change on the same rows). Prints p50/p95/p99 and the ratio to the
floor, with the machine's load, and writes ``benchmarks/results/pages-<dialect>-<label>.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import insert, select, text  # noqa: E402

from core.db import db, utcnow  # noqa: E402
from core.testing import percentile, scratch_database, timed  # noqa: E402

from township import PASSWORD, SLUG, FIVE_LEVELS as LEVELS, bench_township, five_level_tree  # noqa: E402


def make_app(url: str):
    from core import create_app
    from core.migrate import upgrade_all

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(), "SECRET_KEY": "bench",
                      "GRIDGOV_ENV": "development", "RATELIMIT_ENABLED": False, "TESTING": False})
    with app.app_context():
        upgrade_all()
    return app


def built(app) -> int | None:
    from core.models import Tenant

    with app.app_context():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == SLUG))


def build(app, people: int, incidents: int) -> None:
    from core.grid.models import Grid
    from core.people.demo import generate
    from core.people.models import Person
    from core.tenancy import tenant_context
    from plugins.incidents.models import Category, Incident

    with app.app_context():
        start = time.perf_counter()
        tenant = bench_township(grids=five_level_tree(), levels=LEVELS, modules={"incidents": {}}, name="基准街道")
        print(f"grids in {time.perf_counter() - start:.1f} s", flush=True)
        with tenant_context(tenant):
            rows = db.session.execute(select(Grid.id, Grid.parent_id)).all()
            parents = {r.parent_id for r in rows}
            leaves = [r.id for r in rows if r.id not in parents]
            parent = {r.id: r.parent_id for r in rows}
            per_grid = max(1, round(people / 2.9 / len(leaves)))
            start = time.perf_counter()
            counts = generate(tenant, households_per_grid=(per_grid - per_grid // 3, per_grid + per_grid // 3),
                              seed=42, grid_ids=leaves)
            db.session.commit()
            took = time.perf_counter() - start
            print(f"{counts['people']} residents in {took:.1f} s ({counts['people'] / took:,.0f} rows/s)", flush=True)
            person_grid = db.session.execute(select(Person.id, Person.grid_id)).all()
            cats = db.session.execute(select(Category.id, Category.time_limit_hours)).all()
            rng = random.Random(42)
            now = utcnow()
            start = time.perf_counter()
            batch = []
            for reported in sorted(now - dt.timedelta(days=rng.uniform(0, 730)) for _ in range(incidents)):
                about = rng.choice(person_grid) if rng.random() < 0.3 else None  # 30% concern a resident
                grid = about.grid_id if about is not None else rng.choice(leaves)
                cat = rng.choice(cats)
                due = reported + dt.timedelta(hours=min(cat.time_limit_hours, 72))
                reach = rng.choices([0, 1, 2, 3], [70, 20, 8, 2])[0]
                young = (now - reported).days < 10
                state = rng.choices(["closed", "rejected", "in_progress", "reported"],
                                    [60, 3, 20, 17] if young else [95, 3, 1, 1])[0]
                closed = state == "closed"
                close_at = min(now, reported + dt.timedelta(hours=rng.uniform(1, 96))) if closed else None
                level = {0: "grid", 1: "grid", 2: "office", 3: "department"}[reach]
                handling = grid if reach == 0 else (parent[grid] if reach == 1 else None)
                batch.append({
                    "tenant_id": tenant.id, "category_id": cat.id, "grid_id": grid, "handling_grid_id": handling,
                    "level": level, "department": "派出所" if reach == 3 else None, "reach": reach, "state": state,
                    "urgency": "normal", "source": "worker", "description": "基准事件：路灯不亮", "place": "村口",
                    "person_id": about.id if about is not None else None,
                    "public_token": secrets.token_hex(8), "receipt": secrets.token_hex(5).upper(),
                    "reported_at": reported, "created_at": reported, "due_at": due,
                    "open_due_at": due if state in ("reported", "in_progress") else None,
                    "closed_at": close_at,
                    "close_hours": (close_at - reported).total_seconds() / 3600 if closed else None,
                    "closed_level": level if closed else None, "closed_grid_id": handling if closed else None,
                    "satisfaction": rng.choice(["satisfied", "satisfied", "basically", "dissatisfied", None]) if closed else None,
                    "reopen_count": 0, "version": 1,
                })
                if len(batch) == 10_000:
                    # set-up only: a Core executemany, tenant_id given explicitly
                    db.session.execute(insert(Incident.__table__), batch)
                    batch = []
            if batch:
                db.session.execute(insert(Incident.__table__), batch)
            db.session.commit()
            took = time.perf_counter() - start
            print(f"{incidents} incidents in {took:.1f} s ({incidents / took:,.0f} rows/s)", flush=True)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:  # what autovacuum does within a minute of a bulk load
                conn.execute(text("ANALYZE"))
                conn.commit()


def scenarios(app, repeat: int):
    """``[(name, times, floor name, floor times)]``, each floor in the same run."""
    from core.grid.models import Grid
    from core.models import Tenant
    from core.people.models import Person
    from core.tenancy import tenant_context
    from plugins.incidents.models import Incident

    with app.app_context():
        tid = db.session.scalar(select(Tenant.id).where(Tenant.slug == SLUG))
        tenant = db.session.get(Tenant, tid)
        with tenant_context(tenant):
            first = db.session.scalars(select(Grid.id).where(Grid.level == 1).order_by(Grid.seq)).first()
            path = db.session.scalar(select(Grid.path).where(Grid.id == first))
            people = db.session.scalars(select(Person.id).order_by(Person.id).limit(5000)).all()
            concerned = db.session.scalars(select(Incident.person_id).where(Incident.person_id.is_not(None))
                                           .order_by(Incident.id.desc()).limit(500)).all()
            recent = db.session.scalars(select(Incident.id).order_by(Incident.id.desc()).limit(500)).all()
    rng = random.Random(1)
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"login": "benchadmin", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    now = utcnow()
    today = dt.date.today()
    q_start = dt.date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)

    def get(url, check=None):
        def call():
            r = client.get(url() if callable(url) else url)
            assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])
            if check is not None:
                assert check(r), r.get_data(as_text=True)[:300]
        return call

    with app.app_context():
        conn = db.engine.connect()
        week_ago = now - dt.timedelta(weeks=8)

        def floor(sql, **params):
            params = {"t": tid, **params}
            return lambda: conn.exec_driver_sql(*_driver(conn, sql, params)).all()

        floors = {
            "dashboard": [floor("SELECT count(*) FROM incidents_incident WHERE tenant_id = :t AND state = 'closed' "
                                "AND closed_at >= :a", a=week_ago),
                          floor("SELECT count(*) FROM incidents_incident WHERE tenant_id = :t AND reported_at >= :a",
                                a=now - dt.timedelta(days=30)),
                          floor("SELECT count(*) FROM incidents_incident WHERE tenant_id = :t AND open_due_at < :a", a=now),
                          floor("SELECT key, sum(n) FROM core_grid_count WHERE tenant_id = :t GROUP BY key")],
            "tree": [floor("SELECT id, parent_id, name, level FROM core_grid WHERE tenant_id = :t ORDER BY path")],
            "grid": [floor("SELECT * FROM core_grid WHERE tenant_id = :t AND id = :g", g=first),
                     floor("SELECT id, name FROM core_grid WHERE tenant_id = :t AND parent_id = :g", g=first)],
            "people": [floor("SELECT id, name, grid_id FROM core_person WHERE tenant_id = :t ORDER BY id LIMIT 50")],
            "search": [floor("SELECT p.id, p.name FROM core_person p WHERE p.tenant_id = :t AND p.name_initials >= 'zs' "
                             "AND p.name_initials < 'zt' AND p.grid_id IN (SELECT id FROM core_grid WHERE tenant_id = :t "
                             "AND path LIKE :p) ORDER BY p.id LIMIT 50", p=path + "%")],
            "person": [floor("SELECT * FROM core_person WHERE tenant_id = :t AND id = :p", p=concerned[0]),
                       floor("SELECT id, state, description FROM incidents_incident WHERE tenant_id = :t "
                             "AND person_id = :p ORDER BY id DESC LIMIT 20", p=concerned[0])],
            "incidents": [floor("SELECT * FROM incidents_incident WHERE tenant_id = :t ORDER BY id DESC LIMIT 50")],
            "incident": [floor("SELECT * FROM incidents_incident WHERE tenant_id = :t AND id = :i", i=recent[0]),
                         floor("SELECT * FROM incidents_step WHERE tenant_id = :t AND incident_id = :i", i=recent[0])],
            "numbers": [floor("SELECT count(*) FROM incidents_incident WHERE tenant_id = :t AND reported_at >= :a",
                              a=dt.datetime.combine(q_start, dt.time(), tzinfo=dt.timezone.utc))],
            "overdue": [floor("SELECT * FROM incidents_incident WHERE tenant_id = :t AND open_due_at < :a "
                              "ORDER BY open_due_at, id LIMIT 50", a=now)],
        }

        def together(kind):
            calls = floors[kind]
            return lambda: [c() for c in calls]

        floor_times = {kind: timed(together(kind), repeat) for kind in floors}
        conn.close()

    home = f"/t/{SLUG}"
    api = f"/api/v1/t/{SLUG}"
    pages = [
        ("dashboard (uncached)", get(f"{home}/"), "dashboard"),
        ("grid tree", get(f"{home}/grids/"), "tree"),
        ("grid page", get(f"{home}/grids/{first}"), "grid"),
        ("people list", get(f"{home}/people/"), "people"),
        ("people search 'zs'", get(f"{home}/people/?q=zs"), "search"),
        ("person page", get(lambda: f"{home}/people/{rng.choice(concerned)}"), "person"),
        ("incident list", get(f"{home}/incidents/"), "incidents"),
        ("incident page", get(lambda: f"{home}/incidents/{rng.choice(recent)}"), "incident"),
        ("numbers page", get(f"{home}/incidents/numbers"), "numbers"),
        ("overdue page", get(f"{home}/incidents/overdue"), "overdue"),
        ("API grid tree", get(f"{api}/grids"), "tree"),
        ("API grid tree, 2 levels", get(f"{api}/grids?depth=2"), "tree"),
        ("API people search", get(f"{api}/people?q=zs&grid_id={first}"), "search"),
        ("API person", get(lambda: f"{api}/people/{rng.choice(people)}"), "person"),
        ("API incident list", get(f"{api}/incidents"), "incidents"),
        ("API incident", get(lambda: f"{api}/incidents/{rng.choice(recent)}"), "incident"),
        ("API numbers", get(f"{api}/incidents/numbers?from={q_start}"), "numbers"),
        ("API overdue", get(f"{api}/incidents/overdue?per_page=50"), "overdue"),
    ]
    results = []
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    for name, call, kind in pages:
        results.append((name, timed(call, repeat), kind, floor_times[kind]))
        print(f"  {name}: p50 {statistics.median(results[-1][1]):.1f} ms", flush=True)
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    results.append(("dashboard (cached 60 s)", timed(get(f"{home}/"), repeat), "dashboard", floor_times["dashboard"]))
    return results


def _driver(conn, sql: str, params: dict):
    """``:name`` parameters in the driver's own style (psycopg ``%(name)s``, sqlite3 ``:name``)."""
    if conn.dialect.name == "postgresql":
        import re

        return re.sub(r":(\w+)", r"%(\1)s", sql.replace("%", "%%")), params
    return sql, {k: (v.replace(tzinfo=None).isoformat(" ") if isinstance(v, dt.datetime) else v)
                 for k, v in params.items()}


def report(results, dialect: str, label: str, counts: dict) -> Path:
    load = os.getloadavg()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    print(f"\n{dialect}, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores), commit {commit or '?'}")
    print(f"{'scenario':26} {'p50':>7} {'p95':>7} {'p99':>7}  {'floor p50':>9}  {'ratio':>6}")
    rows = []
    for name, values, kind, floor in results:
        row = {"scenario": name, "p50_ms": round(percentile(values, 50), 2), "p95_ms": round(percentile(values, 95), 2),
               "p99_ms": round(percentile(values, 99), 2), "floor": kind,
               "floor_p50_ms": round(percentile(floor, 50), 2),
               "ratio_p50": round(statistics.median(values) / max(statistics.median(floor), 1e-3), 1)}
        rows.append(row)
        print(f"{name:26} {row['p50_ms']:7.1f} {row['p95_ms']:7.1f} {row['p99_ms']:7.1f}  {row['floor_p50_ms']:9.2f}"
              f"  {row['ratio_p50']:5.1f}x")
    out = ROOT / "benchmarks" / "results" / f"pages-{dialect}-{label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "pages", "dialect": dialect, "label": label, "commit": commit,
                               "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                               "load": load, "cores": os.cpu_count(), "data": counts, "results": rows},
                              ensure_ascii=False, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--label", default="run")
    parser.add_argument("--database-url", help="build here once, reuse on later runs (kept)")
    args = parser.parse_args()
    drop = None
    url = args.database_url
    if url is None:
        url, drop = scratch_database("gridgov_bench")
    app = make_app(url)
    try:
        if built(app) is None:
            build(app, args.people, args.incidents)
        with app.app_context():
            counts = {name: db.session.execute(text(f"SELECT count(*) FROM {name}")).scalar()
                      for name in ("core_grid", "core_person", "incidents_incident")}
            dialect = db.engine.dialect.name
        print(f"data: {counts}", flush=True)
        report(scenarios(app, args.repeat), dialect, args.label, counts)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
