"""Permissions of the assessment module (谁能看排名、谁能打分、谁能改细则).

* ``assessment.view``: the published quarters: ranking, lost points, stars, the year (every grid
  role and the township office: a published ranking is read by the whole township);
* ``assessment.score``: the open quarter too, and record or withdraw deductions (inspectors of the
  township office; a grid-scoped holder only on grids in reach);
* ``assessment.manage``: open, close and publish quarters and edit their checklists.
"""
from __future__ import annotations

from core.toolkit import ApiError, Permission, Role, grid_in_reach
from core.toolkit import gettext as _

VIEW, SCORE, MANAGE = "assessment.view", "assessment.score", "assessment.manage"

PERMISSIONS = [
    Permission(VIEW, "查看已公布的网格考核", "View published grid assessments"),
    Permission(SCORE, "网格考核督查打分", "Record inspection deductions"),
    Permission(MANAGE, "管理考核季度与细则", "Manage assessment quarters and checklists"),
]

ROLES = [
    Role("township_admin", "", "", permissions=frozenset({VIEW, SCORE, MANAGE})),
    Role("township_staff", "", "", permissions=frozenset({VIEW, SCORE})),
    Role("grid_leader", "", "", permissions=frozenset({VIEW})),
    Role("grid_worker", "", "", permissions=frozenset({VIEW})),
    Role("grid_instructor", "", "", permissions=frozenset({VIEW})),
]


def can_see_unpublished(access) -> bool:
    return access is not None and access.can(SCORE)


def require_score_on(grid) -> None:
    """403 unless the signed-in user may score ``grid`` (inside their reach with ``assessment.score``)."""
    if not grid_in_reach(grid, SCORE):
        raise ApiError(403, "forbidden", _("无权为该网格打分"))
