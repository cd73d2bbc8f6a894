"""The checklist as a county template (县级考核细则模板, kind ``assessment.checklist``).

Adopting writes into the township's latest open quarter (opening the current quarter when none is
open): rules are matched by ``code``, the county's values (with the township's overrides of
unlocked fields) replace the quarter's, and a rule the county dropped is switched off, not deleted,
so deductions already recorded on it keep their rule. A closed quarter is never touched.
"""
from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select

from core.toolkit import ApiError, db, local_now, period_name
from core.toolkit import gettext as _

from gridgov_assessment.defaults import DEFAULT_RULES
from gridgov_assessment.models import ChecklistRule, Quarter
from gridgov_assessment.services import RULE_FIELDS, latest_open_quarter, open_quarter, rule_dict


def default_items() -> list[dict[str, Any]]:
    return copy.deepcopy(DEFAULT_RULES)


def read_items(tenant) -> list[dict[str, Any]]:
    """The township's copy: the rules of its latest open quarter (the default checklist before any)."""
    quarter = latest_open_quarter()
    if quarter is None:
        return default_items()
    rules = db.session.scalars(select(ChecklistRule).where(ChecklistRule.quarter_id == quarter.id).order_by(ChecklistRule.sort, ChecklistRule.id))
    return [{k: v for k, v in rule_dict(r).items() if k != "id"} for r in rules]


def apply_items(tenant, items: list[dict[str, Any]], removed: list[str]) -> None:
    quarter = latest_open_quarter()
    if quarter is None:
        period = period_name("quarter", local_now(tenant).date())
        if db.session.scalar(select(Quarter.id).where(Quarter.period == period)) is not None:
            raise ApiError(409, "no_open_quarter", _("%(period)s 已关闭，请先新建下一季度再采用县级细则", period=period))
        quarter = open_quarter(period)
    rules = {r.code: r for r in db.session.scalars(select(ChecklistRule).where(ChecklistRule.quarter_id == quarter.id))}
    sort = db.session.scalar(select(func.max(ChecklistRule.sort)).where(ChecklistRule.quarter_id == quarter.id)) or 0
    for item in items:
        rule = rules.get(item["code"])
        if rule is None:
            sort += 1
            rule = ChecklistRule(quarter_id=quarter.id, code=item["code"], sort=sort)
            db.session.add(rule)
        for field in RULE_FIELDS:
            if field in item:
                setattr(rule, field, item[field])
        if rule.method is None:
            rule.method = ""
        if rule.active is None:
            rule.active = True
    for code in removed:
        if code in rules:
            rules[code].active = False
    db.session.flush()
