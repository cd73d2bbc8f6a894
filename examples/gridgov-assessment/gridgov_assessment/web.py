"""Request helpers shared by the API and the pages: the quarter a URL names, who may see it."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from core.toolkit import ApiError, db, iso_local
from core.toolkit import gettext as _

from gridgov_assessment.models import ChecklistRule, Deduction, Quarter
from gridgov_assessment.permissions import can_see_unpublished
from gridgov_assessment.scores import quarter_by_period


def quarter_or_404(period: str, *, writing: bool = False) -> Quarter:
    """The quarter ``period`` names: 404 when the township has none, 403 when it is not published
    and the user may only see published ones."""
    quarter = quarter_by_period(period)
    if quarter is None:
        raise ApiError(404, "not_found", _("没有 %(period)s 的考核", period=period))
    if quarter.state != "published" and not writing and not can_see_unpublished(g.get("access")):
        raise ApiError(403, "not_published", _("该季度考核尚未公布"))
    return quarter


def visible_quarters() -> list[Quarter]:
    stmt = select(Quarter).order_by(Quarter.period.desc())
    if not can_see_unpublished(g.get("access")):
        stmt = stmt.where(Quarter.state == "published")
    return list(db.session.scalars(stmt))


def rule_or_404(quarter: Quarter, rule_id: int) -> ChecklistRule:
    rule = db.session.get(ChecklistRule, rule_id)
    if rule is None or rule.quarter_id != quarter.id:
        raise ApiError(404, "not_found", _("没有这条考核细则"))
    return rule


def deduction_or_404(quarter: Quarter, deduction_id: int) -> Deduction:
    row = db.session.get(Deduction, deduction_id)
    if row is None or row.quarter_id != quarter.id:
        raise ApiError(404, "not_found", _("没有这条扣分记录"))
    return row


def quarter_dict(q: Quarter) -> dict:
    # moments in ISO 8601 with the township's offset, as every API answer gives them (jsonify would
    # write a bare datetime as an HTTP date)
    return {"id": q.id, "period": q.period, "state": q.state, "closed_at": iso_local(q.closed_at),
            "published_at": iso_local(q.published_at)}
