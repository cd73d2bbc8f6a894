"""Grid statistics (网格统计): households, residents, party members and special groups over a grid's
subtree, and the same per first-level grid.

Both add up the per-grid numbers that :mod:`core.people.counts` keeps exact (``core_grid_count``),
selected through the grid's materialized path: no count over the residents, no per-grid loop and
no recursion. ``residents`` and ``party_members`` count people living here (在住);
``party_away`` counts the members among them who are away (在外/流动党员); tag counts are
residents living here.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.db import db
from core.grid.models import Grid, GridStatus
from core.grid.scope import subtree_condition
from core.people import counts
from core.people.models import GridCount, Tag
from core.tenancy import tenant_context


def _shape(numbers: dict[str, int], tag_names: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {key: int(numbers.get(key, 0)) for key in counts.KEYS}
    out["tags"] = {name: int(numbers.get(f"{counts.TAG_PREFIX}{tid}", 0)) for tid, name in tag_names.items()}
    return out


def _id(tenant) -> int:
    return tenant if isinstance(tenant, int) else tenant.id


def _tag_names() -> dict[int, str]:
    return dict(db.session.execute(select(Tag.id, Tag.name).order_by(Tag.id)).all())


def subtree_stats(tenant, grid: Grid | int | None = None) -> dict[str, Any]:
    """Counts over ``grid``'s subtree (``None``: the whole township)::

        {"households": 5192, "residents": 19104, "party_members": 610, "party_away": 180,
         "tags": {"独居老人": 41, "残疾人": 97, ...}}

    Every tag of the township appears in ``tags``, with 0 when nobody carries it.
    """
    grid_id = grid.id if isinstance(grid, Grid) else grid
    with tenant_context(tenant):
        counts.refresh(db.session(), _id(tenant))
        roots = None if grid_id is None else [grid_id]
        numbers = dict(db.session.execute(
            select(GridCount.key, func.sum(GridCount.n)).where(subtree_condition(GridCount.grid_id, roots))
            .group_by(GridCount.key)).all())
        return _shape(numbers, _tag_names())


def subtree_stats_many(tenant, grid_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """:func:`subtree_stats` for many grids at once (the grid tree shows every grid's numbers):
    one read of the per-grid counts, each added to the wanted grids on its path."""
    wanted = set(grid_ids)
    with tenant_context(tenant):
        counts.refresh(db.session(), _id(tenant))
        if not wanted:
            return {}
        if len(wanted) > SUM_IN_SQL_UP_TO:
            return _many_in_python(wanted)
        # summed in SQL: each wanted grid joined to the grids under it by path prefix (the tree
        # page asks for the 40 grids it shows; reading a township's 6,000 count rows into
        # Python to add them up was most of that page's time)
        top, below = aliased(Grid), aliased(Grid)
        numbers: dict[int, dict[str, int]] = {gid: {} for gid in db.session.scalars(
            select(Grid.id).where(Grid.id.in_(sorted(wanted))))}
        for gid, key, n in db.session.execute(
                select(top.id, GridCount.key, func.sum(GridCount.n))
                .join(below, below.path.startswith(top.path))
                .join(GridCount, GridCount.grid_id == below.id)
                .where(top.id.in_(sorted(wanted)))
                .group_by(top.id, GridCount.key)):
            numbers[gid][key] = int(n)
        tag_names = _tag_names()
        return {gid: _shape(values, tag_names) for gid, values in numbers.items()}


SUM_IN_SQL_UP_TO = 200  # grids; for more (the whole tree) one pass over the count rows is cheaper


def _many_in_python(wanted: set[int]) -> dict[int, dict[str, Any]]:
    """The whole tree's numbers: one read of the per-grid counts, each added to the wanted grids
    on its path (a path-prefix join of 1,000 grids to 1,000 costs the server more)."""
    paths = dict(db.session.execute(select(Grid.id, Grid.path)).all())
    above = {gid: [int(a) for a in path.strip("/").split("/") if int(a) in wanted] for gid, path in paths.items()}
    numbers: dict[int, dict[str, int]] = {gid: defaultdict(int) for gid in wanted if gid in paths}
    for gid, key, n in db.session.execute(select(GridCount.grid_id, GridCount.key, GridCount.n)):
        for ancestor in above.get(gid, ()):
            numbers[ancestor][key] += n
    tag_names = _tag_names()
    return {gid: _shape(values, tag_names) for gid, values in numbers.items()}


def _first_segment(path):
    """SQL: the first grid id of a materialized path ``/12/34/`` (its first-level ancestor)."""
    from sqlalchemy import Integer, cast

    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.split_part(path, "/", 2), Integer)
    return cast(func.substr(path, 2, func.instr(func.substr(path, 2), "/") - 1), Integer)


def stats_by_first_level(tenant) -> list[dict[str, Any]]:
    """:func:`subtree_stats` for each first-level grid of the township, in tree order::

        [{"grid_id": 1, "name": "查冲村", "code": "34082210101", "households": ..., "residents": ...,
          "party_members": ..., "party_away": ..., "tags": {...}}, ...]

    One grouped query: each per-grid count row is summed under the first id of its grid's path
    (the dashboard's chart; no row of counts comes back to Python).
    """
    with tenant_context(tenant):
        counts.refresh(db.session(), _id(tenant))
        tops = db.session.execute(select(Grid.id, Grid.name, Grid.code).where(
            Grid.level == 1, Grid.status == GridStatus.active).order_by(Grid.seq)).all()
        top = _first_segment(Grid.path)
        numbers: dict[int, dict[str, int]] = defaultdict(dict)
        for gid, key, n in db.session.execute(
                select(top, GridCount.key, func.sum(GridCount.n)).join(Grid, Grid.id == GridCount.grid_id)
                .group_by(top, GridCount.key)):
            numbers[gid][key] = int(n)
        tag_names = _tag_names()
        return [{"grid_id": g.id, "name": g.name, "code": g.code, **_shape(numbers.get(g.id, {}), tag_names)}
                for g in tops]
