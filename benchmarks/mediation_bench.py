"""Mediation benchmark (not a unit test): a township of 20 villages with five rooms, 20 mediators
and N cases over two years (default 20,000: a busy county seat's decade), then p50/p95 of

* the township's numbers for one year with every breakdown (room, mediator, type, village, month),
* the case list, page 1 of 50, as the office,
* one case's page (HTML, with its audited read),

each next to a floor measured in the same run (a hand-written SQL count by outcome for the year,
``GET /healthz``) and the ratio.

    .venv/bin/python benchmarks/mediation_bench.py                       # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/mediation_bench.py

Options: ``--cases N``, ``--repeat N``. Goal: p95 under 100 ms for each, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from core.db import db, utcnow  # noqa: E402
from core.testing import bench_app, print_results, timed  # noqa: E402

from township import PASSWORD, bench_township  # noqa: E402

TYPES = ["neighbours", "land_contract", "family", "marriage", "labour", "property", "demolition", "other"]


def build(app, count: int):
    from core.grid.models import Grid
    from core.tenancy import tenant_context
    from plugins.mediation.models import Case, CaseMediator, FollowUp, Party
    from plugins.mediation.rooms import save_mediator, save_room

    with app.app_context():
        grids = [{"name": f"村{v + 1}", "children": [{"name": f"村{v + 1}网格{g + 1}"} for g in range(8)]} for v in range(20)]
        tenant = bench_township(grids=grids, levels=["村/社区", "网格"], modules={"mediation": {}})
        rng = random.Random(13)
        now = utcnow()
        start = time.perf_counter()
        with tenant_context(tenant):
            villages = db.session.scalars(select(Grid.id).where(Grid.level == 1)).all()
            leaves = db.session.execute(select(Grid.id, Grid.parent_id).where(Grid.level == 2)).all()
            rooms = [save_room(tenant, {"name": f"第{i + 1}调解室", "grid_ids": villages[i * 4:(i + 1) * 4]}) for i in range(5)]
            mediators = [save_mediator(tenant, {"name": f"调解员{i + 1}", "background": "retired_judge",
                                                "room_ids": [rooms[i % 5].id]}) for i in range(20)]
            room_of = {v: rooms[i // 4].id for i, v in enumerate(villages)}
            by_room = {r.id: [m.id for m in mediators if r.id in m.room_ids] for r in rooms}
            db.session.commit()
            first_id = (db.session.scalar(select(db.func.max(Case.id))) or 0) + 1
            cases, parties, links, visits = [], [], [], []
            times = sorted(now - dt.timedelta(days=rng.uniform(0, 730)) for _ in range(count))
            for n, taken in enumerate(times):
                cid = first_id + n
                grid, village = rng.choice(leaves)
                outcome = rng.choices(["agreement", "partial", "failed", "referred", None], [70, 5, 5, 8, 12])[0]
                ended = taken + dt.timedelta(days=rng.uniform(1, 40)) if outcome else None
                state = outcome or rng.choice(["intake", "accepted", "in_session", "declined"])
                cases.append({"id": cid, "tenant_id": tenant.id, "room_id": room_of[village], "grid_id": grid,
                              "source": "walk_in", "dispute_type": rng.choice(TYPES), "summary": "基准纠纷",
                              "urgency": "normal", "state": state, "taken_in_at": taken, "created_at": taken,
                              "accepted_at": taken if state not in ("intake", "declined") else None,
                              "concluded_at": ended, "outcome": outcome, "outcome_note": "", "reopen_count": 0,
                              "version": 1})
                parties += [{"tenant_id": tenant.id, "case_id": cid, "role": r, "name": f"当事人{n}{r[0]}",
                             "signed": False} for r in ("applicant", "respondent")]
                if state not in ("intake", "accepted", "declined"):
                    links.append({"tenant_id": tenant.id, "case_id": cid, "mediator_id": rng.choice(by_room[room_of[village]]),
                                  "lead": True})
                if outcome == "agreement":
                    visits.append({"tenant_id": tenant.id, "case_id": cid, "due_on": (ended + dt.timedelta(days=7)).date(),
                                   "done_at": ended + dt.timedelta(days=7), "cancelled": False, "holds": rng.random() < .95,
                                   "note": "", "created_at": ended})
            # set-up only: Core executemany with tenant_id given explicitly
            for table, rows in ((Case.__table__, cases), (Party.__table__, parties),
                                (CaseMediator.__table__, links), (FollowUp.__table__, visits)):
                for i in range(0, len(rows), 10_000):
                    db.session.execute(insert(table), rows[i:i + 10_000])
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    conn.execute(text("ANALYZE mediation_case; ANALYZE mediation_party; ANALYZE mediation_case_mediator; "
                                      "ANALYZE mediation_followup"))
                    conn.commit()
        print(f"built {count} cases in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})")
        return tenant.id, first_id


def measure(app, tenant_id: int, case_id: int, repeat: int):
    from core.toolkit import local_period

    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"login": "benchadmin", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    base = "/api/v1/t/benchtown/mediation"
    year = str(utcnow().year - 1)
    with app.app_context():
        from core.toolkit import period_bounds

        start, end = period_bounds(year)
        conn = db.engine.connect()
        floor = timed(lambda: conn.execute(text(  # the plain-SQL floor: one count by outcome over the year
            "SELECT outcome, count(*) FROM mediation_case WHERE tenant_id = :t AND taken_in_at >= :a AND taken_in_at < :b "
            "GROUP BY outcome"), {"t": tenant_id, "a": start, "b": end}).all(), repeat)
        conn.close()

    def numbers():
        r = client.get(f"{base}/numbers?period={year}")
        assert r.status_code == 200 and r.get_json()["total"]["taken_in"] > 0, r.get_json()

    def case_list():
        r = client.get(f"{base}/cases?per_page=50")
        assert r.status_code == 200 and len(r.get_json()["items"]) == 50, r.get_json()

    def case_page():
        r = client.get(f"/t/benchtown/mediation/{case_id}")
        assert r.status_code == 200

    health = timed(lambda: client.get("/healthz"), repeat)
    print(f"numbers of {year}: {client.get(f'{base}/numbers?period={year}').get_json()['total']}")
    return [("numbers of one year, all breakdowns (API)", timed(numbers, repeat), "SQL count by outcome, year", floor),
            ("case list, page 1 of 50 (API)", timed(case_list, repeat), "GET /healthz", health),
            ("one case page (HTML, audited read)", timed(case_page, repeat), "GET /healthz", health)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with bench_app() as app:
        tenant_id, first = build(app, args.cases)
        print_results(measure(app, tenant_id, first, args.repeat), goal_p95_ms=100, width=44)


if __name__ == "__main__":
    main()
