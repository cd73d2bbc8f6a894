"""Deadlines (限时办结): automatic escalation of overdue incidents whose category asks for it.

The schedule ``incidents.escalate_overdue`` (see ``hooks.register_schedules``) runs
:func:`escalate_overdue` every five minutes in every active township that has the module on;
``gridgov incidents escalate-overdue`` runs it at once. An incident moves one level per run: its grid's
parent grid, or the township office from a top grid; at the office or a department it stays
(the office is the top of the township) and only appears in the overdue lists.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.toolkit import db, format_local, utcnow
from plugins.incidents import services
from plugins.incidents.models import Category, Incident


def escalate_overdue(tenant, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Escalate overdue incidents of auto-escalating categories one level; returns their ids."""
    now = now or utcnow()
    stmt = (select(Incident).join(Category, Category.id == Incident.category_id)
            .where(Incident.open_due_at < now, Incident.level == "grid", Category.auto_escalate.is_(True),
                   Incident.state.in_(services.MOVABLE))
            .order_by(Incident.open_due_at).limit(limit))
    moved = []
    for incident in db.session.scalars(stmt).all():
        to = "parent" if incident.handling_grid is not None and incident.handling_grid.parent_id else "office"
        services.escalate(tenant, incident, to, f"超过办理时限（{format_local(incident.due_at)}）自动流转",
                          auto=True)
        moved.append(incident.id)
    return moved


def escalate_all(only_slug: str | None = None):
    """Run the ``incidents.escalate_overdue`` schedule now in one township (``only_slug``) or in
    every active township with the module on, each in its own transaction and recorded as a
    manual run; yields ``(slug, status, moved ids or the error)``."""
    from core.toolkit import run_schedule

    try:
        outcomes = run_schedule("incidents.escalate_overdue", only_slug)
    except ValueError as exc:
        import click

        raise click.ClickException(str(exc))
    for outcome in outcomes:
        yield outcome.tenant_slug, outcome.status, (outcome.result or [] if outcome.status == "succeeded"
                                                         else outcome.error)
