"""Demo incidents (演示数据): a few hundred per township over the last six months, most settled
in their grid, some escalated, a few open or overdue, with timelines and satisfaction."""
from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy import func, select

from core.toolkit import Grid, db, utcnow
from plugins.incidents.categories import all_categories, seed_defaults
from plugins.incidents.receipts import new_receipt
from plugins.incidents.models import OPEN_STATES, Incident, Step

TEXTS = ["小区东门门禁损坏", "路灯不亮已有三天", "河道边有人倾倒建筑垃圾", "楼道堆放杂物存在消防隐患", "独居老人需要上门帮助",
         "邻里因漏水发生纠纷", "道路出现坑洼", "垃圾桶满溢无人清运", "电动车楼道充电", "疑似电信诈骗宣传需求",
         "违章搭建彩钢棚", "燃气管道有异味", "农田灌溉渠堵塞", "流浪犬伤人隐患", "广场舞噪音扰民"]
NAMES = ["王建国", "李秀英", "张伟", "刘芳", "陈明", "杨丽", "赵强", "黄敏"]


def fill_demo(tenant, count: int = 300, seed: int | None = None) -> int:
    if db.session.scalar(select(func.count(Incident.id))):
        return 0
    seed_defaults(tenant)
    rnd = random.Random(seed if seed is not None else tenant.id)
    grids = db.session.scalars(select(Grid).where(Grid.status == "active")).all()
    leaves = [g for g in grids if not any(o.parent_id == g.id for o in grids)] or grids
    by_id = {g.id: g for g in grids}
    categories = [c for c in all_categories(active_only=True)]
    if not leaves or not categories:
        return 0
    now = utcnow()
    for _ in range(count):
        grid, cat = rnd.choice(leaves), rnd.choice(categories)
        reported = now - dt.timedelta(days=rnd.uniform(0, 180), hours=rnd.uniform(0, 23))
        urgency = rnd.choices(["normal", "pressing", "urgent"], [80, 15, 5])[0]
        hours = min(cat.time_limit_hours, {"normal": 72, "pressing": 24, "urgent": 2}[urgency])
        inc = Incident(category_id=cat.id, grid_id=grid.id, handling_grid_id=grid.id, level="grid", reach=0,
                       state="reported", urgency=urgency, source=rnd.choice(["worker", "worker", "resident"]),
                       description=rnd.choice(TEXTS), place=f"{grid.name}{rnd.randint(1, 30)}号附近",
                       reporter_name=rnd.choice(NAMES), public_token=secrets.token_urlsafe(16), receipt=new_receipt(),
                       reported_at=reported, due_at=reported + dt.timedelta(hours=hours))
        db.session.add(inc)
        db.session.flush()
        steps = [("report", None, "reported", grid.name, grid.name, "")]
        t = reported
        roll = rnd.random()
        if roll < 0.2 and grid.parent_id:
            parent = by_id.get(grid.parent_id)
            inc.level, inc.handling_grid_id, inc.reach = "grid", parent.id, 1 if parent.parent_id is None else 0
            steps.append(("escalate", "reported", "reported", grid.name, parent.name, "需上级网格协调"))
        elif roll < 0.25:
            inc.level, inc.handling_grid_id, inc.reach = "office", None, 2
            steps.append(("escalate", "reported", "reported", grid.name, "乡镇网格办", "超出网格处置能力"))
        where = steps[-1][4]
        young = (now - reported).days < 5
        final = rnd.choices(["closed", "rejected", "open"], [85, 3, 12 if not young else 60])[0]
        flow = [("accept", "accepted"), ("start", "in_progress"), ("resolve", "resolved"), ("close", "closed")]
        if final == "rejected":
            flow = [("reject", "rejected")]
            inc.reject_reason = "不属于网格事项，已告知当事人"
        elif final == "open":
            flow = flow[:rnd.randint(0, 2)]
        prev = "reported"
        for action, state in flow:
            t = t + dt.timedelta(hours=rnd.uniform(0.5, hours / 3))
            steps.append((action, prev, state, where, where, ""))
            prev = state
        inc.state = prev
        if prev == "closed":
            inc.resolved_at, inc.closed_at = t - dt.timedelta(hours=0.5), t
            inc.close_hours = round((t - reported).total_seconds() / 3600, 2)
            inc.closed_level, inc.closed_grid_id = inc.level, inc.handling_grid_id
            if rnd.random() < 0.7:
                inc.satisfaction = rnd.choices(["satisfied", "basically", "dissatisfied"], [80, 15, 5])[0]
        inc.open_due_at = inc.due_at if inc.state in OPEN_STATES else None
        at = reported
        for i, (action, frm, to, fw, tw, note) in enumerate(steps):
            at = reported if i == 0 else max(at, min(t, at + dt.timedelta(hours=1)))
            db.session.add(Step(incident_id=inc.id, action=action, actor_name="演示网格员", at=at, from_state=frm,
                                to_state=to, from_where=fw, to_where=tw, note=note))
    db.session.flush()
    return count
