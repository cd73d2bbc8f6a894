"""Bulk writes for imports, demo data and benchmarks (批量写入).

Rows go in with ORM bulk ``INSERT ... RETURNING`` in chunks, which SQLAlchemy batches into
multi-row statements on SQLite and PostgreSQL. Bulk inserts skip the session's flush hooks, so
every row is stamped here with the tenant in context (the composite foreign keys still make the
database refuse a row pointing into another tenant).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from sqlalchemy import insert, select, update

from core.db import db, utcnow
from core.errors import ApiError
from core.people.identity import pinyin_keys
from core.people.models import Household, Person, PersonStatus, PersonTag

CHUNK = 2000
# send None as NULL, so rows with and without a value go in one multi-row statement
NULLS = {"render_nulls": True}


def _tenant_id() -> int:
    from core.tenancy import current_tenant_id

    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise ApiError(500, "no_tenant", "bulk writes need a tenant in context")
    return tenant_id


def _chunks(rows: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert_households(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> list[int]:
    """Insert households (dicts of Household columns); returns their ids in order.

    Within one call each household must differ in (grid_id, number, address): the ids are matched
    back on them, because ordered RETURNING costs SQLite one statement per row.
    """
    tenant_id, now = _tenant_id(), utcnow()
    ids: list[int] = []
    for chunk in _chunks(rows):
        values = [{"tenant_id": tenant_id, "created_at": now, "address": "", "number": None, **r} for r in chunk]
        stmt = insert(Household).returning(Household.id, Household.grid_id, Household.number, Household.address)
        found = {(g, n, a): i for i, g, n, a in db.session.execute(stmt, values, execution_options=NULLS)}
        ids.extend(found[(v["grid_id"], v["number"], v["address"])] for v in values)
        if progress:
            progress(len(chunk))
    return ids


def _person_values(row: dict[str, Any], tenant_id: int, now) -> dict[str, Any]:
    initials, full = pinyin_keys(row["name"])
    values = {"gender": "unknown", "status": PersonStatus.living, "is_party_member": False, "party_away": False,
              "birth_date": None, "id_number": None, "mobile": None, "household_id": None, "relation": None,
              "party_branch": None, "party_joined_on": None, **row}
    values.update(tenant_id=tenant_id, created_at=now, updated_at=now, name_initials=initials, name_pinyin=full)
    return values


def insert_people(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> list[int]:
    """Insert residents (dicts of Person columns; pinyin keys are computed); returns ids in order.

    Each row needs a distinct ``id_number``: ids are matched back on it (see :func:`insert_households`).
    """
    tenant_id, now = _tenant_id(), utcnow()
    ids: list[int] = []
    for chunk in _chunks(rows):
        values = [_person_values(r, tenant_id, now) for r in chunk]
        found = dict(db.session.execute(insert(Person).returning(Person.id_number, Person.id), values,
                                        execution_options=NULLS).all())
        ids.extend(found[v["id_number"]] for v in values)
        if progress:
            progress(len(chunk))
    return ids


def update_people(rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None) -> None:
    """Update residents by primary key (each dict carries ``id`` and the columns to set)."""
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
    for chunk in _chunks(new, 5000):
        db.session.execute(insert(PersonTag), [{"tenant_id": tenant_id, "person_id": p, "tag_id": t} for p, t in chunk])
    return len(new)
