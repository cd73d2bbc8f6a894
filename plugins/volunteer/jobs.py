"""Periodic work: closing missing check-outs in every township with the module on.

Run by ``gridgov volunteer close-missing-checkouts`` (cron) until core's schedules land; then the
same :func:`close_all` body becomes the schedule's per-tenant function.
"""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import Tenant, TenantKind, TenantStatus, db, enabled_modules, immediate_transaction, tenant_context


def close_all(slug: str | None = None) -> list[tuple[str, int]]:
    """Close missing check-outs township by township, each in its own transaction; a failing
    township does not stop the others (it is reported with -1)."""
    from plugins.volunteer.attendance import close_missing_checkouts

    stmt = select(Tenant).where(Tenant.kind == TenantKind.township, Tenant.status == TenantStatus.active)
    if slug:
        stmt = stmt.where(Tenant.slug == slug)
    out = []
    for town in db.session.scalars(stmt).all():
        if "volunteer" not in enabled_modules(town):
            continue
        try:
            with tenant_context(town), immediate_transaction():
                out.append((town.slug, close_missing_checkouts(town)))
        except Exception:  # noqa: BLE001 - one township's failure is reported, the rest still run
            db.session.rollback()
            out.append((town.slug, -1))
    return out
