"""Grid writes (网格服务). Each function flushes and audits; callers commit."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core import audit
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid
from core.models import Tenant

MAX_DEPTH = 6


def code_segment(level: int, seq: int) -> str:
    return f"{seq:02d}" if level <= 2 else f"{seq:03d}"


def create_grid(tenant: Tenant, name: str, parent: Grid | None = None) -> Grid:
    """Add a grid under ``parent`` (a root grid when None). Runs in ``tenant``'s context."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApiError(422, "validation_error", "网格名称须为 1 到 100 个字符", {"name": ["网格名称须为 1 到 100 个字符 (1-100 characters)"]})
    level = 1 if parent is None else parent.level + 1
    depth = min(len(tenant.level_names), MAX_DEPTH)
    if level > depth:
        raise ApiError(422, "validation_error", f"网格层级不能超过 {depth} 级",
                       {"parent_id": [f"本乡镇网格最多 {depth} 级 (at most {depth} levels)"]})
    siblings = select(func.coalesce(func.max(Grid.seq), 0)).where(
        Grid.parent_id.is_(None) if parent is None else Grid.parent_id == parent.id
    )
    seq = (db.session.scalar(siblings) or 0) + 1
    prefix = parent.code if parent is not None else (tenant.region_code or "")
    grid = Grid(name=name, parent_id=parent.id if parent else None, level=level, seq=seq,
                code=prefix + code_segment(level, seq), path="")
    db.session.add(grid)
    db.session.flush()
    grid.path = (parent.path if parent is not None else "/") + f"{grid.id}/"
    db.session.flush()
    audit.record("grid.create", grid, after={"name": name, "parent_id": grid.parent_id, "code": grid.code})
    return grid


def create_tree(tenant: Tenant, nodes: list[dict[str, Any]], parent: Grid | None = None) -> int:
    """Create nested ``[{"name": ..., "children": [...]}, ...]``; returns how many grids."""
    count = 0
    for node in nodes:
        grid = create_grid(tenant, node["name"], parent)
        count += 1 + create_tree(tenant, node.get("children") or [], grid)
    return count
