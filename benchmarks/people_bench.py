"""People benchmark (not a unit test): a township of 1,000 grids over 5 levels and ~100,000
residents, then p50/p95 of the hot paths, each next to a floor measured in the same run.

    .venv/bin/python benchmarks/people_bench.py                      # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/people_bench.py

On PostgreSQL a temporary database is created and dropped. Options: ``--people N``,
``--repeat N``, ``--no-import`` (skip the 100,000-row .xlsx import).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402

from core.db import db  # noqa: E402
from core.testing import bench_app, print_results, timed  # noqa: E402

from township import PASSWORD, FIVE_LEVELS as LEVELS, bench_township, five_level_tree  # noqa: E402


def build(app, people: int):
    from core.grid.models import Grid
    from core.people.demo import generate

    with app.app_context():
        start = time.perf_counter()
        tenant = bench_township(grids=five_level_tree(), levels=LEVELS, name="基准街道")
        grids_s = time.perf_counter() - start
        from core.tenancy import tenant_context

        with tenant_context(tenant):
            rows = db.session.execute(select(Grid.id, Grid.parent_id, Grid.level)).all()
            parents = {r.parent_id for r in rows}
            leaves = [r.id for r in rows if r.id not in parents]
            per_grid = max(1, round(people / 2.9 / len(leaves)))
            start = time.perf_counter()
            counts = generate(tenant, households_per_grid=(per_grid - per_grid // 3, per_grid + per_grid // 3),
                              seed=42, grid_ids=leaves)
            db.session.commit()
            people_s = time.perf_counter() - start
            first = db.session.scalars(select(Grid.id).where(Grid.level == 1).order_by(Grid.seq)).first()
        if db.engine.dialect.name == "postgresql":
            # what autovacuum does within a minute of a bulk load; without it the planner guesses
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built {len(rows)} grids in {grids_s:.1f} s; {counts['people']} residents in "
              f"{counts['households']} households in {people_s:.1f} s ({db.engine.dialect.name})")
        return tenant.id, first, len(rows), counts["people"]


def measure(app, tenant_id: int, first_grid: int, repeat: int) -> list[tuple[str, list[float], str, list[float]]]:
    from core.models import Tenant
    from core.people.models import Person
    from core.people.stats import subtree_stats
    from core.tenancy import tenant_context

    results = []
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        db.session.expunge(tenant)
        with tenant_context(tenant):
            ids = db.session.scalars(select(Person.id)).all()
            members = db.session.scalars(select(Person.id).where(Person.is_party_member.is_(True))).all()
        conn = db.engine.connect()
        floor_count = lambda: conn.execute(  # noqa: E731  the plain-SQL floor
            text("SELECT count(*) FROM core_person WHERE tenant_id = :t AND status = 'living'"), {"t": tenant_id}).scalar()
        assert subtree_stats(tenant, None)["residents"] == floor_count(), "the counts disagree with the register"
        results.append(("subtree stats, township root", timed(lambda: subtree_stats(tenant, None), repeat),
                        "SQL count(*) of residents", timed(floor_count, repeat)))
        results.append(("subtree stats, first-level grid", timed(lambda: subtree_stats(tenant, first_grid), repeat),
                        "SQL count(*) of residents", timed(floor_count, repeat)))
        path = conn.execute(text("SELECT path FROM core_grid WHERE id = :g"), {"g": first_grid}).scalar()
        floor_search = lambda: conn.execute(text(  # noqa: E731
            "SELECT p.id, p.name FROM core_person p WHERE p.tenant_id = :t AND p.name_initials >= 'zs' "
            "AND p.name_initials < 'zt' AND p.grid_id IN (SELECT id FROM core_grid WHERE tenant_id = :t "
            "AND path LIKE :p) ORDER BY p.id LIMIT 50"), {"t": tenant_id, "p": path + "%"}).all()
        search_floor = timed(floor_search, repeat)
        conn.close()
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"login": "benchadmin", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    csrf = {"X-CSRFToken": resp.get_json()["csrf_token"]}  # a session's writes carry the token (docs/api.md)
    slug = "benchtown"

    def search():
        r = client.get(f"/api/v1/t/{slug}/people?q=zs&grid_id={first_grid}")
        assert r.status_code == 200 and r.get_json()["total"] > 0, r.get_json()

    results.append(("search 'zs' in a first-level grid (API)", timed(search, repeat),
                    "plain SQL search", search_floor))
    rng = random.Random(1)

    def person_page():
        r = client.get(f"/t/{slug}/people/{rng.choice(ids)}")
        assert r.status_code == 200

    health = lambda: client.get("/healthz")  # noqa: E731  the framework's own floor
    health_times = timed(health, repeat)
    results.append(("person page (HTML, audited reveal)", timed(person_page, repeat), "GET /healthz", health_times))
    flip = [False]

    def edit():  # a write recounts the resident's grid before it commits (only members can be away)
        flip[0] = not flip[0]
        r = client.patch(f"/api/v1/t/{slug}/people/{rng.choice(members)}", json={"party_away": flip[0]}, headers=csrf)
        assert r.status_code == 200, r.get_json()

    results.append(("edit a resident (API PATCH, recounts its grid)", timed(edit, repeat), "GET /healthz", health_times))
    return results


def xlsx_rows(n: int, grid_codes: list[str]) -> bytes:
    from openpyxl import Workbook

    from core.people.demo import MALE, SURNAMES, IdNumbers

    rng = random.Random(7)
    make_id = IdNumbers("340823", rng)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("居民")
    sheet.append(["姓名", "性别", "出生日期", "身份证号", "手机号", "网格", "住址", "与户主关系", "标签", "是否党员"])
    for i in range(n):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30000))
        number = make_id(born, "male")
        sheet.append([rng.choice(SURNAMES) + rng.choice(MALE) + rng.choice(MALE), "男", born.isoformat(), number,
                      f"139{i:08d}", rng.choice(grid_codes), f"导入路{i // 3}号", "户主" if i % 3 == 0 else "子",
                      "残疾人" if i % 50 == 0 else "", "是" if i % 15 == 0 else "否"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure_import(app, tenant_id: int, rows: int) -> tuple[float, float, dict]:
    from core.grid.models import Grid
    from core.models import Tenant
    from core.people.importer import run_import
    from core.people.xlsx import read_rows
    from core.tenancy import tenant_context

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        with tenant_context(tenant):
            codes = db.session.scalars(select(Grid.code)).all()
        start = time.perf_counter()
        data = xlsx_rows(rows, codes)
        print(f"wrote a {rows}-row .xlsx ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        rows, _ = read_rows(io.BytesIO(data))
        for _ in rows:
            pass
        floor = time.perf_counter() - start
        start = time.perf_counter()
        with tenant_context(tenant):
            report = run_import("bench.xlsx", io.BytesIO(data), mode="all")
            db.session.commit()
        took = time.perf_counter() - start
        return took, floor, report.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when piped to a file
    with bench_app(keep=args.keep) as app:
        if args.keep:
            print(f"database kept: {app.config['SQLALCHEMY_DATABASE_URI']}")
        tenant_id, first_grid, grids, people = build(app, args.people)
        print_results(measure(app, tenant_id, first_grid, args.repeat), goal_p95_ms=50)
        if not args.no_import:
            took, floor, report = measure_import(app, tenant_id, args.import_rows)
            print(f"\nimport {args.import_rows} rows from .xlsx: {took:.1f} s (goal < 60 s); parsing the .xlsx "
                  f"alone: {floor:.1f} s ({took / floor:.1f}x); created {report['created']}, bad rows {report['bad']}")


if __name__ == "__main__":
    main()
