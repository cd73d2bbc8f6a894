"""Permissions of the incidents module and the object checks behind them (谁能办这件事).

* ``incidents.report``: report and see incidents of one's grids (grid roles, township staff);
* ``incidents.handle``: accept, handle, resolve, escalate incidents at one's grid levels;
* ``incidents.manage``: the township office level (网格办): office/department incidents,
  categories, every grid.
"""
from __future__ import annotations

from flask import g

from core.toolkit import ApiError, Permission, Role, grid_in_reach
from core.toolkit import gettext as _

REPORT, HANDLE, MANAGE = "incidents.report", "incidents.handle", "incidents.manage"

PERMISSIONS = [
    Permission(REPORT, "上报与查看事件", "Report and view incidents"),
    Permission(HANDLE, "办理与流转事件", "Handle and escalate incidents"),
    Permission(MANAGE, "网格办统筹事件与事项清单", "Manage incidents, categories and office level"),
]

_GRID_ROLES = ("grid_leader", "grid_worker", "grid_police", "grid_instructor")
ROLES = [Role(r, "", "", permissions=frozenset({REPORT, HANDLE})) for r in _GRID_ROLES] + [
    Role("info_officer", "", "", permissions=frozenset({REPORT})),
    Role("township_staff", "", "", permissions=frozenset({REPORT, HANDLE, MANAGE})),
    Role("township_admin", "", "", permissions=frozenset({REPORT, HANDLE, MANAGE})),
]


def _access():
    return g.get("access")


def can_manage() -> bool:
    access = _access()
    return access is not None and access.can(MANAGE) and access.grids_for(MANAGE) is None


def can_act_on(incident) -> bool:
    """Whether the current user may act at the incident's current level (本级或上级)."""
    if can_manage():
        return True
    if incident.level != "grid" or incident.handling_grid is None:
        return False
    return grid_in_reach(incident.handling_grid, HANDLE)


def require_act(incident) -> None:
    if not can_act_on(incident):
        raise ApiError(403, "not_your_level", _("该事件不在您的办理范围内"))


def can_report_in(grid) -> bool:
    return can_manage() or grid_in_reach(grid, REPORT)


def can_reopen(incident) -> bool:
    """A level above the one that closed it (上级) may reopen a closed incident."""
    if can_manage():
        return True
    if incident.closed_level != "grid" or incident.closed_grid_id is None:
        return False
    from core.toolkit import db
    from core.toolkit import Grid

    closed_at = db.session.get(Grid, incident.closed_grid_id)
    parent = closed_at.parent if closed_at is not None else None
    return parent is not None and grid_in_reach(parent, HANDLE)
