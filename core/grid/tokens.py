"""Stable public identity of grids (网格二维码标识): what a printed 随手拍 QR code or an external
system (Open311's default grid) names, resolved to the grid it means today.

Rules (see also :mod:`core.grid.models`):

* a token names its grid for ever: renames and moves change the name and the code, never the
  token, and tokens are random, so no later grid can take one over;
* a grid merged into another (合并) answers with the grid it was merged into, through any
  number of later merges; a grid archived without a merge answers nothing (the printed code is
  withdrawn with it);
* an old printed code is resolved through ``legacy_code`` only, the code grids had when tokens
  came in, never through today's ``code``: after a move, the next sibling gets the old code, and
  an old QR must not lead to that newcomer.

Runs in the tenant's context, like every grid query.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from core.db import db
from core.grid.models import Grid, GridMerge, GridStatus

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,24}$")
MAX_MERGES = 32  # a chain longer than any township's history means a loop


def _follow(grid: Grid | None) -> Grid | None:
    for _ in range(MAX_MERGES):
        if grid is None or grid.status == GridStatus.active:
            return grid
        target = db.session.scalar(select(GridMerge.target_id).where(GridMerge.source_id == grid.id))
        grid = db.session.get(Grid, target) if target is not None else None
    return None


def grid_by_public_token(token: str) -> Grid | None:
    """The active grid ``token`` leads to (its own grid, or where that grid was merged), or None."""
    if not token or not TOKEN.match(token):
        return None
    return _follow(db.session.scalar(select(Grid).where(Grid.public_token == token)))


def grid_by_legacy_code(code: str) -> Grid | None:
    """The active grid an old printed code (from before tokens) leads to, or None."""
    if not code or len(code) > 64:
        return None
    return _follow(db.session.scalar(select(Grid).where(Grid.legacy_code == code)))
