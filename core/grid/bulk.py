"""Many grids at once (批量建网格): lines of names from the top down, e.g. pasted from a
spreadsheet (tab-separated columns 社区 / 网格 / 小区) or typed as ``湖阳社区/滨湖网格/滨湖花园``.
Grids that already exist (same name under the same parent) are reused; only the missing ones are
created, in bulk through :func:`core.grid.service.create_tree`. All or nothing."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import String, cast, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from core import audit
from core.db import db, utcnow
from core.errors import ApiError
from core.grid.models import Grid, GridStatus
from core.grid.service import (
    _check_active, _clean_name, _invalid, _next_seq, _numbering, code_segment, code_width, max_depth,
)
from core.models import Tenant
from core.tenancy import current_tenant_id
from flask_babel import gettext as _

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


def create_tree(tenant: Tenant, nodes: list[dict[str, Any]], parent: Grid | None = None) -> int:
    """Create nested ``[{"name": ..., "children": [...]}, ...]`` under ``parent``; returns how many.

    One INSERT and one path UPDATE per level (1,000 grids in well under a second), the same codes
    and checks as :func:`core.grid.service.create_grid`, one audit entry for the tree.
    """
    _check_active(parent, "parent_id")
    if tenant.id != current_tenant_id():
        raise RuntimeError("create_tree() runs inside tenant_context(tenant)")
    depth = max_depth(tenant)
    base = 1 if parent is None else parent.level + 1
    taken = set(db.session.scalars(select(Grid.name).where(
        Grid.status == GridStatus.active, Grid.parent_id.is_(None) if parent is None else Grid.parent_id == parent.id)))
    # level by level: (children specs, parent's new row index or None for ``parent``, parent code)
    first_seq = _next_seq(parent, base, "parent_id") - 1
    frontier = [(nodes, None, parent.code if parent is not None else (tenant.region_code or ""), first_seq, taken)]
    level, total, parent_ids = base, 0, []
    while frontier:
        rows, specs = [], []
        for children, parent_index, prefix, seq, names in frontier:
            if children and level > depth:
                raise _invalid("grids", _("网格层级超过 %(depth)s 级", depth=depth))
            for node in children:
                name = _clean_name(node.get("name"))
                if name in names:
                    raise _invalid("grids", _("同一上级下有两个「%(name)s」", name=name), 409, "conflict")
                names.add(name)
                seq += 1
                if seq >= 10 ** code_width(level):
                    raise _invalid("grids", _("同一上级下最多 %(most)s 个网格", most=10 ** code_width(level) - 1))
                pid = parent.id if parent_index is None and parent is not None else (
                    None if parent_index is None else parent_ids[parent_index])
                rows.append({"tenant_id": tenant.id, "name": name, "parent_id": pid, "level": level, "seq": seq,
                             "code": prefix + code_segment(level, seq), "path": "", "status": GridStatus.active,
                             "created_at": utcnow()})
                specs.append(node.get("children") or [])
        if not rows:
            break
        with _numbering("grids"):
            ids = list(db.session.scalars(insert(Grid).returning(Grid.id, sort_by_parameter_order=True), rows))
            above = aliased(Grid)
            parent_path = select(above.path).where(above.id == Grid.parent_id).scalar_subquery()
            own = cast(Grid.id, String) + literal("/", String)
            db.session.execute(update(Grid).where(Grid.id.in_(ids)).values(
                path=(func.coalesce(parent_path, literal("/", String)) + own)).execution_options(synchronize_session=False))
        frontier = [(children, i, rows[i]["code"], 0, set()) for i, children in enumerate(specs)]
        parent_ids, level, total = ids, level + 1, total + len(rows)
    if total:
        audit.record("grid.create_tree", object_type="core_grid", object_id=parent.id if parent else None,
                     after={"parent_id": parent.id if parent else None, "grids": total,
                            "names": [n.get("name") for n in nodes][:50]})
    return total


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
            problems.append(_("第 %(number)s 行有空的网格名称", number=number))
        elif any(len(n) > 100 for n in names):
            problems.append(_("第 %(number)s 行的网格名称超过 100 个字符", number=number))
        elif len(names) > depth:
            problems.append(_("第 %(number)s 行有 %(levels)s 级，这里最多 %(depth)s 级", number=number, levels=len(names), depth=depth))
        else:
            paths.append(names)
    if len(paths) > MAX_LINES:
        problems.append(_("一次最多 %(MAX_LINES)s 行", MAX_LINES=MAX_LINES))
    if problems or not paths:
        raise ApiError(422, "validation_error", _("网格清单有误"),
                       {"lines": problems or [_("请至少填写一行")]})
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
