"""Bulk writes for imports, demo data and benchmarks (批量写入).

Rows go in with plain ORM bulk ``INSERT`` (psycopg sends them as one pipelined executemany,
SQLite as multi-row statements) and their ids are read back on a natural key: the ID number for
residents, ``(grid, number, address)`` for households. ``INSERT ... RETURNING`` with
``sort_by_parameter_order`` costs SQLite one statement per row, and psycopg re-parses a huge
statement per page, so it is avoided. Bulk inserts skip the session's flush hooks: every row is
stamped here with the tenant in context (the composite foreign keys still make the database
refuse a row pointing into another tenant).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from sqlalchemy import func, insert, select, text, update

from core.db import db, utcnow
from core.errors import ApiError
from core.people import counts
from core.people.identity import pinyin_keys
from core.people.models import Household, Person, PersonStatus, PersonTag

CHUNK = 2000
# send None as NULL, so that rows with and without a value share one statement; the writers below
# mark the grids they touch for the per-grid counts (core.people.counts) themselves
NULLS = {"render_nulls": True, **counts.MARKED}


def _tenant_id() -> int:
    from core.tenancy import current_tenant_id

    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise ApiError(500, "no_tenant", "bulk writes need a tenant in context")
    return tenant_id


def prepare_connection() -> None:
    """Give SQLite a bigger page cache for this connection before a bulk write: inserting 100,000
    residents touches a dozen indexes at random places, far beyond the 2 MB default cache."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size = -131072")  # 128 MB; a pragma, no rows read


def _refresh_statistics(table: str) -> None:
    """PostgreSQL only: ANALYZE a table during a big load. Until autovacuum gets to it, a table
    that was nearly empty has no statistics, and the planner reads the id look-ups above through
    the bare ``tenant_id`` index, scanning every row of the township per chunk (a 100,000-row
    load went from 30 s to 150 s). Maintenance only: it reads no rows for anyone."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {table}"))


def _chunks(rows: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert_households(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> list[int]:
    """Insert households (dicts of Household columns); returns their ids in order.

    Within one call each household must differ in (grid_id, number, address).
    """
    tenant_id, now = _tenant_id(), utcnow()
    ids: list[int] = []
    for chunk in _chunks(rows):
        values = [{"tenant_id": tenant_id, "created_at": now, "address": "", "number": None, "head_name": None,
                   "phone": None, "notes": None, **r} for r in chunk]
        floor = db.session.scalar(select(func.coalesce(func.max(Household.id), 0)))
        counts.mark(db.session(), {v["grid_id"] for v in values})
        db.session.execute(insert(Household), values, execution_options=NULLS)
        found = {(g, n, a): i for i, g, n, a in db.session.execute(
            select(Household.id, Household.grid_id, Household.number, Household.address).where(Household.id > floor))}
        ids.extend(found[(v["grid_id"], v["number"], v["address"])] for v in values)
        if len(ids) == len(chunk) and len(rows) > CHUNK:
            _refresh_statistics("core_household")
        if progress:
            progress(len(chunk))
    return ids


def _person_values(row: dict[str, Any], tenant_id: int, now) -> dict[str, Any]:
    initials, full = pinyin_keys(row["name"])
    values = {"gender": "unknown", "status": PersonStatus.living, "is_party_member": False, "party_away": False,
              "birth_date": None, "id_number": None, "mobile": None, "household_id": None, "relation": None,
              "party_branch": None, "party_org_id": None, "party_joined_on": None, "notes": None, **row}
    values.update(tenant_id=tenant_id, created_at=now, updated_at=now, name_initials=initials, name_pinyin=full)
    return values


def insert_people(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> list[int]:
    """Insert residents (dicts of Person columns; pinyin keys are computed); returns ids in order.

    Each row needs a distinct ``id_number``, on which the ids are read back.
    """
    tenant_id, now = _tenant_id(), utcnow()
    ids: list[int] = []
    for chunk in _chunks(rows):
        values = [_person_values(r, tenant_id, now) for r in chunk]
        counts.mark(db.session(), {v["grid_id"] for v in values})
        db.session.execute(insert(Person), values, execution_options=NULLS)
        numbers = [v["id_number"] for v in values]
        found = dict(db.session.execute(select(Person.id_number, Person.id).where(Person.id_number.in_(numbers))).all())
        ids.extend(found[n] for n in numbers)
        if len(ids) == len(chunk) and len(rows) > CHUNK:
            _refresh_statistics("core_person")
        if progress:
            progress(len(chunk))
    return ids


def update_people(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> None:
    """Update residents by primary key (each dict carries ``id`` and the columns to set).

    The grids the residents leave are not known here, so the township is recounted at commit."""
    now = utcnow()
    for chunk in _chunks(rows):
        values = []
        for r in chunk:
            v = dict(r, updated_at=now)
            if "name" in v:
                v["name_initials"], v["name_pinyin"] = pinyin_keys(v["name"])
            values.append(v)
        db.session.execute(update(Person), values)
        if progress:
            progress(len(chunk))


def add_tags(pairs: Iterable[tuple[int, int]]) -> int:
    """Give persons tags (``(person_id, tag_id)`` pairs); pairs that exist are skipped."""
    pairs = set(pairs)
    if not pairs:
        return 0
    person_ids = {p for p, _ in pairs}
    existing = set()
    ids = sorted(person_ids)
    for chunk in _chunks(ids, 5000):
        existing.update(db.session.execute(
            select(PersonTag.person_id, PersonTag.tag_id).where(PersonTag.person_id.in_(chunk))).all())
    new = sorted(pairs - existing)
    tenant_id = _tenant_id()
    counts.mark(db.session(), (), person_ids={p for p, _ in new})
    for chunk in _chunks(new, 5000):
        db.session.execute(insert(PersonTag), [{"tenant_id": tenant_id, "person_id": p, "tag_id": t} for p, t in chunk],
                           execution_options=counts.MARKED)
    return len(new)
