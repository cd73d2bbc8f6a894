"""Five-star benchmark (not a unit test): a county of 20 townships × 40 villages, each village
branch holding some stars, then p50/p95 of the county's wall map (villages × stars of every
township, over HTTP) next to a floor measured in the same run: one hand-written query per
township reading (branch, star) pairs.

    .venv/bin/python benchmarks/five_star_bench.py                      # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/five_star_bench.py

Options: ``--townships N``, ``--villages N``, ``--repeat N``. There is no goal in the issue.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from core.db import db, utcnow  # noqa: E402
from core.testing import bench_app, print_results, timed  # noqa: E402

PASSWORD = "Bench12345-pw"


def build(app, townships: int, villages: int) -> list[int]:
    from core.auth.service import assign_role, create_user
    from core.grid.models import Grid, PartyOrg, PartyOrgKind
    from tenants.modules import enable_module
    from core.tenancy import tenant_context
    from plugins.five_star.models import Assessment, Award, Standard, Star
    from tenants.onboarding import create_county, onboard_township

    rng = random.Random(7)
    with app.app_context():
        county = create_county("fsbenchcounty", "基准县", "340822")
        enable_module(county, "five_star")
        user = create_user("fsbenchadmin", PASSWORD)
        assign_role(user, county, "county_admin")
        db.session.commit()
        ids = []
        for t in range(townships):
            town = onboard_township({"name": f"基准镇{t + 1:02d}", "slug": f"fsbench{t}", "county": county.slug,
                                     "grid_level_names": ["村", "网格"], "modules": {"five_star": {}},
                                     "grids": [{"name": f"村{v + 1}"} for v in range(villages)]}).tenant
            ids.append(town.id)
            with tenant_context(town):
                grids = db.session.scalars(select(Grid.id).where(Grid.level == 1)).all()
                db.session.execute(insert(PartyOrg), [{"tenant_id": town.id, "grid_id": g, "kind": PartyOrgKind.branch,
                                                       "name": f"村{i + 1}党支部", "secretary_name": "",
                                                       "secretary_phone": "", "created_at": utcnow()}
                                                      for i, g in enumerate(grids)])
                orgs = db.session.scalars(select(PartyOrg.id)).all()
                standard = db.session.scalar(select(Standard))
                stars = db.session.execute(select(Star.id, Star.code).where(Star.standard_id == standard.id)).all()
                now = utcnow()
                for org in orgs:
                    for star_id, code in rng.sample(stars, rng.randint(0, 5)):
                        a = db.session.execute(insert(Assessment).values(
                            tenant_id=town.id, org_id=org, star_id=star_id, year=standard.year, state="confirmed",
                            total=90, awarded=True, version=1, created_at=now).returning(Assessment.id)).scalar()
                        db.session.execute(insert(Award).values(
                            tenant_id=town.id, org_id=org, star_id=star_id, star_code=code, year=standard.year,
                            assessment_id=a, awarded_at=now, redo_task_ids=[], created_at=now))
            db.session.commit()
        return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--villages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with bench_app() as app:
        start = time.perf_counter()
        ids = build(app, args.townships, args.villages)
        print(f"built {args.townships} townships x {args.villages} villages in {time.perf_counter() - start:.1f}s")
        client = app.test_client()
        resp = client.post("/api/v1/auth/login", json={"login": "fsbenchadmin", "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()

        def wall_map():
            r = client.get("/api/v1/t/fsbenchcounty/five_star/county/map")
            assert r.status_code == 200, r.get_data(as_text=True)[:300]

        def floor():
            with app.app_context():
                with db.engine.connect() as conn:
                    for tid in ids:
                        conn.execute(text("SELECT org_id, star_code FROM five_star_award WHERE tenant_id = :t "
                                          "AND withdrawn_at IS NULL"), {"t": tid}).all()

        print_results([("county wall map (all townships, HTTP)", timed(wall_map, args.repeat),
                        "awards per township (SQL)", timed(floor, args.repeat))])


if __name__ == "__main__":
    main()
