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
        # the demo's grid staff can sign in as the holders of their duties: one duty each, theirs
        from core.grid.models import GridDuty
        from core.models import RoleAssignment, User

        for town in townships:
            assert f"{town.slug}_leader / Demo-grid-2026" in first.output
            with tenant_context(town):
                for suffix, duty, level in (("leader", "grid_leader", 1), ("worker", "grid_worker", 2)):
                    user = db.session.scalar(select(User).where(User.username == f"{town.slug}_{suffix}"))
                    role = db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == user.id))
                    grid = db.session.get(Grid, role.grid_id)
                    assert (role.role, grid.level) == (duty, level)
                    held = db.session.scalars(select(GridDuty).where(GridDuty.grid_id == grid.id,
                                                                     GridDuty.duty == duty)).all()
                    assert [(d.user_id, d.name) for d in held] == [(user.id, user.display_name)], town.slug
            client = app.test_client()
            signed = client.post(f"/api/v1/t/{town.slug}/tokens/issue",
                                 json={"login": f"{town.slug}_leader", "password": "Demo-grid-2026"})
            assert signed.status_code in (200, 201), signed.get_json()
    # idempotent: a second run creates nothing
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "township" not in second.output
