"""Demo volunteers (演示数据): units at the county, some forty registrations, half a year of
activities with check-ins and hours, upcoming activities with places taken, a menu that grew
over the year and orders in every state. Idempotent: a township with volunteers is left alone."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from core.toolkit import Grid, GridStatus, Tenant, db, tenant_context, utcnow
from plugins.volunteer import posts, records
from plugins.volunteer.models import (Activity, Attendance, MenuChange, Order, Post, ServiceItem, Signup, Unit,
                                      Volunteer)

UNITS = [("县教育局", "government"), ("县卫生健康委", "government"), ("县人民医院", "institution"),
         ("县供电公司", "state_enterprise"), ("县自然资源局", "government")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "伟", "芳", "明", "丽", "强", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟"]
SKILLS = ["急救", "驾驶", "理发", "维修", "心理疏导", "法律咨询", "书法", "摄影", "医护"]
TITLES = ["核酸检测秩序维护", "防汛值守", "政策宣讲进村", "人居环境整治", "关爱独居老人", "夜间平安巡防", "文明实践进社区"]
EXTRA_MENU = ["上门理发", "代缴水电费", "陪同就医", "法律咨询", "心理疏导", "送餐上门", "安全隐患排查", "手机使用教学",
              "家政清洁"]


def _county_units(tenant) -> list[tuple[int, str]]:
    county = db.session.get(Tenant, tenant.parent_id) if tenant.parent_id else None
    if county is None:
        return []
    with tenant_context(county):
        if not db.session.scalar(select(func.count(Unit.id))):
            for name, kind in UNITS:
                db.session.add(Unit(name=name, kind=kind, annual_target_hours=50.0))
            db.session.flush()
        return list(db.session.execute(select(Unit.id, Unit.name)).all())


def fill_demo(tenant, seed: int | None = None) -> int:
    if db.session.scalar(select(func.count(Volunteer.id))):
        return 0
    posts.seed_defaults(tenant)
    rnd = random.Random(seed if seed is not None else tenant.id)
    unit_rows = _county_units(tenant)
    grids = db.session.scalars(select(Grid).where(Grid.status == GridStatus.active)).all()
    if not grids:
        return 0
    tops = [g for g in grids if g.parent_id is None] or grids
    post_ids = list(db.session.scalars(select(Post.id)))
    now = utcnow()
    volunteers = []
    for i in range(40):
        party = rnd.random() < 0.6
        unit = rnd.choice(unit_rows) if party and unit_rows and rnd.random() < 0.7 else None
        v = Volunteer(name=rnd.choice(SURNAMES) + rnd.choice(GIVEN), mobile=f"139{tenant.id % 1000:03d}{i:05d}",
                      grid_id=rnd.choice(tops).id, is_party_member=party, unit_id=unit[0] if unit else None,
                      unit_name=unit[1] if unit else None, party_branch=f"{unit[1]}机关党支部" if unit else None,
                      skills=rnd.sample(SKILLS, 2), availability=rnd.choice(["周末", "工作日晚上", "随时"]),
                      status="confirmed" if i < 36 else "pending", registered_at=now - dt.timedelta(days=200 - i),
                      confirmed_at=now - dt.timedelta(days=199 - i) if i < 36 else None)
        db.session.add(v)
        volunteers.append(v)
    db.session.flush()
    confirmed = [v for v in volunteers if v.status == "confirmed"]
    for k in range(16):
        past = k < 12
        start = (now - dt.timedelta(days=rnd.randint(3, 170))) if past else now + dt.timedelta(days=rnd.randint(2, 20))
        start = start.replace(minute=0, second=0, microsecond=0)
        act = Activity(title=rnd.choice(TITLES), post_id=rnd.choice(post_ids), grid_id=rnd.choice(grids).id,
                       place=rnd.choice(["村委会广场", "社区服务中心", "文化礼堂", "卫生院门口"]), starts_at=start,
                       ends_at=start + dt.timedelta(hours=rnd.choice([2, 3, 4])), slots=rnd.randint(8, 15), taken=0,
                       requirements=rnd.choice(["", "穿志愿者马甲", "自备口罩"]))
        db.session.add(act)
        db.session.flush()
        for v in rnd.sample(confirmed, rnd.randint(4, act.slots)):
            db.session.add(Signup(activity_id=act.id, volunteer_id=v.id, status="confirmed", queued_at=start,
                                  confirmed_at=start))
            act.taken += 1
            if past:
                late = dt.timedelta(minutes=rnd.randint(0, 20))
                out = act.ends_at - dt.timedelta(minutes=rnd.randint(0, 30))
                att = Attendance(activity_id=act.id, volunteer_id=v.id, checked_in_at=start + late, checked_out_at=out,
                                 hours=round((out - start - late).total_seconds() / 3600, 2), closed_by="scan")
                db.session.add(att)
                db.session.flush()
                records.record_attendance(tenant, act, att)
    year_ago = now - dt.timedelta(days=400)
    for name in EXTRA_MENU:
        added = year_ago if rnd.random() < 0.6 else now - dt.timedelta(days=rnd.randint(10, 200))
        item = ServiceItem(name=name, added_at=added)
        db.session.add(item)
        db.session.flush()
        db.session.add(MenuChange(item_id=item.id, change="added", detail=name, at=added))
    for item in db.session.scalars(select(ServiceItem)).all():
        if item.added_at > year_ago and item.name not in EXTRA_MENU:
            item.added_at = year_ago  # the starting menu was there a year ago
    items = db.session.scalars(select(ServiceItem)).all()
    for k in range(18):
        item, grid = rnd.choice(items), rnd.choice(grids)
        state = rnd.choice(["open", "claimed", "done", "confirmed", "confirmed", "confirmed"])
        v = rnd.choice(confirmed)
        placed = now - dt.timedelta(days=rnd.randint(1, 120))
        order = Order(item_id=item.id, grid_id=grid.id, requester_name=rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                      address=f"{grid.name}{rnd.randint(1, 40)}号", note="", status=state,
                      volunteer_id=None if state == "open" else v.id,
                      claimed_at=None if state == "open" else placed + dt.timedelta(hours=2))
        if state in ("done", "confirmed"):
            order.done_at, order.hours = placed + dt.timedelta(days=1), rnd.choice([1.0, 1.5, 2.0])
        if state == "confirmed":
            order.confirmed_at, order.rating = placed + dt.timedelta(days=2), rnd.choice([4, 5, 5])
        db.session.add(order)
        db.session.flush()
        if state == "confirmed":
            records.record_order(tenant, order)
    db.session.flush()
    return len(volunteers)
