"""Tenant scoping in one place (租户隔离).

Every tenant-owned model inherits :class:`TenantOwned`. Two listeners on SQLAlchemy's
``Session`` class enforce isolation for every session the app makes:

* ``do_orm_execute`` adds ``tenant_id = :current`` (``with_loader_criteria``) to every ORM
  SELECT, UPDATE and DELETE, joins, subqueries and relationship loads included. With no tenant
  in context, a statement that touches a tenant-owned model raises :class:`TenantScopeError`:
  the guard fails closed and never returns all rows.
  ORM bulk statements are checked before they run: ``insert(M)`` with a list of rows and
  ``insert(M).values(...)`` (one row or many) must carry the current tenant's ``tenant_id``;
  ``update(M).values(tenant_id=...)`` may not move rows to another tenant; ORM bulk UPDATE by
  primary key (``execute(update(M), [{"id": ...}, ...])``) is refused when any of the ids is not
  a row of the current tenant; ``insert(M).from_select(...)`` is refused outside
  :func:`cross_tenant` (its rows cannot be checked before they are written).
* ``before_flush`` stamps ``tenant_id`` on new rows, refuses rows or related objects of
  another tenant, refuses changing ``tenant_id``, and refuses changed or deleted tenant-owned
  objects flushed with no tenant in context (so modify rows inside the context you loaded them in,
  and commit there, or enter :func:`cross_tenant`).

Known gaps, by design: raw ``text()`` SQL and Core ``Table`` statements are not filtered by this
guard (do not use them on tenant tables); on PostgreSQL the second layer, row-level security
(:mod:`core.rls`), still keeps them inside the township of the context. ``session.get()`` may
return an object already in the identity map, so never switch tenants inside one session.

Cross-tenant work (county aggregates, platform admin, CLI maintenance) enters
:func:`cross_tenant`, which is explicit and audited: a line on the ``gridgov.audit`` logger and a
``tenant.cross`` row in the audit log, written in its own short transaction so that reads that
never commit are audited too (see :func:`core.audit.record_cross_tenant` on SQLite's locks).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import ForeignKey, Table, UniqueConstraint, event, func, inspect, select, tuple_
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ClauseElement
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

audit_log = logging.getLogger("gridgov.audit")


class TenantScopeError(RuntimeError):
    """A tenant-owned row was touched outside its tenant's context."""


@dataclass(frozen=True)
class TenantScope:
    tenant_id: int | None
    cross: bool = False
    reason: str = ""


_scope: ContextVar[TenantScope | None] = ContextVar("gridgov_tenant_scope", default=None)


def current_tenant_id() -> int | None:
    scope = _scope.get()
    return scope.tenant_id if scope else None


def in_cross_tenant() -> bool:
    scope = _scope.get()
    return bool(scope and scope.cross)


def set_tenant(tenant_id: int | None):
    """Enter a tenant's scope; returns the token for :func:`reset_tenant` (request plumbing)."""
    return _scope.set(TenantScope(tenant_id))


def reset_tenant(token) -> None:
    _scope.reset(token)


@contextmanager
def tenant_context(tenant) -> Iterator[None]:
    """Run the block as ``tenant`` (a Tenant or its id). The session's pending changes are flushed
    on the way in and, when the block ends normally, on the way out, each in the context it was
    made in (:func:`_flush_pending`)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    _flush_pending()  # what the outer context wrote is flushed as the outer context
    token = _scope.set(TenantScope(tenant_id))
    try:
        yield
        _flush_pending()
    finally:
        _scope.reset(token)


def _flush_pending() -> None:
    """Flush the request's session, when it holds unflushed changes, before the tenant in context
    changes: a row is written as the tenant it was made in. An audit entry recorded in one
    township and left to the next autoflush would otherwise be inserted inside the next
    township's context, which PostgreSQL's row-level security refuses (and should)."""
    from flask import has_app_context

    if not has_app_context():
        return
    from core.db import db

    if not db.session.registry.has():
        return
    session = db.session()
    # not after a failed flush (the caller rolls back) nor while a flush is under way
    if session.is_active and not getattr(session, "_flushing", False) \
            and (session.new or session.deleted or session.dirty):
        session.flush()


@contextmanager
def cross_tenant(reason: str) -> Iterator[None]:
    """Lift tenant filtering for the block. Explicit and logged; keep the block small."""
    if not reason:
        raise ValueError("cross_tenant() needs a reason")
    audit_log.info("cross-tenant context entered: %s", reason)
    from core.audit import record_cross_tenant  # core.audit imports the models, which import us

    record_cross_tenant(reason)
    token = _scope.set(TenantScope(None, cross=True, reason=reason))
    try:
        yield
    finally:
        _scope.reset(token)


class TenantOwned:
    """Mixin for rows that belong to exactly one township (or county) tenant.

    Adds ``tenant_id`` (indexed, not null) and a unique ``(tenant_id, id)`` so that other
    tenant-owned tables can point at this one with a composite foreign key that keeps both
    rows in one tenant (see :func:`tenant_fk`), as Citus requires when distributing by
    ``tenant_id``. Never load ``tenant_id`` from user input: it is stamped at flush.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("core_tenant.id", ondelete="RESTRICT"), index=True, nullable=False)


def tenant_fk(column: str, target_table: str, ondelete: str | None = None):
    """A composite foreign key ``(tenant_id, column) -> target(tenant_id, id)``.

    Put it in ``__table_args__`` of a tenant-owned model; the database then refuses a row that
    points into another tenant. Declare the relationship with
    ``foreign_keys=[column]`` and a ``primaryjoin`` on the id alone (see core models).
    """
    from sqlalchemy import ForeignKeyConstraint

    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{target_table}.tenant_id", f"{target_table}.id"], ondelete=ondelete
    )


@event.listens_for(TenantOwned, "instrument_class", propagate=True)
def _add_tenant_unique(mapper, cls) -> None:
    table = getattr(cls, "__table__", None)
    if table is None or "id" not in table.c:
        return
    names = {tuple(c.name for c in con.columns) for con in table.constraints if isinstance(con, UniqueConstraint)}
    if ("tenant_id", "id") not in names:
        table.append_constraint(UniqueConstraint("tenant_id", "id"))


def _is_tenant_owned(mapper) -> bool:
    return issubclass(mapper.class_, TenantOwned)


def _touches_tenant_owned(state: ORMExecuteState) -> bool:
    if any(_is_tenant_owned(m) for m in state.all_mappers):
        return True
    # select_from(), joins and subqueries name tables that all_mappers does not list
    owned = _tenant_tables()
    return any(isinstance(el, Table) and el.name in owned for el in visitors.iterate(state.statement))


_owned_tables: set[str] = set()


def _tenant_tables() -> set[str]:
    if not _owned_tables:
        from core.db import db

        for mapper in db.Model.registry.mappers:
            if _is_tenant_owned(mapper):
                _owned_tables.update(t.name for t in mapper.tables)
    return _owned_tables


def _column_key(column) -> str:
    return getattr(column, "key", None) or str(column)


def _plain(value):
    """The Python value of a ``.values()`` entry; :data:`_UNKNOWN` for a SQL expression."""
    if isinstance(value, BindParameter):
        return value.effective_value
    if isinstance(value, ClauseElement):
        return _UNKNOWN
    return value


_UNKNOWN = object()


def _statement_rows(state: ORMExecuteState) -> list[dict]:
    """The rows an ORM INSERT/UPDATE would write: ``.values(...)`` (one or many) and/or the
    execute-many parameter list, as ``{attribute key: value}``."""
    stmt = state.statement
    rows: list[dict] = []
    multi = getattr(stmt, "_multi_values", ()) or ()
    for group in multi:
        rows.extend({_column_key(k): _plain(v) for k, v in row.items()} for row in group)
    single = getattr(stmt, "_values", None)
    base = {_column_key(k): _plain(v) for k, v in single.items()} if single else {}
    params = state.parameters
    listed = params if isinstance(params, (list, tuple)) else [params] if params else []
    if listed:
        rows.extend({**base, **row} for row in listed)
    elif base or not rows:
        rows.append(base)
    return rows


def _check_bulk_insert(state: ORMExecuteState) -> None:
    """ORM bulk INSERTs skip the flush check: every row must carry the current tenant's id."""
    mapper = state.bind_mapper
    if mapper is None or not _is_tenant_owned(mapper):
        return
    scope = _scope.get()
    if scope is not None and scope.cross:
        return
    name = mapper.class_.__name__
    tenant_id = scope.tenant_id if scope else None
    if tenant_id is None:
        raise TenantScopeError(f"{name} inserted with no tenant in context")
    if getattr(state.statement, "_select_names", None):
        raise TenantScopeError(f"{name} inserted from a SELECT: its rows cannot be checked; use cross_tenant(reason)")
    if any(row.get("tenant_id") != tenant_id for row in _statement_rows(state)):
        raise TenantScopeError(f"{name} rows inserted without this tenant's id")


def _check_bulk_update(state: ORMExecuteState, tenant_id: int) -> None:
    """``update(M).values(tenant_id=...)`` and ORM bulk UPDATE by primary key, which the loader
    criteria do not narrow to the tenant's rows: refuse any row of another tenant."""
    mapper = state.bind_mapper
    if mapper is None or not _is_tenant_owned(mapper):
        return
    name = mapper.class_.__name__
    rows = _statement_rows(state)
    if any("tenant_id" in row and row["tenant_id"] != tenant_id for row in rows):
        raise TenantScopeError(f"{name} rows cannot be moved to another tenant")
    if not isinstance(state.parameters, (list, tuple)) or not state.parameters:
        return
    keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    wanted = {tuple(row.get(k) for k in keys) for row in rows}
    attrs = [getattr(mapper.class_, k) for k in keys]
    column = attrs[0] if len(attrs) == 1 else tuple_(*attrs)
    found = 0
    ids = sorted(wanted, key=repr)
    for start in range(0, len(ids), 500):
        chunk = [i[0] if len(attrs) == 1 else i for i in ids[start:start + 500]]
        found += state.session.execute(
            select(func.count()).select_from(mapper.class_)
            .where(mapper.class_.tenant_id == tenant_id, column.in_(chunk))
        ).scalar_one()
    if found != len(wanted):
        raise TenantScopeError(f"{name} rows of another tenant (or missing rows) updated by primary key")


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_statement(state: ORMExecuteState) -> None:
    if state.is_insert:
        _check_bulk_insert(state)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope = _scope.get()
    if scope is not None and scope.cross:
        return
    tenant_id = scope.tenant_id if scope else None
    if tenant_id is None:
        if _touches_tenant_owned(state):
            raise TenantScopeError(
                "tenant-owned rows queried with no tenant in context; "
                "use tenant_context(tenant) or cross_tenant(reason)"
            )
        return
    if state.is_update:
        _check_bulk_update(state, tenant_id)
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "transient_to_pending")
def _stamp_on_add(session: Session, obj) -> None:
    # Stamp when the row is added, so that a row added inside tenant_context() keeps its tenant
    # even if the flush happens after the block has ended.
    if not isinstance(obj, TenantOwned):
        return
    scope = _scope.get()
    if scope is not None and scope.cross:
        obj._gridgov_scope = "cross"
    elif scope is not None and scope.tenant_id is not None:
        if obj.tenant_id is None:
            obj.tenant_id = scope.tenant_id
        obj._gridgov_scope = scope.tenant_id
    else:
        obj._gridgov_scope = None


def _effective_scope(obj) -> tuple[bool, int | None]:
    """(cross, tenant id) under which ``obj`` may be written: the scope now, else at add time."""
    scope = _scope.get()
    if scope is not None and scope.cross:
        return True, None
    if scope is not None and scope.tenant_id is not None:
        return False, scope.tenant_id
    added = getattr(obj, "_gridgov_scope", None)
    if added == "cross":
        return True, None
    return False, added


@event.listens_for(Session, "before_flush")
def _stamp_and_verify(session: Session, flush_context, instances) -> None:
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        cross, tenant_id = _effective_scope(obj)
        if cross or (obj.tenant_id is not None and getattr(obj, "__cross_tenant_insert__", False)):
            if obj.tenant_id is None:
                raise TenantScopeError(f"{type(obj).__name__} created across tenants without a tenant_id")
            continue
        if tenant_id is None:
            raise TenantScopeError(f"{type(obj).__name__} created with no tenant in context")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")
    scope = _scope.get()
    cross = bool(scope and scope.cross)
    tenant_id = scope.tenant_id if scope else None
    for obj in session.dirty:
        if not isinstance(obj, TenantOwned) or not session.is_modified(obj):
            continue
        hist = inspect(obj).attrs.tenant_id.history
        if hist.deleted and hist.deleted[0] is not None:
            raise TenantScopeError(f"tenant_id of {type(obj).__name__} cannot change")
        if cross:
            continue
        if tenant_id is None:
            raise TenantScopeError(f"{type(obj).__name__} changed with no tenant in context")
        if obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} of another tenant cannot be changed here")
    for obj in session.deleted:
        if not isinstance(obj, TenantOwned) or cross:
            continue
        if tenant_id is None:
            raise TenantScopeError(f"{type(obj).__name__} deleted with no tenant in context")
        if obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} of another tenant cannot be deleted here")
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, TenantOwned):
            _verify_related(obj)


def _verify_related(obj: TenantOwned) -> None:
    state = inspect(obj)
    for rel in state.mapper.relationships:
        if rel.key not in state.dict:
            continue
        value = state.dict[rel.key]
        items = value if isinstance(value, (list, set, tuple)) else [value]
        for item in items:
            if isinstance(item, TenantOwned) and item.tenant_id is not None and item.tenant_id != obj.tenant_id:
                raise TenantScopeError(
                    f"{type(obj).__name__}.{rel.key} points at a row of another tenant"
                )


def read_county_templates(township, kind: str | None = None, versions: tuple[int, ...] = ()) -> list[dict]:
    """The one path by which a township reads rows of another tenant: its own county's templates
    (县级模板), read-only, returned as plain dicts (no ORM objects of the county escape).

    Reads the published templates of ``township.parent_id`` only (of ``kind``, or every kind):
    ``{"id", "kind", "title", "version", "data", "locked_fields", "published_at", "published_by",
    "versions": {n: {"data", "locked_fields"}}}`` with the extra published ``versions`` asked for
    (e.g. the one the township adopted, for the diff). Pending writes are flushed first, so
    nothing of the township is ever stamped with the county's id; each read is logged to the
    ``gridgov.audit`` logger. Raises :class:`TenantScopeError` for a tenant that is not a
    township of a county.
    """
    from sqlalchemy import select

    from core.county_templates.models import CountyTemplate, TemplateVersion
    from core.db import db

    county_id = getattr(township, "parent_id", None)
    if getattr(getattr(township, "kind", None), "value", None) != "township" or county_id is None:
        raise TenantScopeError("only a township reads its county's templates")
    db.session.flush()
    known = {id(obj) for obj in db.session.identity_map.values()}  # the caller's own, left alone
    audit_log.info("township %s reads county %s templates (%s)", township.id, county_id, kind or "all kinds")
    token = _scope.set(TenantScope(county_id, reason=f"county templates for township {township.id}"))
    try:
        stmt = select(CountyTemplate).where(CountyTemplate.version > 0).order_by(CountyTemplate.kind)
        if kind is not None:
            stmt = stmt.where(CountyTemplate.kind == kind)
        templates = list(db.session.scalars(stmt))
        wanted = {(t.id, t.version) for t in templates} | {(t.id, v) for t in templates for v in versions}
        rows = db.session.scalars(select(TemplateVersion).where(
            TemplateVersion.template_id.in_([t.id for t in templates]),
            TemplateVersion.version.in_({v for _, v in wanted}))) if templates else []
        by_key = {(r.template_id, r.version): r for r in rows if (r.template_id, r.version) in wanted}
        out = []
        for t in templates:
            current = by_key[(t.id, t.version)]
            out.append({
                "id": t.id, "kind": t.kind, "title": current.title, "version": t.version, "county_id": county_id,
                "data": current.data, "locked_fields": list(current.locked_fields or []),
                "published_at": current.published_at, "published_by": current.published_by,
                "versions": {v: {"data": by_key[(t.id, v)].data, "locked_fields": list(by_key[(t.id, v)].locked_fields or [])}
                             for v in versions if (t.id, v) in by_key},
            })
        for obj in [*templates, *by_key.values()]:
            if id(obj) not in known:
                db.session.expunge(obj)  # the county's rows read here do not stay in the township's session
        return out
    finally:
        _scope.reset(token)
