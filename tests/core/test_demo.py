"""`gridgov demo` loads counties and townships that look like real ones, once."""
from __future__ import annotations

from sqlalchemy import func, select

from core.county_templates.service import county_template
from core.db import db
from core.grid.models import Grid
from core.models import Tenant, TenantKind
from core.plugins import hookimpl
from core.tenancy import tenant_context


def test_hook_demo_data(app, register_plugin):
    calls = []

    class DemoListener:
        @staticmethod
        @hookimpl
        def demo_data(tenant):
            calls.append((tenant.slug, db.session.scalar(select(func.count()).select_from(Grid))))

    register_plugin(DemoListener, "demo_listener")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin / Demo-grid-2026" in first.output
    with app.app_context():
        townships = db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.township,
                                                             Tenant.slug.in_([c[0] for c in calls]))).all()
        assert len(townships) == len(calls) >= 3
        assert all(count > 0 for _, count in calls)  # grids exist when modules are asked for data
        for town in townships:
            assert town.parent.kind == TenantKind.county
            with tenant_context(town):
                assert db.session.scalar(select(func.count()).select_from(Grid)) > 0
                categories = county_template(town, "incidents.categories")  # it follows its county's list
                assert categories["adoption"]["version"] == categories["county"]["version"] == 1
    # idempotent: a second run creates nothing
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "township" not in second.output
