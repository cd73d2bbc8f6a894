"""Many grids at once (批量建网格): lines of names from the top down, e.g. pasted from a
spreadsheet (tab-separated columns 社区 / 网格 / 小区) or typed as ``湖阳社区/滨湖网格/滨湖花园``.
Grids that already exist (same name under the same parent) are reused; only the missing ones are
created, in bulk through :func:`core.grid.service.create_tree`. All or nothing."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from core.db import db
from core.errors import ApiError
from core.grid.models import Grid, GridStatus
from core.grid.service import create_tree, max_depth
from core.models import Tenant

SEPARATORS = re.compile(r"\t|/|／|>|＞")
MAX_LINES = 5000


def parse_lines(text: str) -> list[list[str]]:
    """Each non-empty line as its list of names (blank trailing cells of a spreadsheet row dropped)."""
    rows = []
    for line in (text or "").splitlines():
        names = [n.strip() for n in SEPARATORS.split(line)]
        while names and not names[-1]:
            names.pop()
        rows.append(names)
    return rows


def create_paths(tenant: Tenant, rows: list[list[str]], under: Grid | None = None) -> dict[str, int]:
    """Create the grids named by ``rows`` (each a path of names below ``under``); returns
    ``{"created": n, "existing": m}``. 422 naming ``lines`` with each bad line's number."""
    depth = max_depth(tenant) - (under.level if under else 0)
    problems = []
    paths = []
    for number, names in enumerate(rows, start=1):
        if not names:
            continue
        if any(not n for n in names):
            problems.append(f"第 {number} 行有空的网格名称 (line {number}: an empty name)")
        elif any(len(n) > 100 for n in names):
            problems.append(f"第 {number} 行的网格名称超过 100 个字符 (line {number}: name too long)")
        elif len(names) > depth:
            problems.append(f"第 {number} 行有 {len(names)} 级，这里最多 {depth} 级 (line {number}: too deep)")
        else:
            paths.append(names)
    if len(paths) > MAX_LINES:
        problems.append(f"一次最多 {MAX_LINES} 行 (at most {MAX_LINES} lines)")
    if problems or not paths:
        raise ApiError(422, "validation_error", "网格清单有误 (bad grid list)",
                       {"lines": problems or ["请至少填写一行 (at least one line)"]})
    stmt = select(Grid.id, Grid.parent_id, Grid.name).where(Grid.status == GridStatus.active)
    if under is not None:
        stmt = stmt.where(Grid.path.startswith(under.path, autoescape=True), Grid.id != under.id)
    existing = {(pid, name): gid for gid, pid, name in db.session.execute(stmt).all()}
    root_id = under.id if under else None
    pending: dict[int | None, list[dict[str, Any]]] = {}
    known = 0
    for names in paths:
        parent_id, nodes = root_id, None
        for name in names:
            if nodes is None and (parent_id, name) in existing:
                parent_id = existing[(parent_id, name)]
                continue
            siblings = pending.setdefault(parent_id, []) if nodes is None else nodes
            node = next((n for n in siblings if n["name"] == name), None)
            if node is None:
                node = {"name": name, "children": []}
                siblings.append(node)
            nodes = node["children"]
        known += nodes is None
    created = 0
    for parent_id, nodes in pending.items():
        parent = db.session.get(Grid, parent_id) if parent_id is not None else None
        created += create_tree(tenant, nodes, parent)
    return {"created": created, "existing": known}
