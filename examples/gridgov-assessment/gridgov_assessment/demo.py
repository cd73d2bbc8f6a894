"""Demo data for ``gridgov demo`` (演示数据): last quarter inspected, closed and published, so the
ranking, the stars and the year have something to show; this quarter open. Idempotent."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from core.toolkit import db, local_now, period_name

from gridgov_assessment.models import Quarter
from gridgov_assessment.scores import assessed_grids, rules_of
from gridgov_assessment.services import close_quarter, open_quarter, publish_quarter, record_deduction

FINDINGS = ["督查发现门前堆放杂物", "巡查记录缺一次", "台账不全", "走访记录缺失", "隐患整改逾期", "例会缺席"]


def ensure_current_quarter(tenant) -> Quarter:
    """The current quarter (Beijing time), opened when the township has none yet."""
    period = period_name("quarter", local_now(tenant).date())
    return db.session.scalar(select(Quarter).where(Quarter.period == period)) or open_quarter(period)


def fill_demo(tenant) -> int:
    """Deductions on last quarter's grids, then close and publish it; returns how many were added."""
    today = local_now(tenant).date()
    last = period_name("quarter", dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - dt.timedelta(days=1))
    if db.session.scalar(select(Quarter.id).where(Quarter.period == last)) is not None:
        return 0
    quarter = open_quarter(last)
    rnd = random.Random(tenant.id)
    rules = [r for r in rules_of(quarter) if not r.metric_key]
    count = 0
    for grid in assessed_grids(tenant)[:12]:
        for rule in rnd.sample(rules, k=min(len(rules), rnd.randint(1, 4))):
            record_deduction(tenant, quarter, {"grid_id": grid.id, "rule_id": rule.id, "points": min(rule.max_points, rnd.choice([0.5, 1, 1.5, 2])),
                                       "reason": rnd.choice(FINDINGS), "evidence": f"督查照片 {rnd.randint(100, 999)}",
                                       "inspected_on": today - dt.timedelta(days=rnd.randint(40, 80))})
            count += 1
    close_quarter(tenant, quarter)
    publish_quarter(quarter)
    ensure_current_quarter(tenant)
    return count
