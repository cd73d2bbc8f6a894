"""Permissions of the points bank and the object checks behind them (谁能记分、审核、兑换).

* ``points_bank.view``: schemes, passbooks, rankings, the board, in one's grids;
* ``points_bank.record``: record entries for members in one's grids (grid roles, staff);
* ``points_bank.review``: approve/reject, publish periods, resolve objections, close (township);
* ``points_bank.redeem``: the supermarket counter, stock (超市管理员 ``points_clerk``);
* ``points_bank.manage``: schemes, rules, goods, the announcement mapping, settings.
"""
from __future__ import annotations

from flask import g

from core.toolkit import ApiError, Grid, Permission, Role, db, grid_in_reach
from core.toolkit import gettext as _

VIEW, RECORD, REVIEW, REDEEM, MANAGE = ("points_bank.view", "points_bank.record", "points_bank.review",
                                        "points_bank.redeem", "points_bank.manage")
ALL = frozenset({VIEW, RECORD, REVIEW, REDEEM, MANAGE})

PERMISSIONS = [
    Permission(VIEW, "查看积分与存折", "View points and passbooks"),
    Permission(RECORD, "记录积分", "Record points"),
    Permission(REVIEW, "审核与公示积分", "Review and publish points"),
    Permission(REDEEM, "积分超市兑换与库存", "Supermarket counter and stock"),
    Permission(MANAGE, "管理积分方案与商品", "Manage schemes and goods"),
]

_GRID_ROLES = ("grid_leader", "grid_worker", "grid_instructor")
ROLES = [Role(r, "", "", permissions=frozenset({VIEW, RECORD})) for r in _GRID_ROLES] + [
    Role("info_officer", "", "", permissions=frozenset({VIEW})),
    Role("township_staff", "", "", permissions=frozenset({VIEW, RECORD, REVIEW, REDEEM})),
    Role("township_admin", "", "", permissions=ALL),
    Role("points_clerk", "积分超市管理员", "Points supermarket clerk", scope="tenant",
         permissions=frozenset({VIEW, REDEEM})),
]


def township_wide(permission: str) -> bool:
    access = g.get("access")
    return access is not None and access.can(permission) and access.grids_for(permission) is None


def account_in_reach(account, permission: str) -> bool:
    """Whether the member's grid lies in the user's reach (system accounts: township-wide only)."""
    if township_wide(permission):
        return True
    if account.grid_id is None:
        return False
    grid = db.session.get(Grid, account.grid_id)
    return grid is not None and grid_in_reach(grid, permission)


def require_account(account, permission: str) -> None:
    """404 for a member outside the user's grids (as for another township's), 403 without the
    permission at all."""
    access = g.get("access")
    if access is None or not access.can(permission):
        raise ApiError(403, "forbidden", _("没有权限"))
    if not account_in_reach(account, permission):
        raise ApiError(404, "not_found", _("账户不存在"))
