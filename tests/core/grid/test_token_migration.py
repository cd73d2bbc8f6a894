"""The migration that gives grids public tokens: every grid existing then gets its own token and
keeps its code as the one an old printed QR carries; incidents' Open311 default grid, a code
until then, becomes that grid's token."""
from __future__ import annotations

from sqlalchemy import inspect, text

from core import create_app
from core.db import db
from core.migrate import downgrade, upgrade_all
from core.tenancy import cross_tenant
from core.testing import scratch_database

BEFORE_TOKENS = "4d9e285c61ce"


def _grids():
    with cross_tenant("token migration test: raw SQL"), db.engine.connect() as conn:
        return conn.execute(text("SELECT id, code, public_token, legacy_code FROM core_grid ORDER BY id")).all()


def _default_grid(conn) -> str:
    import json

    with cross_tenant("token migration test: raw SQL"):
        raw = conn.execute(text("SELECT settings FROM core_tenant_module WHERE module = 'incidents' AND tenant_id = "
                                "(SELECT id FROM core_tenant WHERE slug = 'toktown')")).scalar_one()
    return (json.loads(raw) if isinstance(raw, str) else raw)["open311_default_grid"]


def test_the_token_migration_fills_existing_grids_and_the_default_grid(tmp_path):
    from tenants.onboarding import create_county, onboard_township

    url, drop = scratch_database("gridgov_tokenmig", tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    try:
        with app.app_context():
            upgrade_all()
            create_county("tokcounty", "迁移县", "340822")
            onboard_township({"name": "迁移镇", "slug": "toktown", "county": "tokcounty", "region_code": "340822101",
                              "grid_level_names": ["村", "网格"], "modules": {"incidents": {}},
                              "grids": [{"name": "一村", "children": [{"name": "一网格"}, {"name": "二网格"}]}]})
            db.session.commit()
            downgrade("core", BEFORE_TOKENS)
            assert "public_token" not in {c["name"] for c in inspect(db.engine).get_columns("core_grid")}
            assert "core_grid_merge" not in inspect(db.engine).get_table_names()
            with cross_tenant("token migration test: raw SQL"):
                codes = [row[1] for row in db.session.execute(text("SELECT id, code FROM core_grid ORDER BY id"))]
            db.session.rollback()
            with cross_tenant("token migration test: raw SQL"), db.engine.begin() as conn:
                conn.execute(text("UPDATE core_tenant_module SET settings = :s WHERE module = 'incidents' AND tenant_id = "
                                  "(SELECT id FROM core_tenant WHERE slug = 'toktown')"),
                             {"s": '{"open311_default_grid": "%s"}' % codes[2]})
            upgrade_all()
            grids = _grids()
            assert [g.code for g in grids] == codes and [g.legacy_code for g in grids] == codes
            tokens = [g.public_token for g in grids]
            assert len(set(tokens)) == 3 and all(len(t) == 16 for t in tokens)
            with cross_tenant("token migration test: raw SQL"), db.engine.connect() as conn:
                assert _default_grid(conn) == tokens[2]
            downgrade("core", BEFORE_TOKENS)  # and back: the setting is a code again
            with cross_tenant("token migration test: raw SQL"), db.engine.connect() as conn:
                assert _default_grid(conn) == codes[2]
            upgrade_all()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
