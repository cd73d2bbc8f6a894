"""Grid writes (网格服务): create, rename, move, merge, archive. Each flushes and audits; callers
commit (and roll back on error, so a refused change leaves nothing half-done).

Moving a grid moves its whole subtree with a handful of bulk ``UPDATE`` statements on the
materialized path (one for paths and levels, one per level below for the unified codes), never a
Python loop over the nodes. Codes (统一网格编码) follow the grid's place in the tree: the region
code, then each ancestor's sibling number; renaming keeps the code, moving recomputes it.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from flask import current_app
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.orm import aliased

from core import audit
from core.db import db, utcnow
from core.errors import ApiError
from core.grid.models import Grid, GridMerge, GridStatus
from core.models import Tenant
from core.models.tenant import DEFAULT_LEVEL_NAMES
from flask_babel import gettext as _

MAX_DEPTH = 6


def code_width(level: int) -> int:
    """Digits of a level's segment in the unified code: 2 for levels 1-2, 3 below."""
    return 2 if level <= 2 else 3


def code_segment(level: int, seq: int) -> str:
    return str(seq).zfill(code_width(level))


def max_depth(tenant: Tenant) -> int:
    return min(len(tenant.level_names), MAX_DEPTH)


def level_name(tenant: Tenant, level: int) -> str:
    names = tenant.level_names
    return names[level - 1] if 0 < level <= len(names) else f"{level}级网格"


def level_title(tenant: Tenant, level: int) -> str:
    """:func:`level_name` as pages show it: the names a township gave its levels as it wrote them
    (they are its data), the default names in the reader's language. The API keeps :func:`level_name`."""
    names = tenant.level_names
    if not 0 < level <= len(names):
        return gettext("%(level)s级网格", level=level)
    return gettext(names[level - 1]) if names[level - 1] in DEFAULT_LEVEL_NAMES else names[level - 1]


def _invalid(field: str, message: str, status: int = 422, code: str = "validation_error") -> ApiError:
    return ApiError(status, code, message, {field: [message]})


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", _("网格名称须为 1 到 100 个字符"))
    return name


def _check_sibling_name(name: str, parent_id: int | None, field: str, exclude: int | None = None) -> None:
    stmt = select(Grid.id).where(
        Grid.name == name, Grid.status == GridStatus.active,
        Grid.parent_id.is_(None) if parent_id is None else Grid.parent_id == parent_id,
    )
    if exclude is not None:
        stmt = stmt.where(Grid.id != exclude)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise _invalid(field, _("同一上级下已有名为「%(name)s」的网格", name=name), 409, "conflict")


def _next_seq(parent: Grid | None, level: int, field: str) -> int:
    stmt = select(func.coalesce(func.max(Grid.seq), 0)).where(
        Grid.parent_id.is_(None) if parent is None else Grid.parent_id == parent.id
    )
    seq = (db.session.scalar(stmt) or 0) + 1
    if seq >= 10 ** code_width(level):
        raise _invalid(field, _("该上级下的网格编号已用尽（最多 %(most)s 个）", most=10 ** code_width(level) - 1))
    return seq


@contextmanager
def _numbering(field: str) -> Iterator[None]:
    """Two editors numbering children of one parent at once: the second gets 409, not a 500."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise ApiError(409, "conflict", _("网格编码冲突：有人同时在调整这里的网格，请刷新后重试"),
                       {field: [_("网格编码冲突，请重试")]}) from None


def _check_active(grid: Grid | None, field: str) -> None:
    if grid is not None and grid.status != GridStatus.active:
        raise _invalid(field, _("网格「%(name)s」已撤销", name=grid.name))


def create_grid(tenant: Tenant, name: str, parent: Grid | None = None) -> Grid:
    """Add a grid under ``parent`` (a root grid when None). Runs in ``tenant``'s context."""
    name = _clean_name(name)
    _check_active(parent, "parent_id")
    level = 1 if parent is None else parent.level + 1
    depth = max_depth(tenant)
    if level > depth:
        raise _invalid("parent_id", _("本乡镇网格最多 %(depth)s 级", depth=depth))
    _check_sibling_name(name, parent.id if parent else None, "name")
    seq = _next_seq(parent, level, "parent_id")
    prefix = parent.code if parent is not None else (tenant.region_code or "")
    grid = Grid(name=name, parent_id=parent.id if parent else None, level=level, seq=seq,
                code=prefix + code_segment(level, seq), path="")
    with _numbering("parent_id"):
        db.session.add(grid)
        db.session.flush()
        grid.path = (parent.path if parent is not None else "/") + f"{grid.id}/"
        db.session.flush()
    audit.record("grid.create", grid, after={"name": name, "parent_id": grid.parent_id, "code": grid.code})
    return grid


def create_tree(tenant: Tenant, nodes: list[dict[str, Any]], parent: Grid | None = None) -> int:
    """Create nested ``[{"name": ..., "children": [...]}, ...]`` under ``parent``; returns how many.
    In bulk (onboarding townships of a thousand grids): see :func:`core.grid.bulk.create_tree`."""
    from core.grid.bulk import create_tree as create_in_bulk

    return create_in_bulk(tenant, nodes, parent)


def rename_grid(tenant: Tenant, grid: Grid, name: str) -> Grid:
    """Rename; the unified code stays as it is."""
    name = _clean_name(name)
    _check_active(grid, "name")
    if name == grid.name:
        return grid
    _check_sibling_name(name, grid.parent_id, "name", exclude=grid.id)
    before = grid.name
    grid.name = name
    db.session.flush()
    audit.record("grid.rename", grid, before={"name": before}, after={"name": name})
    return grid


def subtree_height(grid: Grid) -> int:
    """How many levels lie below ``grid`` (0 for a leaf)."""
    deepest = db.session.scalar(select(func.max(Grid.level)).where(Grid.path.startswith(grid.path, autoescape=True)))
    return (deepest or grid.level) - grid.level


def _expire_grids() -> None:
    # bulk UPDATEs bypass the identity map: reload grids on next access
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Grid):
            db.session.expire(obj)


def move_grid(tenant: Tenant, grid: Grid, parent: Grid | None, field: str = "parent_id", *,
              check_name: bool = True) -> Grid:
    """Put ``grid`` (and its whole subtree) under ``parent`` (None: make it a first-level grid).

    Refuses (422 naming ``field``) a move under the grid itself or one of its descendants, into an
    archived grid, or deeper than the township's levels.
    """
    _check_active(grid, "id")
    _check_active(parent, field)
    if parent is not None and parent.path.startswith(grid.path):
        raise _invalid(field, _("不能把网格移到它自身或它的下级网格之下"))
    if (parent.id if parent else None) == grid.parent_id:
        return grid
    new_level = 1 if parent is None else parent.level + 1
    height = subtree_height(grid)
    depth = max_depth(tenant)
    if new_level + height > depth:
        raise _invalid(field, _("移动后网格层级将超过 %(depth)s 级", depth=depth))
    if check_name:
        _check_sibling_name(grid.name, parent.id if parent else None, field)
    seq = _next_seq(parent, new_level, field)
    before = {"parent_id": grid.parent_id, "code": grid.code, "level": grid.level}
    old_path = grid.path
    new_path = (parent.path if parent is not None else "/") + f"{grid.id}/"
    new_code = (parent.code if parent is not None else (tenant.region_code or "")) + code_segment(new_level, seq)
    grid_id, delta = grid.id, new_level - grid.level
    db.session.flush()
    with _numbering(field):
        _rewrite_subtree(grid_id, parent, seq, new_code, old_path, new_path, new_level, delta, height)
    _expire_grids()
    audit.record("grid.move", object_type="core_grid", object_id=grid_id, before=before,
                 after={"parent_id": grid.parent_id, "code": grid.code, "level": grid.level})
    return grid


def _rewrite_subtree(grid_id: int, parent: Grid | None, seq: int, new_code: str, old_path: str, new_path: str,
                     new_level: int, delta: int, height: int) -> None:
    """The bulk UPDATEs of a move: paths and levels in one, the grid's own row, codes per level."""
    no_sync = {"synchronize_session": False}
    db.session.execute(
        update(Grid).where(Grid.path.startswith(old_path, autoescape=True))
        .values(path=literal(new_path, String) + func.substr(Grid.path, len(old_path) + 1), level=Grid.level + delta)
        .execution_options(**no_sync)
    )
    db.session.execute(
        update(Grid).where(Grid.id == grid_id)
        .values(parent_id=parent.id if parent else None, seq=seq, code=new_code).execution_options(**no_sync)
    )
    parent_row = aliased(Grid)
    for level in range(new_level + 1, new_level + height + 1):
        parent_code = select(parent_row.code).where(parent_row.id == Grid.parent_id).scalar_subquery()
        seq_text = cast(Grid.seq, String)
        segment = func.substr(literal("0" * code_width(level), String) + seq_text, func.length(seq_text) + 1)
        db.session.execute(
            update(Grid).where(Grid.path.startswith(new_path, autoescape=True), Grid.level == level)
            .values(code=parent_code + segment).execution_options(**no_sync)
        )


def grid_usage(tenant: Tenant, grid: Grid) -> dict[str, int]:
    """What still hangs on ``grid``: active child grids, its party organisation, and every
    installed module's answer to the ``grid_usage`` hook (residents, households, ...)."""
    from core.grid.models import PartyOrg

    usage: dict[str, int] = {}
    children = db.session.scalar(
        select(func.count()).select_from(Grid).where(Grid.parent_id == grid.id, Grid.status == GridStatus.active)
    )
    if children:
        usage["下级网格"] = children
    if db.session.scalar(select(PartyOrg.id).where(PartyOrg.grid_id == grid.id)) is not None:
        usage["党组织"] = 1
    for answer in current_app.extensions["gridgov.plugins"].all.grid_usage(tenant=tenant, grid=grid):
        for label, count in (answer or {}).items():
            if count:
                usage[label] = usage.get(label, 0) + int(count)
    return usage


def archive_grid(tenant: Tenant, grid: Grid) -> Grid:
    """Archive (撤销) an empty grid. 409 listing what is left while anything hangs on it; the
    duties on it end (and the access roles they granted with them)."""
    from core.grid.duties import end_duties

    if grid.status == GridStatus.archived:
        return grid
    usage = grid_usage(tenant, grid)
    if usage:
        left = "、".join(f"{label} {count}" for label, count in usage.items())
        raise ApiError(409, "grid_in_use", _("网格「%(name)s」内还有 %(left)s，请先迁出或合并", name=grid.name, left=left), {"usage": usage})
    end_duties(tenant, grid)
    grid.status = GridStatus.archived
    grid.archived_at = utcnow()
    db.session.flush()
    audit.record("grid.archive", grid, before={"status": "active"}, after={"status": "archived"})
    return grid


def merge_grids(tenant: Tenant, source: Grid, target: Grid) -> Grid:
    """Merge ``source`` into ``target`` (合并网格): source's child grids move under target, its
    duties, party organisation and every module's rows follow (``grids_merged`` hook to every
    installed module), then source is archived, remembering ``target`` so that its public token
    (printed QR codes) leads there. Returns ``target``."""
    from core.grid.duties import move_duties
    from core.grid.party import move_party_org

    _check_active(source, "id")
    _check_active(target, "target_id")
    if source.id == target.id:
        raise _invalid("target_id", _("不能把网格合并到它自身"))
    if target.path.startswith(source.path):
        raise _invalid("target_id", _("不能合并到自身的下级网格"))
    before = {"source": source.code, "target": target.code}
    children = db.session.scalars(
        select(Grid).where(Grid.parent_id == source.id, Grid.status == GridStatus.active).order_by(Grid.seq)
    ).all()
    for child in children:
        move_grid(tenant, child, target, field="target_id", check_name=False)
    move_duties(tenant, source, target)
    move_party_org(tenant, source, target)
    current_app.extensions["gridgov.plugins"].all.grids_merged(tenant=tenant, source=source, target=target)
    db.session.add(GridMerge(source_id=source.id, target_id=target.id))  # its printed QR codes lead to target
    archive_grid(tenant, source)
    audit.record("grid.merge", source, before=before, after={"into": target.id, "children": len(children)})
    return target
