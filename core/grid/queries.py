"""Grid reads for the API and pages (网格查询): one grid within the user's reach, the tree, the
ancestors, and per-grid resident counts when the people register provides them."""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from flask import g
from sqlalchemy import func, or_, select

from core.db import db
from core.errors import ApiError
from core.grid.models import Grid, GridStatus, PartyOrg
from core.grid.scope import grid_in_reach
from core.grid.service import level_name
from core.models import Tenant
from flask_babel import gettext as _


def reach(permission: str = "grids.read") -> set[int] | None:
    """Grid ids whose subtrees the current user reaches (None: the whole township)."""
    access = g.get("access")
    return access.grids_for(permission) if access is not None else set()


def load_grid(grid_id: int | None, permission: str = "grids.read", field: str | None = None) -> Grid:
    """The grid ``grid_id`` if it exists in this township and within the user's reach.

    Not found or out of reach: 404 for the grid in the URL; 422 naming ``field`` for one in the body.
    """
    grid = db.session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or not grid_in_reach(grid, permission):
        if field:
            raise ApiError(422, "validation_error", _("网格不存在"), {field: [_("网格不存在")]})
        raise ApiError(404)
    return grid


def ancestors(grid: Grid) -> list[Grid]:
    ids = [int(x) for x in grid.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(select(Grid).where(Grid.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def counts_for(tenant: Tenant, grid: Grid) -> dict[str, Any] | None:
    """Residents, households, party members... over ``grid``'s subtree, or None when the people
    register is not there to count them."""
    try:
        from core.people.stats import subtree_stats
    except ImportError:
        return None
    stats = subtree_stats(tenant, grid)
    if stats is None:
        return None
    if is_dataclass(stats):
        return asdict(stats)
    if hasattr(stats, "_asdict"):
        return stats._asdict()
    return dict(stats)


def counts_for_many(tenant: Tenant, grids: list[Grid | int]) -> dict[int, dict[str, Any]]:
    """:func:`counts_for` of many grids (or grid ids) in one pass ({} when the people register is
    not there)."""
    try:
        from core.people.stats import subtree_stats_many
    except ImportError:
        return {}
    return subtree_stats_many(tenant, [grid if isinstance(grid, int) else grid.id for grid in grids])


def children_of(grid: Grid | None) -> list[Grid]:
    stmt = select(Grid).where(Grid.status == GridStatus.active,
                              Grid.parent_id.is_(None) if grid is None else Grid.parent_id == grid.id)
    return list(db.session.scalars(stmt.order_by(Grid.seq)))


def top_grids(roots: set[int] | None) -> list[Grid]:
    """The first grids a user sees: the township's first level, or the grids they are posted to
    (without those lying under another of their grids)."""
    if roots is None:
        return children_of(None)
    grids = list(db.session.scalars(select(Grid).where(Grid.id.in_(list(roots)), Grid.status == GridStatus.active)
                                    .order_by(Grid.path)))
    return [x for x in grids if not any(x is not y and x.path.startswith(y.path) for y in grids)]


def tree(tenant: Tenant, roots: set[int] | None, with_counts: bool = True, depth: int | None = None) -> list[dict[str, Any]]:
    """The active grid tree under the user's reach, nested, with child counts, each grid's party
    organisation and every grid's resident counts (over its subtree). A handful of queries.
    ``depth``: how many levels to return from the top grids (``child_count`` stays exact); only
    those levels (and the one below, to count children) are read, and only they are counted."""
    tops = top_grids(roots)
    if not tops:
        return []
    conds = [Grid.path.startswith(t.path, autoescape=True) for t in tops]
    # the columns the tree shows, not whole Grid objects (a township has 1,000 grids)
    stmt = select(Grid.id, Grid.name, Grid.code, Grid.level, Grid.parent_id, Grid.status).where(
        Grid.status == GridStatus.active, or_(*conds))
    if depth is not None:
        stmt = stmt.where(Grid.level <= max(t.level for t in tops) + depth)
    rows = db.session.execute(stmt.order_by(Grid.level, Grid.seq)).all()
    orgs = {o.grid_id: o for o in db.session.scalars(select(PartyOrg).where(PartyOrg.grid_id.isnot(None)))}
    nodes: dict[int, dict[str, Any]] = {}
    top_ids = {t.id for t in tops}
    out: list[dict[str, Any]] = []
    for row in rows:
        node = grid_brief(tenant, row, orgs.get(row.id))
        node["children"] = []
        nodes[row.id] = node
        if row.id in top_ids:
            out.append(node)
        elif row.parent_id in nodes:
            nodes[row.parent_id]["children"].append(node)
    for node in nodes.values():
        node["child_count"] = len(node["children"])
    if depth is not None:
        _prune(out, depth)
    if with_counts:
        shown = _flatten(out)
        numbers = counts_for_many(tenant, [node["id"] for node in shown])
        for node in shown:
            node["counts"] = numbers.get(node["id"])
    return out


def _flatten(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, stack = [], list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node["children"]))
    return out


def _prune(nodes: list[dict[str, Any]], depth: int) -> None:
    for node in nodes:
        if depth <= 1:
            node["children"] = []
        else:
            _prune(node["children"], depth - 1)


def grid_brief(tenant: Tenant, grid: Grid, org: PartyOrg | None = None) -> dict[str, Any]:
    return {"id": grid.id, "name": grid.name, "code": grid.code, "level": grid.level,
            "level_name": level_name(tenant, grid.level), "parent_id": grid.parent_id,
            "status": grid.status.value,
            "party_org": None if org is None else {"id": org.id, "kind": org.kind.value,
                                                   "kind_label": org.kind_label, "name": org.name}}


def move_targets(grid: Grid, roots: set[int] | None) -> list[Grid]:
    """Active grids within ``roots`` that ``grid`` could move under or merge into (not its own
    subtree), in tree order."""
    from core.grid.scope import subtree_condition

    stmt = select(Grid).where(Grid.status == GridStatus.active, subtree_condition(Grid.id, roots)).order_by(Grid.code)
    return [x for x in db.session.scalars(stmt) if not x.path.startswith(grid.path)]


def child_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(select(Grid.parent_id, func.count()).where(Grid.parent_id.in_(ids),
                              Grid.status == GridStatus.active).group_by(Grid.parent_id)).all()
    return {pid: n for pid, n in rows}
