"""Core grid's answers to hooks: the console menu entry for the grid tree."""
from __future__ import annotations

from core.plugins import hookimpl
from core.specs import NavItem


@hookimpl
def nav_items(tenant, user):
    return [NavItem("网格", "Grids", "grid.tree", permission="grids.read", order=20)]
