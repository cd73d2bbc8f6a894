"""Deadlines (限时办结): automatic escalation of overdue incidents whose category asks for it.

``gridgov incidents escalate-overdue`` runs :func:`escalate_overdue` for every township that has
the module on; a cron runs it every few minutes. An incident moves one level per run: its grid's
parent grid, or the township office from a top grid; at the office or a department it stays
(the office is the top of the township) and only appears in the overdue lists.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.toolkit import db, utcnow
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
        services.escalate(tenant, incident, to, f"超过办理时限自动流转 (deadline {incident.due_at:%Y-%m-%d %H:%M} passed)",
                          auto=True)
        moved.append(incident.id)
    return moved


def escalate_all(only_slug: str | None = None):
    """Run :func:`escalate_overdue` for each township with the module on, one commit each."""
    from core.toolkit import Tenant, TenantKind
    from core.toolkit import enabled_modules
    from core.toolkit import tenant_context

    stmt = select(Tenant).where(Tenant.kind == TenantKind.township)
    if only_slug:
        stmt = stmt.where(Tenant.slug == only_slug)
    for tenant in db.session.scalars(stmt).all():
        if "incidents" not in enabled_modules(tenant):
            continue
        with tenant_context(tenant):
            try:
                moved = escalate_overdue(tenant)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
        yield tenant.slug, moved
