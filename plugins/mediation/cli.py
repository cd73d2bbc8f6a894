"""Command-line work of the mediation module (run from cron until core's schedules land)."""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import Tenant, TenantKind, db, enabled_modules, tenant_context


def followups_due(only_slug: str | None = None):
    """Yield ``(slug, [(case id, due date), ...])`` for each township with the module on."""
    from plugins.mediation.followups import due_followups

    stmt = select(Tenant).where(Tenant.kind == TenantKind.township).order_by(Tenant.id)
    if only_slug:
        stmt = stmt.where(Tenant.slug == only_slug)
    for tenant in db.session.scalars(stmt).all():
        if "mediation" not in enabled_modules(tenant):
            continue
        with tenant_context(tenant):
            rows = [(f.case_id, f.due_on) for f in due_followups()]
            db.session.rollback()
        yield tenant.slug, rows
