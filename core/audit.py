"""Recording to the audit log (审计日志). Call :func:`record` from services after each write.

The log is append-only through the app: changing or deleting a loaded entry fails at flush, and
ORM bulk ``update(AuditEntry)`` / ``delete(AuditEntry)`` statements are refused before they run.
"""
from __future__ import annotations

from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from core.db import db
from core.models.audit import AuditEntry
from core.models.tenant import platform_tenant


def _actor() -> tuple[int | None, str | None]:
    if not has_request_context():
        # a background job (core.jobs) acts for the user who started it
        user = g.get("acting_user") if has_app_context() else None
        return (user.id, user.username) if user is not None else (None, "cli")
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
) -> AuditEntry:
    """Append an audit entry in the current transaction (stamped with the current tenant).

    ``actor_user`` names who acted when nobody is signed in yet (the sign-in itself)."""
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
    db.session.add(entry)
    return entry


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
