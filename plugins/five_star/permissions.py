"""Permissions of the five-star module and the object checks behind them (谁能创星、谁能评星).

* ``five_star.read``: see standards, plans, stars and rankings;
* ``five_star.plan``: a branch's own work: file the plan, add evidence, self-assess (村书记 on
  the village grid, i.e. a grid role whose reach covers the branch's grid; township staff too);
* ``five_star.review``: the township: edit the standard, approve or return plans, remind, review
  assessments, withdraw stars;
* ``five_star.confirm``: the county confirms assessments (county admin);
* ``five_star.household_score`` (评分组) and ``five_star.household_confirm`` (评星组).
"""
from __future__ import annotations

from flask import g

from core.toolkit import ApiError, Permission, Role, grid_in_reach
from core.toolkit import gettext as _

READ, PLAN, REVIEW, CONFIRM = "five_star.read", "five_star.plan", "five_star.review", "five_star.confirm"
HH_SCORE, HH_CONFIRM = "five_star.household_score", "five_star.household_confirm"

PERMISSIONS = [
    Permission(READ, "查看五星支部创建", "View five-star branches"),
    Permission(PLAN, "填报创建计划、佐证与自评", "File plans, evidence and self-assessments"),
    Permission(REVIEW, "审核计划、乡镇评星与摘星", "Review plans and assessments, withdraw stars"),
    Permission(CONFIRM, "县级评定星级", "Confirm stars (county)"),
    Permission(HH_SCORE, "星级农户评分（评分组）", "Score star households (scoring group)"),
    Permission(HH_CONFIRM, "星级农户评星（评星组）", "Confirm star households (rating group)"),
]

ROLES = [
    Role("township_admin", "", "", permissions=frozenset({READ, PLAN, REVIEW, HH_SCORE, HH_CONFIRM})),
    Role("township_staff", "", "", permissions=frozenset({READ, PLAN, REVIEW, HH_SCORE})),
    Role("grid_leader", "", "", permissions=frozenset({READ, PLAN})),
    Role("county_admin", "", "", permissions=frozenset({READ, CONFIRM})),
    Role("star_scorer", "评分组成员", "Scoring group member", scope="tenant", permissions=frozenset({READ, HH_SCORE})),
    Role("star_rater", "评星组成员", "Rating group member", scope="tenant", permissions=frozenset({READ, HH_CONFIRM})),
]


def can_act_for(org, permission: str = PLAN) -> bool:
    """Whether the current user may act for the branch ``org`` with ``permission``: township-wide
    holders, or a grid role whose reach covers the branch's grid."""
    access = g.get("access")
    if access is None or not access.can(permission):
        return False
    return access.grids_for(permission) is None or (org.grid is not None and grid_in_reach(org.grid, permission))


def require_act_for(org, permission: str = PLAN) -> None:
    if not can_act_for(org, permission):
        raise ApiError(403, "not_your_branch", _("只能为自己负责的支部填报"))


def township_wide(permission: str) -> bool:
    access = g.get("access")
    return access is not None and access.can(permission) and access.grids_for(permission) is None
