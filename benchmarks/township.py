"""The prelude every benchmark had written out for itself: the county ``benchcounty``, the township
``benchtown`` with its grid tree and modules, and a signed-in-able admin (``benchadmin``), committed.

    from township import FIVE_LEVELS, PASSWORD, bench_township, five_level_tree
    tenant = bench_township(grids=five_level_tree(), levels=FIVE_LEVELS, modules={"incidents": {}})

The 1,000-grid tree over 5 levels is the data generator's (``tenants.bench_data.grid_tree``, the
one ``gridgov demo --scale`` builds), so a benchmark measures the township the generator makes.
"""
from __future__ import annotations

PASSWORD = "Bench12345-pw"
SLUG = "benchtown"
ADMIN = "benchadmin"
FIVE_LEVELS = ["社区", "网格", "小区", "楼栋", "单元"]


def five_level_tree() -> list[dict]:
    """1,000 grids over 5 levels: 10 communities x 3 grids x 3 estates x 3 buildings, 600 units."""
    from tenants.bench_data import grid_tree

    return grid_tree(1.0)


def bench_township(*, grids: list[dict], levels: list[str], modules: dict | None = None, name: str = "基准镇",
                   admin: str | None = ADMIN, role: str = "township_admin", slug: str = SLUG):
    """Create (in the app context) the county, the township and its admin; commit; the tenant."""
    from core.auth.service import assign_role, create_user
    from core.db import db
    from tenants.onboarding import create_county, onboard_township

    create_county("benchcounty", "基准县", "340822")
    tenant = onboard_township({"name": name, "slug": slug, "county": "benchcounty", "region_code": "340822101",
                               "grid_level_names": levels, "grids": grids, "modules": modules or {}}).tenant
    if admin is not None:
        assign_role(create_user(admin, PASSWORD), tenant, role)
    db.session.commit()
    return tenant
