"""Grid statistics (网格统计): households, residents, party members and special groups over a grid's
subtree, and the same per first-level grid. A handful of aggregate queries, index-backed through
the grid's materialized path; no per-grid loop and no recursion.

``residents`` and ``party_members`` count people living here (在住); ``party_away`` counts the
members among them who are away (在外/流动党员); tag counts are residents living here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select, true

from core.db import db
from core.grid.models import Grid, GridStatus
from core.grid.scope import subtree_condition
from core.people.models import Household, Person, PersonStatus, PersonTag, Tag
from core.tenancy import tenant_context

LIVING = PersonStatus.living


def _person_numbers(condition) -> tuple[int, int, int]:
    party = Person.is_party_member == true()
    away = party & (Person.party_away == true())
    if db.session.get_bind().dialect.name == "postgresql":
        # one pass; PostgreSQL seldom has the visibility map an index-only count would need
        stmt = select(func.count(), func.count().filter(party), func.count().filter(away)) \
            .where(Person.status == LIVING, condition)
    else:
        # SQLite: three index range counts over (tenant, status, party, away) read no row at all
        def count(extra=None):
            where = [Person.status == LIVING, condition] + ([extra] if extra is not None else [])
            return select(func.count()).select_from(Person).where(*where).scalar_subquery()

        stmt = select(count(), count(party), count(away))
    row = db.session.execute(stmt).one()
    return int(row[0]), int(row[1]), int(row[2])


def subtree_stats(tenant, grid: Grid | int | None = None) -> dict[str, Any]:
    """Counts over ``grid``'s subtree (``None``: the whole township)::

        {"households": 5192, "residents": 19104, "party_members": 610, "party_away": 180,
         "tags": {"独居老人": 41, "残疾人": 97, ...}}

    Every tag of the township appears in ``tags``, with 0 when nobody carries it.
    """
    grid_id = grid.id if isinstance(grid, Grid) else grid
    with tenant_context(tenant):
        roots = None if grid_id is None else [grid_id]
        residents, party, away = _person_numbers(subtree_condition(Person.grid_id, roots))
        households = db.session.scalar(
            select(func.count()).select_from(Household).where(subtree_condition(Household.grid_id, roots)))
        counts = dict(db.session.execute(
            select(PersonTag.tag_id, func.count())
            .join(Person, Person.id == PersonTag.person_id)
            .where(Person.status == LIVING, subtree_condition(Person.grid_id, roots))
            .group_by(PersonTag.tag_id)).all())
        tags = {name: int(counts.get(tid, 0)) for tid, name in db.session.execute(select(Tag.id, Tag.name).order_by(Tag.id))}
    return {"households": int(households or 0), "residents": residents, "party_members": party,
            "party_away": away, "tags": tags}


def stats_by_first_level(tenant) -> list[dict[str, Any]]:
    """:func:`subtree_stats` for each first-level grid of the township, in tree order::

        [{"grid_id": 1, "name": "查冲村", "code": "34082210101", "households": ..., "residents": ...,
          "party_members": ..., "party_away": ..., "tags": {...}}, ...]

    Counts are grouped per grid in SQL, then folded to the first-level ancestor read from each
    grid's path.
    """
    with tenant_context(tenant):
        grids = db.session.execute(select(Grid.id, Grid.path, Grid.level, Grid.name, Grid.code, Grid.seq, Grid.status)).all()
        top_of = {g.id: int(g.path.strip("/").split("/")[0]) for g in grids if g.path.strip("/")}
        tag_names = dict(db.session.execute(select(Tag.id, Tag.name).order_by(Tag.id)).all())
        tops = sorted((g for g in grids if g.level == 1 and g.status == GridStatus.active), key=lambda g: g.seq)
        out = {g.id: {"grid_id": g.id, "name": g.name, "code": g.code, "households": 0, "residents": 0,
                      "party_members": 0, "party_away": 0, "tags": {n: 0 for n in tag_names.values()}} for g in tops}

        def add(grid_id, key, value, tag=None):
            row = out.get(top_of.get(grid_id))
            if row is None:
                return
            if tag is None:
                row[key] += int(value)
            else:
                row["tags"][tag] += int(value)

        for gid, n, party, away in db.session.execute(
            select(Person.grid_id, func.count(), func.sum(case((Person.is_party_member, 1), else_=0)),
                   func.sum(case((Person.is_party_member & Person.party_away, 1), else_=0)))
            .where(Person.status == LIVING).group_by(Person.grid_id)):
            add(gid, "residents", n)
            add(gid, "party_members", party or 0)
            add(gid, "party_away", away or 0)
        for gid, n in db.session.execute(select(Household.grid_id, func.count()).group_by(Household.grid_id)):
            add(gid, "households", n)
        for gid, tid, n in db.session.execute(
            select(Person.grid_id, PersonTag.tag_id, func.count()).join(Person, Person.id == PersonTag.person_id)
            .where(Person.status == LIVING).group_by(Person.grid_id, PersonTag.tag_id)):
            if tid in tag_names:
                add(gid, None, n, tag_names[tid])
    return list(out.values())
