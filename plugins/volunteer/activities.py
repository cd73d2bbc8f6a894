"""Activities and sign-ups (活动报名): slots, no overlapping bookings, a waiting list that moves up.

Slots are a count that concurrent sign-ups must never exceed. A place is taken only by the
guarded ``UPDATE volunteer_activity SET taken = taken + 1 WHERE id = :id AND taken < slots``
with a row-count check, inside the request's write transaction (BEGIN IMMEDIATE on SQLite); a
place is given back by ``taken - 1 WHERE taken > 0``, and the first waiting volunteer (候补, by
``queued_at``) moves up in the same transaction through the same guarded update. Overlap is
checked against the volunteer's other confirmed or waiting sign-ups, under a row lock on the
volunteer (``FOR UPDATE`` on PostgreSQL; the IMMEDIATE transaction on SQLite), so two sign-ups of
one volunteer at once cannot both pass it. Refusals: past or started activity 409
``activity_started``, full 409 ``activity_full`` (unless ``waitlist``), overlapping 409
``overlapping``, cancelled activity 409, cancellation after the cut-off 409 ``cutoff_passed``.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.toolkit import ApiError, audit, db, utcnow
from plugins.volunteer.models import Activity, Post, Signup, Team, Volunteer
from plugins.volunteer.web import settings
from core.toolkit import gettext as _

LIVE = ("confirmed", "waiting")


def get_activity(activity_id) -> Activity:
    row = db.session.get(Activity, activity_id) if isinstance(activity_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("活动不存在"))
    return row


def _check_refs(data: dict) -> None:
    if "post_id" in data:
        post = db.session.get(Post, data["post_id"])
        if post is None or not post.active:
            raise ApiError(422, "validation_error", _("岗位不存在"), {"post_id": [_("岗位不存在")]})
    if data.get("team_id") is not None and db.session.get(Team, data["team_id"]) is None:
        raise ApiError(422, "validation_error", _("服务队不存在"), {"team_id": [_("服务队不存在")]})


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ApiError(422, "validation_error", _("结束时间须晚于开始时间"),
                       {"ends_at": [_("须晚于开始时间")]})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ApiError(422, "validation_error", _("一次活动最长24小时"),
                       {"ends_at": [_("一次活动最长24小时")]})


def create_activity(tenant, data: dict, leader_user_id: int | None) -> Activity:
    """Publish an activity; times are UTC here (the API and pages convert from Beijing time)."""
    _check_refs(data)
    _check_times(data["starts_at"], data["ends_at"])
    if data["starts_at"] <= utcnow():
        raise ApiError(422, "validation_error", _("开始时间已过"),
                       {"starts_at": [_("开始时间已过")]})
    activity = Activity(leader_user_id=data.pop("leader_user_id", None) or leader_user_id, taken=0, **data)
    db.session.add(activity)
    db.session.flush()
    audit("volunteer.activity_create", activity, after={"title": activity.title, "slots": activity.slots})
    return activity


def update_activity(tenant, activity: Activity, data: dict) -> Activity:
    _check_refs(data)
    _check_times(data.get("starts_at", activity.starts_at), data.get("ends_at", activity.ends_at))
    if "slots" in data and data["slots"] < activity.taken:
        raise ApiError(409, "slots_below_taken", _("已有 %(taken)s 人报名，名额不能少于此数", taken=activity.taken),
                       {"slots": [_("不少于 %(taken)s", taken=activity.taken)]})
    before = {"title": activity.title, "slots": activity.slots}
    for key, value in data.items():
        setattr(activity, key, value)
    db.session.flush()
    if "slots" in data:
        _fill_from_waiting(activity)
    audit("volunteer.activity_update", activity, before=before, after={"title": activity.title, "slots": activity.slots})
    return activity


def cancel_activity(tenant, activity: Activity) -> None:
    activity.status = "cancelled"
    db.session.flush()
    audit("volunteer.activity_cancel", activity)


def _lock_volunteer(volunteer: Volunteer) -> None:
    db.session.execute(select(Volunteer.id).where(Volunteer.id == volunteer.id).with_for_update())


def _overlapping(volunteer: Volunteer, activity: Activity) -> Activity | None:
    stmt = (select(Activity).join(Signup, Signup.activity_id == Activity.id)
            .where(Signup.volunteer_id == volunteer.id, Signup.status.in_(LIVE), Activity.id != activity.id,
                   Activity.status == "open", Activity.starts_at < activity.ends_at,
                   Activity.ends_at > activity.starts_at).limit(1))
    return db.session.scalar(stmt)


def _take_place(activity: Activity) -> bool:
    """The guarded increment: True when a place was free and is now taken."""
    result = db.session.execute(update(Activity).where(Activity.id == activity.id, Activity.taken < Activity.slots)
                                .values(taken=Activity.taken + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _give_place(activity: Activity) -> None:
    db.session.execute(update(Activity).where(Activity.id == activity.id, Activity.taken > 0)
                       .values(taken=Activity.taken - 1).execution_options(synchronize_session=False))


def sign_up(tenant, activity: Activity, volunteer: Volunteer, *, waitlist: bool = False) -> Signup:
    """Sign ``volunteer`` up: a confirmed place, or the waiting list when full and ``waitlist``."""
    if volunteer.status != "confirmed":
        raise ApiError(409, "not_confirmed", _("报到尚未确认"))
    if activity.status != "open":
        raise ApiError(409, "activity_cancelled", _("活动已取消"))
    if activity.starts_at <= utcnow():
        raise ApiError(409, "activity_started", _("活动已开始或已结束，不能报名"))
    _lock_volunteer(volunteer)
    signup = db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                    Signup.volunteer_id == volunteer.id))
    if signup is not None and signup.status in LIVE:
        raise ApiError(409, "already_signed_up", _("已报名该活动"))
    clash = _overlapping(volunteer, activity)
    if clash is not None:
        raise ApiError(409, "overlapping", _("与已报名的活动时间冲突：%(title)s", title=clash.title),
                       {"activity_id": [_("时间冲突：%(title)s", title=clash.title)]})
    if _take_place(activity):
        status = "confirmed"
    elif waitlist:
        status = "waiting"
    else:
        raise ApiError(409, "activity_full", _("名额已满，可加入候补"))
    now = utcnow()
    if signup is None:
        signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id, status=status, queued_at=now)
        db.session.add(signup)
    else:
        signup.status, signup.queued_at, signup.cancelled_at = status, now, None
    signup.confirmed_at = now if status == "confirmed" else None
    try:
        db.session.flush()
    except IntegrityError:
        raise ApiError(409, "already_signed_up", _("已报名该活动"))
    db.session.refresh(activity)
    audit("volunteer.sign_up", signup, after={"status": status, "activity_id": activity.id})
    return signup


def cutoff(tenant, activity: Activity) -> dt.datetime:
    hours = settings(tenant)["cancel_cutoff_hours"]
    return activity.starts_at - dt.timedelta(hours=hours)


def cancel_signup(tenant, activity: Activity, volunteer: Volunteer, *, by_office: bool = False) -> Signup:
    """Cancel before the cut-off (the office may cancel later); the first waiting one moves up."""
    signup = db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                    Signup.volunteer_id == volunteer.id, Signup.status.in_(LIVE)))
    if signup is None:
        raise ApiError(404, "not_signed_up", _("未报名该活动"))
    if not by_office and utcnow() >= cutoff(tenant, activity):
        raise ApiError(409, "cutoff_passed", _("已过取消截止时间，请联系带队人"))
    was_confirmed = signup.status == "confirmed"
    signup.status, signup.cancelled_at = "cancelled", utcnow()
    db.session.flush()
    if was_confirmed:
        _give_place(activity)
        _fill_from_waiting(activity)
    db.session.refresh(activity)
    audit("volunteer.cancel_signup", signup, after={"activity_id": activity.id})
    return signup


def _fill_from_waiting(activity: Activity) -> list[Signup]:
    """Move waiting volunteers up (先到先得) while places are free."""
    moved = []
    while True:
        nxt = db.session.scalar(select(Signup).where(Signup.activity_id == activity.id, Signup.status == "waiting")
                                .order_by(Signup.queued_at, Signup.id).limit(1))
        if nxt is None or not _take_place(activity):
            return moved
        nxt.status, nxt.confirmed_at = "confirmed", utcnow()
        db.session.flush()
        audit("volunteer.moved_up", nxt, after={"activity_id": activity.id})
        moved.append(nxt)


def signups_of(activity: Activity, statuses=LIVE) -> list[Signup]:
    return list(db.session.scalars(select(Signup).where(Signup.activity_id == activity.id, Signup.status.in_(statuses))
                                   .order_by(Signup.status, Signup.queued_at, Signup.id)))


def confirmed_signup(activity: Activity, volunteer: Volunteer) -> Signup | None:
    return db.session.scalar(select(Signup).where(Signup.activity_id == activity.id, Signup.volunteer_id == volunteer.id,
                                                  Signup.status == "confirmed"))
