"""The migration that adds the per-grid counts counts what is registered already: a database
taken back before it and upgraded again has the same numbers the running app kept."""
from __future__ import annotations

from sqlalchemy import inspect, select, text

from core import create_app
from core.db import db
from core.migrate import downgrade, upgrade_all
from core.testing import scratch_database

BEFORE_COUNTS = "ac9002c8cffe"  # the core revision just before core_grid_count


def _counts():
    from core.tenancy import cross_tenant

    with cross_tenant("counts migration test: every township's counters"), db.engine.connect() as conn:
        return conn.execute(text("SELECT tenant_id, grid_id, key, n FROM core_grid_count ORDER BY 1, 2, 3")).all()


def test_the_counts_migration_counts_existing_residents(tmp_path):
    from core.people.demo import generate
    from core.tenancy import tenant_context
    from tenants.onboarding import create_county, onboard_township

    url, drop = scratch_database("gridgov_countsmig", tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    try:
        with app.app_context():
            upgrade_all()
            create_county("migcounty", "迁移县", "340822")
            tenant = onboard_township({"name": "迁移镇", "slug": "migtown", "county": "migcounty",
                                       "region_code": "340822101", "grid_level_names": ["村", "网格"],
                                       "grids": [{"name": "一村", "children": [{"name": "一网格"}, {"name": "二网格"}]},
                                                 {"name": "二村"}]}).tenant
            with tenant_context(tenant):
                generate(tenant, households_per_grid=(3, 6), seed=7)
                db.session.commit()
            kept = _counts()
            assert {row.key for row in kept} >= {"households", "residents"}
            downgrade("core", BEFORE_COUNTS)
            assert "core_grid_count" not in inspect(db.engine).get_table_names()
            upgrade_all()
            assert _counts() == kept
            with tenant_context(tenant):
                from core.people.stats import subtree_stats

                assert subtree_stats(tenant)["residents"] == sum(r.n for r in kept if r.key == "residents")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
