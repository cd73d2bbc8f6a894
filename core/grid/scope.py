"""Grid-subtree conditions (网格范围): "rows whose grid lies under these grids", index-backed.

Every list that a grid worker sees is limited to the subtrees of the grids they hold a role on.
Use :func:`visible` in queries::

    stmt = select(Person).where(visible(Person.grid_id, "people.read"))
"""
from __future__ import annotations

from typing import Iterable

from flask import g
from sqlalchemy import ColumnElement, false, or_, select, true

from core.db import db
from core.grid.models import Grid


def subtree_condition(grid_column, roots: Iterable[int] | None) -> ColumnElement[bool]:
    """SQL condition: ``grid_column`` names a grid inside the subtree of any of ``roots``.

    ``roots=None`` means no limit (the whole tenant); an empty collection matches nothing.
    Uses the materialized ``path`` on the ``(tenant_id, path)`` index.
    """
    if roots is None:
        return true()
    roots = list(roots)
    if not roots:
        return false()
    paths = db.session.scalars(select(Grid.path).where(Grid.id.in_(roots))).all()
    if not paths:
        return false()
    under = select(Grid.id).where(or_(*[Grid.path.startswith(p, autoescape=True) for p in paths]))
    return grid_column.in_(under)


def visible(grid_column, permission: str) -> ColumnElement[bool]:
    """The subtree condition for the current user's reach with ``permission`` in this request."""
    access = g.get("access")
    roots = access.grids_for(permission) if access is not None else set()
    return subtree_condition(grid_column, roots)


def grid_in_reach(grid: Grid, permission: str) -> bool:
    """Whether ``grid`` lies inside the current user's reach with ``permission``."""
    access = g.get("access")
    if access is None:
        return False
    roots = access.grids_for(permission)
    if roots is None:
        return True
    if not roots:
        return False
    paths = db.session.scalars(select(Grid.path).where(Grid.id.in_(list(roots)))).all()
    return any(grid.path.startswith(p) for p in paths)
