"""The migration that adds receipt numbers gives every incident already recorded one of its own:
a database taken back before it and upgraded again has a distinct receipt on each row."""
from __future__ import annotations

from sqlalchemy import inspect, text

from core import create_app
from core.db import db
from core.migrate import downgrade, upgrade_all
from core.testing import scratch_database

BEFORE_RECEIPTS = "f629c458139d"


def test_existing_incidents_get_distinct_receipts(tmp_path):
    from plugins.incidents.demo import fill_demo
    from plugins.incidents.receipts import clean_receipt
    from core.tenancy import tenant_context
    from tenants.onboarding import create_county, onboard_township

    url, drop = scratch_database("gridgov_receiptmig", tmp_path)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SECRET_KEY": "test-secret"})
    try:
        with app.app_context():
            upgrade_all()
            create_county("rcounty", "回执县", "340822")
            tenant = onboard_township({"name": "回执镇", "slug": "rtown", "county": "rcounty",
                                       "grid_level_names": ["村", "网格"], "modules": {"incidents": {}},
                                       "grids": [{"name": "一村", "children": [{"name": "一网格"}]}]}).tenant
            with tenant_context(tenant):
                fill_demo(tenant)
                db.session.commit()
            downgrade("incidents", BEFORE_RECEIPTS)
            columns = {c["name"] for c in inspect(db.engine).get_columns("incidents_incident")}
            assert "receipt" not in columns and "household_id" not in columns
            upgrade_all()
            from core.tenancy import cross_tenant

            with cross_tenant("receipt migration test: raw SQL"), db.engine.connect() as conn:
                receipts = conn.execute(text("SELECT receipt FROM incidents_incident")).scalars().all()
            assert len(receipts) > 10 and len(set(receipts)) == len(receipts)
            assert all(clean_receipt(r) == r for r in receipts)
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
