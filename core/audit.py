"""Recording to the audit log (审计日志). Call :func:`record` from services after each write.

The log is append-only through the app: changing or deleting a loaded entry fails at flush, and
ORM bulk ``update(AuditEntry)`` / ``delete(AuditEntry)`` statements are refused before they run.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session

from core.db import db, utcnow, write_aside
from core.models.audit import AuditEntry
from core.models.tenant import platform_tenant

log = logging.getLogger("gridgov.audit")


def _actor() -> tuple[int | None, str | None]:
    if not has_request_context():
        # a background job (core.jobs) acts for the user who started it, a schedule as itself
        user = g.get("acting_user") if has_app_context() else None
        if user is not None:
            return user.id, user.username
        return None, (g.get("acting_as") if has_app_context() else None) or "cli"
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        return current_user.id, current_user.username
    return None, None


def record(
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    tenant_id: int | None = None,
    actor_user: Any = None,
    aside: bool = False,
) -> AuditEntry:
    """Append an audit entry in the current transaction (stamped with the current tenant).

    ``actor_user`` names who acted when nobody is signed in yet (the sign-in itself); ``aside``
    writes the entry in its own transaction (:func:`core.db.write_aside`), for a refusal whose
    request rolls back but must leave a trace."""
    user_id, actor = (actor_user.id, actor_user.username) if actor_user is not None else _actor()
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditEntry(
        user_id=user_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        address=request.remote_addr if has_request_context() else None,
    )
    if tenant_id is not None:
        entry.tenant_id = tenant_id
    if aside or _read_only_request():
        # a GET that audits (a revealed ID number, a case read) must not turn its read transaction
        # into a write: on SQLite that upgrade fails with "database is locked" as soon as another
        # request wrote. The entry is written in its own short transaction instead (write_aside).
        from core.tenancy import current_tenant_id

        values = {"tenant_id": entry.tenant_id if tenant_id is not None else current_tenant_id(), "user_id": user_id,
                  "actor": actor, "action": action, "object_type": object_type, "object_id": entry.object_id,
                  "before": before, "after": after, "address": entry.address, "created_at": utcnow()}
        write_aside(_insert_entry(values))
        return entry
    db.session.add(entry)
    return entry


def _read_only_request() -> bool:
    return has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")


CROSS_TENANT_ACTION = "tenant.cross"


def record_cross_tenant(reason: str) -> None:
    """Append a ``tenant.cross`` entry for :func:`core.tenancy.cross_tenant` (called on entry).

    The entry goes to the log of the tenant in context (a county reading its townships), else the
    platform tenant (CLI, platform admin). ``cross_tenant`` also guards reads and CLIs that never
    commit, so the entry is never left to the caller's commit: it is written in its own short
    transaction on a second connection, at once, and on SQLite only once the caller's transaction
    (if one is open) has ended, committed or rolled back (:func:`core.db.write_aside` says why).
    PostgreSQL writes at once: the insert takes only a key-share lock on the tenant row, which no
    write of the caller's conflicts with. Nothing here loads through the caller's session.
    """
    from core.tenancy import current_tenant_id

    if not has_app_context():
        return
    user = g.get("_login_user") if has_request_context() else g.get("acting_user")
    authenticated = getattr(user, "is_authenticated", False)
    entry = {
        "tenant_id": current_tenant_id(), "user_id": user.id if authenticated else None,
        "actor": user.username if authenticated else (None if has_request_context() else "cli"),
        "action": CROSS_TENANT_ACTION, "after": {"reason": reason},
        "address": request.remote_addr if has_request_context() else None, "created_at": utcnow(),
    }
    write_aside(_insert_entry(entry))


def _insert_entry(values: dict):
    """An INSERT of one entry; with no tenant, into the platform's log (none yet: no row at all)."""
    from sqlalchemy import literal

    from core.models import Tenant, TenantKind

    table = AuditEntry.__table__
    if values["tenant_id"] is not None:
        return insert(table).values(**values)
    names = [k for k in values if k != "tenant_id"]
    columns = [literal(values[k], type_=table.c[k].type) for k in names]
    platform = select(*columns, Tenant.id).where(Tenant.kind == TenantKind.platform)
    return insert(table).from_select([*names, "tenant_id"], platform)


def platform_tenant_id() -> int:
    """The id of the platform tenant, whose log holds account-level actions (password changes)."""
    return platform_tenant().id


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEntry for m in state.all_mappers):
        raise PermissionError("the audit log is append-only")
