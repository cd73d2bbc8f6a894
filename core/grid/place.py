"""A grid named out of its tree (网格全称): its path of names, ``查冲村 › 一组``, so that "一组"
is never ambiguous in a list of people or incidents, on a QR poster or a print sheet.

The township's grid names are read once per request (one query of ids and names, a few thousand
rows at most) and each path is joined from them; outside a request nothing is cached.
"""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import select

from core.db import db
from core.grid.models import Grid

SEPARATOR = " › "


def _names() -> dict[int, str]:
    cache = g.get("_grid_names") if has_app_context() else None
    if cache is None:
        cache = dict(db.session.execute(select(Grid.id, Grid.name)).all())
        if has_app_context():
            g._grid_names = cache
    return cache


def grid_place(grid) -> str:
    """``grid``'s names from the top of the township's tree down to it, joined by `` › ``.

    ``grid`` is a :class:`Grid` (or anything with ``name`` and ``path``); None gives ""."""
    if grid is None:
        return ""
    ids = [int(x) for x in (grid.path or "").strip("/").split("/") if x]
    if len(ids) <= 1:
        return grid.name
    names = _names()
    if any(i not in names for i in ids[:-1]):  # a grid added in this request: read again
        g.pop("_grid_names", None)
        names = _names()
    parts = [names.get(i, "") for i in ids[:-1]] + [grid.name]
    return SEPARATOR.join(p for p in parts if p)
