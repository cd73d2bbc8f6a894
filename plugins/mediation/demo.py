"""Default room on enabling, and demo data (演示数据): rooms in the villages, retired judges and
police as mediators, a year of cases with sessions, agreements, referrals and follow-ups, and a
few villagers' meetings. Idempotent: nothing is added when the township has cases."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from core.toolkit import Grid, GridStatus, Person, db, utcnow, to_local
from plugins.mediation.models import (DISPUTE_TYPES, Case, CaseMediator, CaseSession, FollowUp, Mediator, MediatorRoom,
                                      Meeting, Party, Room, RoomGrid, Topic)

DEFAULT_ROOM = "人民调解委员会调解室"
SUMMARIES = {"neighbours": "因宅基地边界和排水沟走向发生争执", "land_contract": "土地承包经营权流转租金支付争议",
             "family": "赡养老人费用分担问题引发家庭矛盾", "marriage": "离婚后子女抚养费支付纠纷",
             "labour": "务工人员工资拖欠争议", "property": "小区物业费与漏水维修责任纠纷",
             "demolition": "征地拆迁补偿款分配争议", "other": "养殖气味扰邻问题"}
OUTSIDERS = [("周法官", "retired_judge", ["land_contract", "family", "marriage"]),
             ("吴警官", "retired_police", ["neighbours", "labour", "other"]),
             ("郑律师", "lawyer", ["property", "demolition", "labour"])]


def ensure_default_room(tenant) -> Room | None:
    """A township enabling mediation gets one room of its people's mediation committee, serving
    every grid, when it has none yet."""
    if db.session.scalar(select(func.count(Room.id))):
        return None
    room = Room(name=DEFAULT_ROOM, address="", hours="周一至周五 8:30-17:30")
    db.session.add(room)
    db.session.flush()
    return room


def fill_demo(tenant, count: int = 80, seed: int | None = None) -> int:
    if db.session.scalar(select(func.count(Case.id))):
        return 0
    rnd = random.Random(seed if seed is not None else tenant.id)
    villages = db.session.scalars(select(Grid).where(Grid.level == 1, Grid.status == GridStatus.active)
                                  .order_by(Grid.id)).all()
    if not villages:
        return 0
    ensure_default_room(tenant)
    rooms = list(db.session.scalars(select(Room).order_by(Room.id)))
    for v in villages[:2]:
        room = Room(name=f"{v.name}老娘舅调解工作室", address=f"{v.name}党群服务中心", hours="每周一、三、五 9:00-17:00",
                    grids=[RoomGrid(grid_id=v.id)])
        db.session.add(room)
        rooms.append(room)
    db.session.flush()
    mediators = []
    for i, (name, background, specialities) in enumerate(OUTSIDERS):
        mediators.append(Mediator(name=name, phone=f"1390000{i:04d}", background=background, specialities=specialities,
                                  rooms=[MediatorRoom(room_id=r.id) for r in rooms]))
    people = db.session.scalars(select(Person).where(Person.household_id.is_not(None)).limit(300)).all()
    for p in people[:2]:
        mediators.append(Mediator(person_id=p.id, name=p.name, background="villager", specialities=["neighbours", "family"],
                                  rooms=[MediatorRoom(room_id=rooms[0].id)]))
    db.session.add_all(mediators)
    db.session.flush()
    pool = [p for p in people[2:]] or []
    grids = db.session.scalars(select(Grid).where(Grid.status == GridStatus.active)).all()
    now = utcnow()
    for n in range(count):
        kind = rnd.choice(list(DISPUTE_TYPES))
        taken = now - dt.timedelta(days=rnd.uniform(3, 360))
        grid = rnd.choice(grids)
        case = Case(room_id=rnd.choice(rooms).id, grid_id=grid.id, source=rnd.choice(["walk_in", "grid_worker", "meeting"]),
                    dispute_type=kind, summary=SUMMARIES[kind], urgency=rnd.choices(["normal", "pressing", "urgent"], [85, 12, 3])[0],
                    amount=rnd.choice([None, 2000, 8500, 30000]), state="intake", taken_in_at=taken)
        sides = rnd.sample(pool, 2) if len(pool) >= 2 else []
        case.parties = [Party(role=r, person_id=p.id, household_id=p.household_id, name=p.name)
                        for r, p in zip(("applicant", "respondent"), sides)] or [
            Party(role="applicant", name="外来务工人员", phone="13700000000")]
        db.session.add(case)
        db.session.flush()
        _progress(case, rnd, mediators, taken, now)
    _meetings(villages, rnd, now)
    db.session.flush()
    return count


def _progress(case: Case, rnd, mediators, taken, now) -> None:
    roll = rnd.random()
    if roll < 0.05:
        case.state, case.decline_reason = "declined", "不属于人民调解受理范围，已告知当事人向法院起诉"
        return
    if roll < 0.12:
        return  # still waiting to be accepted
    case.accepted_at = taken + dt.timedelta(hours=rnd.uniform(1, 48))
    mediator = rnd.choice(mediators[:3])
    case.mediators = [CaseMediator(mediator_id=mediator.id, lead=True)]
    held = to_local(case.accepted_at).date() + dt.timedelta(days=rnd.randint(1, 7))
    db.session.add(CaseSession(case_id=case.id, held_on=held, place="调解室", attendees="双方当事人、调解员",
                               notes="听取双方陈述，释法明理，双方同意继续协商", next_step="约定一周后再次调解"))
    ended = taken + dt.timedelta(days=rnd.uniform(3, 40))
    if roll < 0.2 or ended > now:
        case.state = "in_session"
        return
    outcome = rnd.choices(["agreement", "partial", "failed", "referred"], [82, 6, 5, 7])[0]
    case.state, case.outcome, case.concluded_at = outcome, outcome, ended
    if outcome in ("agreement", "partial"):
        case.agreement_terms = "一、被申请人于十日内支付申请人相关费用；二、双方今后互谅互让，不再因此事发生争执。"
        case.agreement_signed_on = to_local(ended).date()
        for p in case.parties:
            p.signed = True
        for days in (7, 30, 90):
            due = to_local(ended).date() + dt.timedelta(days=days)
            done = due <= to_local(now).date()
            db.session.add(FollowUp(case_id=case.id, due_on=due, done_at=ended + dt.timedelta(days=days) if done else None,
                                    holds=True if done else None, note="回访双方，协议已履行" if done else ""))
    elif outcome == "referred":
        case.referral_kind, case.referral_body = rnd.choice([("court", "县人民法院"), ("judicial_office", "镇司法所"),
                                                             ("petitions", "县信访局")])
        case.referral_date = to_local(ended).date()
    else:
        case.outcome_note = "双方分歧较大，告知通过诉讼途径解决"


def _meetings(villages, rnd, now) -> None:
    titles = [("村口道路积水影响出行", "solved"), ("两户因排水沟走向起争执", "case"), ("广场路灯损坏", "solved"),
              ("集体土地租金分配意见", "solved"), ("垃圾清运时间不合理", "open")]
    for v in villages[:2]:
        meeting = Meeting(grid_id=v.id, held_on=to_local(now).date() - dt.timedelta(days=rnd.randint(5, 60)),
                          place=f"{v.name}议事长廊", host="村党支部书记", attendees="党员代表、村民代表、网格员",
                          attendee_count=rnd.randint(15, 40))
        meeting.topics = [Topic(title=t, raised_by="村民代表", decision="由村两委牵头落实" if s != "open" else "",
                                owner="网格员" if s != "open" else "", state=s if s != "case" else "solved",
                                solved_at=now if s != "open" else None) for t, s in titles]
        db.session.add(meeting)
