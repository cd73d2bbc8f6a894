"""Demo data: a year of cases in the demo township's rooms, idempotent, and the pages show it."""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.modules import hooks
from core.tenancy import tenant_context
from plugins.mediation.models import Case, Meeting, Mediator


def test_hook_demo_data_fills_once_and_pages_show_it(town, api_as):
    with tenant_context(town.tenant):
        hooks(town.tenant).demo_data(tenant=town.tenant)
        db.session.commit()
        first = db.session.scalar(select(func.count(Case.id)))
        from plugins.mediation import hooks as mediation_hooks

        mediation_hooks.demo_data(tenant=town.tenant)  # again, this module alone: nothing added
        db.session.commit()
        assert db.session.scalar(select(func.count(Case.id))) == first == 80
        assert db.session.scalar(select(func.count(Meeting.id))) == 2
        assert db.session.scalar(select(func.count(Mediator.id))) >= 6
        outcomes = dict(db.session.execute(select(Case.outcome, func.count()).group_by(Case.outcome)).all())
        db.session.rollback()
    assert outcomes.get("agreement", 0) > outcomes.get("failed", 0)
    staff = api_as(town.staff)
    n = staff.get(f"/api/v1/t/{town.slug}/mediation/numbers").get_json()["total"]
    assert n["taken_in"] == 80 and n["success_rate"] > 0.5 and n["followed_up"] > 0
    assert "老娘舅调解工作室" in staff.get(f"/t/{town.slug}/mediation/rooms").get_data(as_text=True)
