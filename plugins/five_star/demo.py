"""Demo data (演示数据): this year's plans of most village branches (a few missing, one returned),
stars confirmed through all three levels for some, one withdrawn and in re-cultivation, and last
month's star households. Idempotent: a township that has plans is left alone."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from core.toolkit import Household, db
from plugins.five_star import assessment as flow
from plugins.five_star import households as hh
from plugins.five_star import plans
from plugins.five_star.branches import all_branches
from plugins.five_star.clock import this_month, this_year
from plugins.five_star.models import Plan
from plugins.five_star.standards import ensure_standard

ACTIONS = ["召开支部委员会专题研究", "对照标准逐项整改", "建立工作台账并每月更新", "组织党员志愿服务队入户", "邀请县乡指导员现场指导"]
OWNERS = ["村党支部书记", "村委会主任", "支部组织委员", "妇联主席", "网格长"]


def fill_demo(tenant, seed: int | None = None) -> int:
    """Fill ``tenant``'s demo; ``seed`` drives the random choices (the tenant's id by default, so
    a township's demo comes out the same each time)."""
    if db.session.scalar(select(func.count(Plan.id))):
        return 0
    year = this_year()
    standard = ensure_standard(year)
    hh.seed_household_stars()
    rnd = random.Random(tenant.id if seed is None else seed)
    branches = all_branches()
    assessed = False
    for i, org in enumerate(branches):
        if i % 7 == 6:
            continue  # not filed yet: the township can remind it
        codes = rnd.sample([s.code for s in standard.stars], rnd.randint(2, 5))
        tasks = [t for s in standard.stars if s.code in codes for t in s.tasks]
        actions = [{"task_id": t.id, "action": rnd.choice(ACTIONS), "owner": rnd.choice(OWNERS)}
                   for t in rnd.sample(tasks, min(4, len(tasks)))]
        plan = plans.save_plan(org, year, {"star_codes": codes, "actions": actions})
        plans.move_plan(plan, "submit")
        if i % 7 == 5:
            plans.move_plan(plan, "return", "措施过于笼统，请细化到月")
            continue
        if i % 7 == 4:
            continue  # waiting for the township
        plans.move_plan(plan, "approve")
        for code in codes[: rnd.randint(1, len(codes))]:
            _assess(tenant, org, next(s for s in standard.stars if s.code == code), year, rnd, sure=not assessed)
            assessed = True
    _withdraw_one(standard, year)
    _households(tenant, rnd)
    db.session.flush()
    return len(branches)


def _assess(tenant, org, star, year, rnd, sure: bool = False) -> None:
    """Take ``star`` through the three levels with random scores; ``sure`` gives full marks at the
    county, so the demo's first assessment earns its star whatever the seed (random scores alone
    leave some townships, about one in twenty, with no star at all)."""
    a = flow.start_assessment(org, star, year)
    crits = flow.criteria_of(star)

    def scores(lo, full=False):
        drawn = {str(c.id): (c.max_score if rnd.random() < 0.9 else 0.0) if c.kind == "yesno"
                 else float(round(c.max_score * rnd.uniform(lo, 1.0))) for c in crits}
        return {str(c.id): float(c.max_score) for c in crits} if full else drawn
    flow.step(tenant, a, org, star, "submit_self", scores(0.85), "对照标准自查")
    flow.step(tenant, a, org, star, "submit_township", scores(0.75), "乡镇实地核查")
    flow.step(tenant, a, org, star, "confirm", scores(0.7, full=sure), "县级评定")


def _withdraw_one(standard, year) -> None:
    """Withdraw one star, only when another is still held: the demo always shows a held star."""
    held = flow.recultivating(year)
    if held:
        return
    from plugins.five_star.models import Award

    awards = db.session.scalars(select(Award).where(Award.year == year, Award.withdrawn_at.is_(None))
                                .order_by(Award.id).limit(2)).all()
    if len(awards) == 2:
        award = awards[0]
        star = next(s for s in standard.stars if s.id == award.star_id)
        flow.withdraw(award, star, "发生较大安全生产事故，按规定摘星", [star.tasks[0].id])


def _households(tenant, rnd) -> None:
    month = this_month()
    stars = hh.stars()
    for i, household in enumerate(db.session.scalars(select(Household).order_by(Household.id).limit(120))):
        picked = rnd.sample(stars, rnd.randint(0 if i else 1, 8))  # the first household always has a star
        if picked:
            rows = hh.score(month, household, [{"star_code": s.code, "score": rnd.randint(70, 100)} for s in picked])
            hh.confirm(month, [r.id for r in rows if rnd.random() < 0.8] or [rows[0].id])
