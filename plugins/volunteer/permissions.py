"""Permissions of the volunteer module and the object checks behind them.

* ``volunteer.view``: see volunteers, activities, the menu and hours (every township role);
* ``volunteer.register``: register volunteers and order services for residents of one's grids
  (grid roles, township staff);
* ``volunteer.lead``: lead activities: show the check-in QR code, correct times with a reason
  (grid leaders and workers, the ``volunteer_leader`` role for team leaders with an account);
* ``volunteer.manage``: the township's volunteer office: confirm registrations, posts, teams,
  activities, the menu, exports;
* ``volunteer.units``: the county's units (机关事业单位), their targets and feedback reports.
"""
from __future__ import annotations

from flask import g
from flask_login import current_user

from core.toolkit import ApiError, Permission, Role, grid_in_reach
from core.toolkit import gettext as _

VIEW, REGISTER, LEAD, MANAGE, UNITS = ("volunteer.view", "volunteer.register", "volunteer.lead",
                                       "volunteer.manage", "volunteer.units")

PERMISSIONS = [
    Permission(VIEW, "查看志愿服务", "View volunteers and activities"),
    Permission(REGISTER, "登记志愿者与代群众点单", "Register volunteers, order services for residents"),
    Permission(LEAD, "带队签到与更正时长", "Lead activities: check-in code and corrections"),
    Permission(MANAGE, "管理志愿服务（审核、岗位、活动、清单）", "Manage volunteering (confirm, posts, activities, menu)"),
    Permission(UNITS, "管理双报到单位", "Manage the county's units"),
]

_GRID_ROLES = ("grid_leader", "grid_worker", "grid_instructor")
ROLES = [Role(r, "", "", permissions=frozenset({VIEW, REGISTER, LEAD})) for r in _GRID_ROLES] + [
    Role("info_officer", "", "", permissions=frozenset({VIEW, REGISTER})),
    Role("grid_police", "", "", permissions=frozenset({VIEW})),
    Role("township_staff", "", "", permissions=frozenset({VIEW, REGISTER, LEAD, MANAGE})),
    Role("township_admin", "", "", permissions=frozenset({VIEW, REGISTER, LEAD, MANAGE})),
    Role("volunteer_leader", "志愿服务队长", "Volunteer team leader", scope="tenant", permissions=frozenset({VIEW, LEAD})),
    Role("county_admin", "", "", permissions=frozenset({UNITS})),
]


def can_manage() -> bool:
    access = g.get("access")
    return access is not None and access.can(MANAGE)


def can_lead(activity) -> bool:
    """The activity's own leader, or the volunteer office."""
    if can_manage():
        return True
    access = g.get("access")
    return (access is not None and access.can(LEAD) and current_user.is_authenticated
            and activity.leader_user_id == current_user.id)


def require_lead(activity) -> None:
    if not can_lead(activity):
        raise ApiError(403, "not_leader", _("只有本活动的带队人可以操作"))


def can_serve_grid(grid) -> bool:
    """Order or confirm services for residents of ``grid``: the office, or a grid role over it."""
    return can_manage() or grid_in_reach(grid, REGISTER)


def require_grid(grid) -> None:
    if not can_serve_grid(grid):
        raise ApiError(403, "forbidden", _("该网格不在您的范围内"))
