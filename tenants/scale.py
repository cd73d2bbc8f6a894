"""Data at real scale (规模演示数据): ``gridgov demo --scale township|county`` builds a township of
1,000 grids over 5 levels (社区 → 网格 → 小区 → 楼栋 → 单元) and about 100,000 residents, or a
county of 20 such townships, with bulk inserts (the people generator of
:mod:`core.people.demo`), and reports rows per second. Idempotent: a township that exists is
left alone. Accounts: ``<township slug>_admin`` with the demo password (``tenants.demo.DEMO_PASSWORD``).

Module data in proportion (incidents over two years, ...) is not generated here yet:
``benchmarks/pages_bench.py`` builds the incidents it measures.
"""
from __future__ import annotations

import time
from typing import Iterator

from sqlalchemy import func, select, text

from core.db import db
from core.grid.models import Grid
from core.models import Tenant
from core.tenancy import tenant_context
from flask_babel import gettext as _

SCALES = {"township": 1, "county": 20}  # townships per scale
LEVELS = ["社区", "网格", "小区", "楼栋", "单元"]
FANOUT = [10, 3, 3, 3]  # 10 + 30 + 90 + 270 grids, then 610 units under the buildings = 1,000
GRIDS = 1000
RESIDENTS = 100_000  # per township
COUNTY = ("scalecounty", "规模县", "340899")
from tenants.demo import DEMO_PASSWORD as PASSWORD  # noqa: E402 (one demo password everywhere)


def grid_tree() -> list[dict]:
    """1,000 grids over 5 levels: 10 communities × 3 grids × 3 estates × 3 buildings, then 610
    units spread over the 270 buildings."""
    count = [0]

    def level(depth: int, prefix: str) -> list[dict]:
        if depth == len(FANOUT):
            return []
        nodes = []
        for i in range(FANOUT[depth]):
            count[0] += 1
            nodes.append({"name": f"{prefix}{LEVELS[depth]}{i + 1}", "children": level(depth + 1, f"{prefix}{i + 1}-")})
        return nodes

    roots = level(0, "")
    buildings = [b for r in roots for g in r["children"] for c in g["children"] for b in c["children"]]
    for n in range(GRIDS - count[0]):
        building = buildings[n % len(buildings)]
        building["children"].append({"name": f"{building['name']}单元{len(building['children']) + 1}"})
    return roots


def build(scale: str, residents: int = RESIDENTS) -> Iterator[str]:
    """Build ``scale`` (see :data:`SCALES`), yielding a line per township and a summary."""
    from core.people.demo import generate
    from tenants.onboarding import create_county, onboard_township

    if scale not in SCALES:
        raise ValueError(f"scale: one of {', '.join(SCALES)}")
    started = time.perf_counter()
    rows_total = 0
    slug, name, code = COUNTY
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None:
        create_county(slug, name, code)
        db.session.commit()
    for n in range(1, SCALES[scale] + 1):
        town_slug = f"scale{n:02d}"
        if db.session.scalar(select(Tenant.id).where(Tenant.slug == town_slug)) is not None:
            yield _("乡镇 %(slug)s 已存在，跳过", slug=town_slug)
            continue
        start = time.perf_counter()
        tenant = onboard_township({
            "name": f"规模{n}镇", "slug": town_slug, "county": slug, "region_code": f"{code}{n:03d}",
            "grid_level_names": LEVELS, "grids": grid_tree(),
            "admin": {"username": f"{town_slug}_admin", "display_name": f"规模{n}镇网格办", "password": PASSWORD},
        }).tenant
        with tenant_context(tenant):
            grids = db.session.execute(select(Grid.id, Grid.parent_id)).all()
            parents = {g.parent_id for g in grids}
            leaves = [g.id for g in grids if g.id not in parents]
            per_grid = max(1, round(residents / 2.9 / len(leaves)))  # 2.9 residents per household
            counts = generate(tenant, households_per_grid=(max(1, per_grid - per_grid // 3), per_grid + per_grid // 3),
                              seed=town_slug, grid_ids=leaves)
            db.session.commit()
        took = time.perf_counter() - start
        rows = len(grids) + counts["households"] + counts["people"]
        rows_total += rows
        yield _("乡镇 %(slug)s：%(grids)s 个网格，%(households)s 户，%(people)s 名居民，%(seconds).1f 秒，每秒 %(rate)s 行",
                slug=town_slug, grids=len(grids), households=counts["households"], people=counts["people"],
                seconds=took, rate=f"{rows / took:,.0f}")
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:  # the planner's statistics, as autovacuum would a minute later
            conn.execute(text("ANALYZE"))
            conn.commit()
    took = time.perf_counter() - started
    yield _("共 %(rows)s 行，%(seconds).1f 秒，每秒 %(rate)s 行", rows=rows_total, seconds=took,
            rate=f"{rows_total / took:,.0f}" if took > 0 else "0")
