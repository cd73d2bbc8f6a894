"""The writes of the assessment module (考核业务): open, close and publish a quarter, edit its
checklist, record and withdraw deductions. Each checks what it must, flushes and audits; the
caller commits. A refusal raises ``ApiError`` before anything is written, so nothing is half-saved.
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context
from sqlalchemy import func, select

from core.toolkit import ApiError, Grid, audit, db, local_today, override_template_item, utcnow
from core.toolkit import gettext as _

from gridgov_assessment.defaults import DEFAULT_RULES
from gridgov_assessment.models import ChecklistRule, Deduction, Quarter
from gridgov_assessment.numbers import freeze
from gridgov_assessment.scores import assessed_grids

KIND = "assessment.checklist"
RULE_FIELDS = ("item", "title", "max_points", "method", "metric_key", "target", "active")


def actor() -> tuple[int | None, str]:
    """(user id, display name) of the signed-in user; (None, "系统") outside a request."""
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, (current_user.display_name or current_user.username)[:64]
    return None, "系统"


def require_open(quarter: Quarter) -> None:
    """409 unless ``quarter`` is open. Re-reads the quarter under a row lock (PostgreSQL; SQLite
    writes are serial anyway), so a deduction and the closing, or two deductions on the same grid
    and rule, never interleave: the second waits and sees the first."""
    db.session.refresh(quarter, with_for_update=True)
    if quarter.state != "open":
        raise ApiError(409, "quarter_closed", _("%(period)s 考核已关闭，不能再打分或修改细则", period=quarter.period))


def rule_dict(rule: ChecklistRule) -> dict[str, Any]:
    return {"id": rule.id, "code": rule.code, **{f: getattr(rule, f) for f in RULE_FIELDS}}


def open_quarter(period: str) -> Quarter:
    """Open the quarter ``period`` with the checklist of the latest quarter before it (or the
    default one). 409 when it exists."""
    if db.session.scalar(select(Quarter.id).where(Quarter.period == period)) is not None:
        raise ApiError(409, "exists", _("%(period)s 的考核已建立", period=period), {"period": [_("已存在")]})
    before = db.session.scalar(select(Quarter).where(Quarter.period < period).order_by(Quarter.period.desc()).limit(1))
    quarter = Quarter(period=period, state="open")
    db.session.add(quarter)
    db.session.flush()
    source = [rule_dict(r) for r in db.session.scalars(select(ChecklistRule).where(ChecklistRule.quarter_id == before.id)
                                                       .order_by(ChecklistRule.sort, ChecklistRule.id))] if before else DEFAULT_RULES
    for sort, item in enumerate(source):
        db.session.add(ChecklistRule(quarter_id=quarter.id, code=item["code"], sort=sort, **{f: item[f] for f in RULE_FIELDS}))
    db.session.flush()
    audit("assessment.quarter_opened", quarter, after={"period": period, "rules": len(source),
                                                      "copied_from": before.period if before else None})
    return quarter


def latest_open_quarter() -> Quarter | None:
    return db.session.scalar(select(Quarter).where(Quarter.state == "open").order_by(Quarter.period.desc()).limit(1))


def add_rule(quarter: Quarter, data: dict[str, Any]) -> ChecklistRule:
    require_open(quarter)
    if db.session.scalar(select(ChecklistRule.id).where(ChecklistRule.quarter_id == quarter.id, ChecklistRule.code == data["code"])) is not None:
        raise ApiError(422, "validation_error", _("细则编码重复"), {"code": [_("本季度已有此编码")]})
    sort = (db.session.scalar(select(func.max(ChecklistRule.sort)).where(ChecklistRule.quarter_id == quarter.id)) or 0) + 1
    rule = ChecklistRule(quarter_id=quarter.id, sort=sort, **{"method": "", "active": True, **data})
    db.session.add(rule)
    db.session.flush()
    audit("assessment.rule_added", rule, after=rule_dict(rule))
    return rule


def update_rule(tenant, quarter: Quarter, rule: ChecklistRule, changes: dict[str, Any]) -> ChecklistRule:
    """Change a rule of the open quarter; a field the county locked is refused (422), and points
    below what a grid has already lost on the rule are refused too."""
    require_open(quarter)
    if "max_points" in changes:
        most = max(db.session.scalars(select(func.sum(Deduction.points)).where(Deduction.rule_id == rule.id)
                                      .group_by(Deduction.grid_id)), default=0.0)
        if changes["max_points"] < most:
            raise ApiError(422, "validation_error", _("分值低于已扣分数"),
                           {"max_points": [_("已有网格在此细则扣了 %(most)s 分", most=f"{most:g}")]})
    if quarter.id == getattr(latest_open_quarter(), "id", None):
        override_template_item(tenant, KIND, rule.code, changes, actor()[1], strict=False)
    before = rule_dict(rule)
    for field, value in changes.items():
        setattr(rule, field, value)
    db.session.flush()
    audit("assessment.rule_changed", rule, before=before, after=rule_dict(rule))
    return rule


def record_deduction(tenant, quarter: Quarter, data: dict[str, Any]) -> Deduction:
    """Record lost points at an inspection. 409 on a closed quarter; 422 for a rule not in this
    quarter's checklist, a grid not of this township or not assessed, or points beyond what the
    rule has left for the grid. (Whether the user may score the grid is the view's check.)"""
    require_open(quarter)
    rule = db.session.get(ChecklistRule, data["rule_id"])
    if rule is None or rule.quarter_id != quarter.id or not rule.active:
        raise ApiError(422, "validation_error", _("没有这条考核细则"), {"rule_id": [_("不是 %(period)s 的考核细则", period=quarter.period)]})
    grid = db.session.get(Grid, data["grid_id"])
    if grid is None:
        raise ApiError(422, "validation_error", _("没有这个网格"), {"grid_id": [_("不是本乡镇的网格")]})
    if grid.id not in {g.id for g in assessed_grids(tenant)}:
        raise ApiError(422, "validation_error", _("该网格不参加考核"),
                       {"grid_id": [_("只考核网格一级的在用网格")]})
    already = db.session.scalar(select(func.coalesce(func.sum(Deduction.points), 0.0))
                                .where(Deduction.rule_id == rule.id, Deduction.grid_id == grid.id)) or 0.0
    if round(already + data["points"], 1) > rule.max_points:
        left = round(rule.max_points - already, 1)
        raise ApiError(422, "validation_error", _("扣分超过该细则分值"),
                       {"points": [_("该细则满分 %(full)s 分，本网格已扣 %(taken)s 分，最多还能扣 %(left)s 分",
                                     full=f"{rule.max_points:g}", taken=f"{already:g}", left=f"{left:g}")]})
    user_id, name = actor()
    deduction = Deduction(quarter_id=quarter.id, rule_id=rule.id, grid_id=grid.id, points=data["points"],
                          reason=data["reason"].strip(), evidence=data.get("evidence") or "",
                          inspected_on=data.get("inspected_on") or local_today(), inspector_id=user_id, inspector_name=name)
    db.session.add(deduction)
    db.session.flush()
    audit("assessment.deducted", deduction, after={"grid_id": grid.id, "rule": rule.code, "points": deduction.points,
                                                   "reason": deduction.reason})
    return deduction


def withdraw_deduction(quarter: Quarter, deduction: Deduction, reason: str) -> None:
    require_open(quarter)
    audit("assessment.deduction_withdrawn", deduction, before={"grid_id": deduction.grid_id, "rule_id": deduction.rule_id,
                                                               "points": deduction.points, "reason": deduction.reason},
          after={"withdrawn_because": reason})
    db.session.delete(deduction)
    db.session.flush()


def close_quarter(tenant, quarter: Quarter) -> int:
    """Close an open quarter: no more scoring, and the other modules' numbers are frozen as they
    are now. Returns how many numbers were kept."""
    require_open(quarter)
    kept = freeze(tenant, quarter, [g.id for g in assessed_grids(tenant)])
    quarter.state, quarter.closed_at = "closed", utcnow()
    db.session.flush()
    audit("assessment.quarter_closed", quarter, after={"period": quarter.period, "numbers": kept})
    return kept


def publish_quarter(quarter: Quarter) -> None:
    """Publish a closed quarter's ranking to the whole township (季排队公布)."""
    if quarter.state != "closed":
        raise ApiError(409, "not_closed" if quarter.state == "open" else "published",
                       _("先关闭考核再公布") if quarter.state == "open"
                       else _("已经公布"))
    quarter.state, quarter.published_at = "published", utcnow()
    db.session.flush()
    audit("assessment.quarter_published", quarter, after={"period": quarter.period})
