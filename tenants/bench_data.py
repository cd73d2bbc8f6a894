"""Data at real scale for demos, benchmarks and load tests (规模数据): ``gridgov demo --scale
township|county|prefecture`` (``gridgov bench-data`` is the same command under its first name).

* township: 1 county, 1 township of 1,000 grids over 5 levels (社区 → 网格 → 小区 → 楼栋 → 单元)
  and 100,000 residents;
* county: 1 county of 20 such townships with 25,000 residents each (500,000);
* prefecture: 8 counties of 20 townships, 4,000,000 residents.

``factor`` shrinks everything (grids, residents, module data) for tests and quick runs. Residents
come from :func:`core.people.demo.generate` (bulk inserts); the enabled modules add their data in
proportion through the ``demo_data_at_scale`` hook (incidents over two years, ledger entries,
cases, activities and attendance), also in bulk. Each township is built and committed on its own,
so an interrupted run resumes: a township that already exists is skipped (one interrupted while it
was being filled is left as it is; drop the database to rebuild it exactly). Every township gets an
admin ``<slug>_admin`` with the demo password (``DEMO_PASSWORD``); progress and rows per second go to
``report``, in the command's language.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from core.auth.service import assign_role, create_user
from core.db import db
from core.grid.models import Grid
from core.models import Tenant, User
from core.modules import hooks
from core.people.demo import generate
from core.people.services import ensure_default_tags
from core.tenancy import tenant_context
from tenants.demo import DEMO_PASSWORD
from tenants.onboarding import create_county, onboard_township

LEVELS = ["社区", "网格", "小区", "楼栋", "单元"]
PEOPLE_PER_HOUSEHOLD = 2.95  # the mean of core.people.demo's household sizes


@dataclass(frozen=True)
class Scale:
    name: str
    counties: int
    townships: int  # per county
    residents: int  # per township


SCALES = {"township": Scale("township", 1, 1, 100_000), "county": Scale("county", 1, 20, 25_000),
          "prefecture": Scale("prefecture", 8, 20, 25_000)}


def grid_tree(factor: float = 1.0) -> list[dict]:
    """About ``1000 * factor`` grids over 5 levels: communities of 3 grids of 3 estates of 3
    buildings, and the units under the buildings (at least one each)."""
    communities = max(1, round(10 * factor))
    roots = []
    for c in range(communities):
        roots.append({"name": f"{c + 1}{LEVELS[0]}", "children": [
            {"name": f"{c + 1}-{g + 1}{LEVELS[1]}", "children": [
                {"name": f"{c + 1}-{g + 1}-{e + 1}{LEVELS[2]}", "children": [
                    {"name": f"{c + 1}-{g + 1}-{e + 1}-{b + 1}{LEVELS[3]}", "children": []} for b in range(3)]}
                for e in range(3)]} for g in range(3)]})
    buildings = [b for r in roots for g in r["children"] for e in g["children"] for b in e["children"]]
    units = max(len(buildings), round(1000 * factor) - communities * 40)
    for n in range(units):
        building = buildings[n % len(buildings)]
        building["children"].append({"name": f"{building['name']}{len(building['children']) + 1}{LEVELS[4]}"})
    return roots


class Progress:
    """Rows written so far and their rate, reported as the run goes."""

    def __init__(self, report: Callable[[str], None]):
        self.report, self.started, self.rows = report, time.perf_counter(), {}

    def add(self, counts: dict[str, int]) -> None:
        for table, n in counts.items():
            self.rows[table] = self.rows.get(table, 0) + n

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def rate(self) -> float:
        return self.total / max(time.perf_counter() - self.started, 1e-6)


def build_scale(name: str, factor: float = 1.0, prefix: str = "sc", seed: int = 42,
                report: Callable[[str], None] = print, residents: int | None = None) -> dict[str, int]:
    """Build (or finish building) scale ``name`` at ``factor``; returns rows written per table.
    ``residents``: per township, instead of the scale's number times ``factor``."""
    scale = SCALES[name]
    townships = max(1, round(scale.townships * min(1.0, factor * 10)))  # full count from factor 0.1 up
    progress = Progress(report)
    modules = {m: {} for m in current_app.extensions["gridgov.plugins"].modules}
    for c in range(scale.counties):
        county_slug = f"{prefix}{c + 1}"
        county = db.session.scalar(select(Tenant).where(Tenant.slug == county_slug))
        if county is None:
            county = create_county(county_slug, f"规模{c + 1}县", f"34{c + 1:02d}01")
        for t in range(townships):
            slug = f"{county_slug}t{t + 1}"
            if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
                report(_("乡镇 %(slug)s 已存在，跳过", slug=slug))
                continue
            counts = build_township(county, slug, f"规模{c + 1}县{t + 1}镇", f"34{c + 1:02d}01{t + 101:03d}",
                                    residents or round(scale.residents * factor), factor, seed + c * 1000 + t,
                                    modules, name)
            progress.add(counts)
            report(_("乡镇 %(slug)s：%(rows)s；累计 %(total)s 行，每秒 %(rate)s 行", slug=slug,
                     rows=", ".join(f"{k} {v:,}" for k, v in counts.items()), total=f"{progress.total:,}",
                     rate=f"{progress.rate():,.0f}"))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # what autovacuum would do within a minute of a bulk load
        db.session.commit()
    seconds = time.perf_counter() - progress.started
    report(_("共 %(rows)s 行，%(seconds).1f 秒，每秒 %(rate)s 行", rows=f"{progress.total:,}", seconds=seconds,
             rate=f"{progress.rate():,.0f}"))
    return progress.rows


def build_township(county: Tenant, slug: str, name: str, region: str, residents: int, factor: float, seed: int,
                   modules: dict, scale_name: str) -> dict[str, int]:
    """One township with its grids, residents, admin and module data, committed at the end."""
    result = onboard_township({"name": name, "slug": slug, "county": county.slug, "region_code": region,
                               "grid_level_names": LEVELS, "grids": grid_tree(factor), "modules": modules})
    tenant = result.tenant
    with tenant_context(tenant):
        ensure_default_tags(tenant)
        leaves = db.session.scalars(select(Grid.id).where(Grid.level == len(LEVELS))).all()
        per_grid = max(1, round(residents / PEOPLE_PER_HOUSEHOLD / len(leaves)))
        people = generate(tenant, households_per_grid=(per_grid - per_grid // 3, per_grid + per_grid // 3),
                          seed=seed, grid_ids=leaves)
        db.session.commit()
        counts = {"grids": result.grids, "households": people["households"], "people": people["people"]}
        shares = hooks(tenant).demo_data_at_scale(tenant=tenant, scale={
            "name": scale_name, "factor": factor, "seed": seed, "years": 2,
            "residents": people["people"], "households": people["households"], "grids": result.grids})
        for share in shares:
            for table, n in (share or {}).items():
                counts[table] = counts.get(table, 0) + n
        admin = f"{slug}_admin"
        if db.session.scalar(select(func.count()).select_from(User).where(User.username == admin)) == 0:
            assign_role(create_user(admin, DEMO_PASSWORD, display_name=f"{name}网格办"), tenant, "township_admin")
        db.session.commit()
    return counts
