"""Per-grid counts (网格计数) behind the grid statistics.

Counting 100,000 residents on every dashboard view costs PostgreSQL 80-110 ms. Instead each grid
keeps its own numbers in ``core_grid_count`` (households, residents, party members, members away,
one row per special-group tag; only non-zero values are stored), and statistics over a subtree add
up those rows through the grid's materialized path: a thousand grids, a few thousand rows.

The numbers are exact, not eventually right. A write marks the grids it touches; the marks are
recounted from the registers inside the writing transaction, just before it commits:

* the ORM unit of work (creating, editing, moving, deleting households, residents, tags) marks the
  old and new grids of every changed row, through ``after_flush``;
* an ORM bulk ``INSERT``/``UPDATE``/``DELETE`` on these tables marks the whole township, unless
  the caller marked the grids itself and says so with ``execution_options(grid_counts="marked")``
  (the bulk writer and the grid merge do);
* :func:`refresh` recounts what is marked; ``before_commit`` calls it, and so do the statistics,
  so that a transaction reads its own uncommitted writes.

Concurrent writers (PostgreSQL) recount one grid at a time under an advisory transaction lock per
grid, taken in id order after the writer's own changes, so the last recount of a grid always sees
every committed change to it. SQLite serialises writers anyway. A recount of a whole township
(after an import) takes the township's lock exclusively; single grids take it shared.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import and_, case, delete, event, func, insert, inspect, select, true
from sqlalchemy.orm import ORMExecuteState, Session

from core.tenancy import cross_tenant, current_tenant_id, in_cross_tenant, tenant_context

PENDING = "gridgov.grid_counts"
ALL = "all"
MARKED = {"grid_counts": "marked"}  # execution options of a bulk write whose grids are marked
KEYS = ("households", "residents", "party_members", "party_away")
TAG_PREFIX = "tag:"
# advisory lock classes (the two-integer form of pg_advisory_xact_lock): "grdc" and "grdt"
LOCK_GRID, LOCK_TENANT = 0x67726463, 0x67726474
# beyond this many marked grids, one grouped recount of the township is cheaper than IN lists
WHOLE_TOWNSHIP_AT = 200
WATCHED_PERSON_FIELDS = ("grid_id", "status", "is_party_member", "party_away")


def _pending(session: Session) -> dict:
    """``{tenant_id: ALL | {"grids": set, "persons": set}}``; tenant ``None``: every tenant."""
    return session.info.setdefault(PENDING, {})


def mark(session: Session, grid_ids: Iterable[int | None] | None = None, *, tenant_id: int | None = None,
         person_ids: Iterable[int] = ()) -> None:
    """Mark grids of a tenant (default: the one in context) for recounting before commit.

    ``grid_ids=None`` marks the whole township. ``person_ids`` marks the grids those residents
    live in (resolved at recount time).
    """
    if tenant_id is None:
        tenant_id = current_tenant_id()
        if tenant_id is None and not in_cross_tenant():
            return
    pending = _pending(session)
    if grid_ids is None:
        pending[tenant_id] = ALL
        return
    entry = pending.setdefault(tenant_id, {"grids": set(), "persons": set()})
    if entry is ALL:
        return
    entry["grids"].update(g for g in grid_ids if g is not None)
    entry["persons"].update(p for p in person_ids if p is not None)


def _models():
    from core.people.models import GridCount, Household, Person, PersonStatus, PersonTag

    return GridCount, Household, Person, PersonStatus, PersonTag


@event.listens_for(Session, "after_flush")
def _mark_flushed(session: Session, flush_context) -> None:
    _, Household, Person, _, PersonTag = _models()
    dirty = set(session.dirty)  # still the pre-flush state here
    for obj in list(session.new) + list(session.deleted) + list(dirty):
        if isinstance(obj, (Person, Household)):
            state = inspect(obj)
            fields = WATCHED_PERSON_FIELDS if isinstance(obj, Person) else ("grid_id",)
            if obj in dirty and not any(state.attrs[f].history.has_changes() for f in fields):
                continue
            grids = {obj.grid_id, *state.attrs.grid_id.history.deleted}
            mark(session, grids, tenant_id=obj.tenant_id)
        elif isinstance(obj, PersonTag) and obj not in dirty:
            mark(session, (), tenant_id=obj.tenant_id, person_ids=[obj.person_id])


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get("grid_counts") == "marked":
        return
    _, Household, Person, _, PersonTag = _models()
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in (Person, Household, PersonTag):
        mark(state.session, None, tenant_id=current_tenant_id())


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    if session.info.get(PENDING):
        refresh(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def refresh(session: Session, tenant_id: int | None = None) -> None:
    """Recount the marked grids (of ``tenant_id`` only, when given) in the session's transaction."""
    if not session.info.get(PENDING):
        return
    session.flush()
    pending = _pending(session)
    if None in pending:  # bulk writes across tenants: recount every township that has grids
        del pending[None]
        from core.grid.models import Grid

        with cross_tenant("recount grid statistics after a cross-tenant bulk write"):
            for tid in session.scalars(select(Grid.tenant_id).distinct()):
                pending[tid] = ALL
    for tid in [t for t in list(pending) if tenant_id is None or t == tenant_id]:
        entry = pending.pop(tid)
        with tenant_context(tid):
            _recount(session, tid, entry)


def _lock(session: Session, tenant_id: int, grid_ids: list[int] | None) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the writer already holds the database's write lock
    if grid_ids is None:
        session.execute(select(func.pg_advisory_xact_lock(LOCK_TENANT, tenant_id)))
        return
    session.execute(select(func.pg_advisory_xact_lock_shared(LOCK_TENANT, tenant_id)))
    for grid_id in grid_ids:
        session.execute(select(func.pg_advisory_xact_lock(LOCK_GRID, grid_id)))


def _recount(session: Session, tenant_id: int, entry) -> None:
    GridCount, Household, Person, PersonStatus, PersonTag = _models()
    grid_ids = None
    if entry is not ALL:
        grids = set(entry["grids"])
        persons = sorted(entry["persons"])
        for start in range(0, len(persons), 500):
            grids.update(session.scalars(select(Person.grid_id).where(Person.id.in_(persons[start:start + 500]))))
        if not grids:
            return
        grid_ids = sorted(grids) if len(grids) <= WHOLE_TOWNSHIP_AT else None
    _lock(session, tenant_id, grid_ids)

    def only(column):
        return true() if grid_ids is None else column.in_(grid_ids)

    living = Person.status == PersonStatus.living
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for gid, n, party, away in session.execute(
            select(Person.grid_id, func.count(), func.sum(case((Person.is_party_member, 1), else_=0)),
                   func.sum(case((and_(Person.is_party_member, Person.party_away), 1), else_=0)))
            .where(living, only(Person.grid_id)).group_by(Person.grid_id)):
        counts[gid, "residents"] += n
        counts[gid, "party_members"] += int(party or 0)
        counts[gid, "party_away"] += int(away or 0)
    for gid, n in session.execute(select(Household.grid_id, func.count()).where(only(Household.grid_id))
                                  .group_by(Household.grid_id)):
        counts[gid, "households"] += n
    for gid, tag_id, n in session.execute(
            select(Person.grid_id, PersonTag.tag_id, func.count()).join(Person, Person.id == PersonTag.person_id)
            .where(living, only(Person.grid_id)).group_by(Person.grid_id, PersonTag.tag_id)):
        counts[gid, f"{TAG_PREFIX}{tag_id}"] += n
    session.execute(delete(GridCount).where(only(GridCount.grid_id)), execution_options=MARKED)
    rows = [{"tenant_id": tenant_id, "grid_id": gid, "key": key, "n": n} for (gid, key), n in counts.items() if n]
    for start in range(0, len(rows), 5000):
        session.execute(insert(GridCount), rows[start:start + 5000], execution_options=MARKED)
