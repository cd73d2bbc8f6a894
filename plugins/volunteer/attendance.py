"""Check-in and check-out (扫码签到签退) by the leader's rotating QR code, corrections, closing.

The code is an itsdangerous ``URLSafeTimedSerializer`` token over ``[tenant_id, activity_id,
minute]``, signed with the app's secret key (salt ``volunteer.checkin``). The leader's page asks
for a fresh one every 20 seconds, so what it shows changes at least every minute; a code is
accepted for :data:`WINDOW` seconds from its signing plus the township's grace (15 s by
default), so a photo of it is useless a minute later. A code of another activity or township, a
tampered or made-up one answers 400 ``qr_invalid``; an old one 400 ``qr_expired``.

A scan by a confirmed volunteer with a confirmed place signs in; scanning again signs out
(not before ``min_minutes_before_checkout``, so a double tap does not end a visit). The unique
``(tenant, activity, volunteer)`` row makes a check-in happen once: a concurrent twin gets 409.
Hours are ``checked_out - checked_in`` capped by the activity's length. Check-ins that were never
closed are flagged ``missing_checkout`` and closed at the activity's end by
:func:`close_missing_checkouts` (run by the CLI now, by a schedule once core has them).
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.toolkit import ApiError, audit, db, utcnow
from plugins.volunteer import activities, records
from plugins.volunteer.web import settings
from plugins.volunteer.models import Activity, Attendance, Correction, Signup, Volunteer
from core.toolkit import gettext as _

WINDOW = 60  # seconds a code is meant to live; the township's grace is added when checking
SALT = "volunteer.checkin"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_code(tenant, activity: Activity) -> dict:
    """A fresh check-in code for ``activity``: ``code``, ``expires_in`` seconds, ``window``."""
    minute = int(utcnow().timestamp() // 60)
    code = _serializer().dumps([tenant.id, activity.id, minute])
    return {"code": code, "expires_in": WINDOW, "refresh_in": 20}


def read_code(tenant, code: str | None) -> Activity:
    """The activity a scanned code is for; 400 ``qr_expired`` / ``qr_invalid`` otherwise."""
    if not code or len(code) > 300:
        raise ApiError(400, "qr_invalid", _("签到码无效"), {"code": [_("无效")]})
    grace = settings(tenant)["qr_grace_seconds"]
    try:
        tenant_id, activity_id, _minute = _serializer().loads(code, max_age=WINDOW + grace)
    except SignatureExpired:
        raise ApiError(400, "qr_expired", _("签到码已过期，请扫描带队人手机上的最新二维码"),
                       {"code": [_("已过期")]})
    except (BadSignature, ValueError, TypeError):
        raise ApiError(400, "qr_invalid", _("签到码无效"), {"code": [_("无效")]})
    if tenant_id != tenant.id:
        raise ApiError(400, "qr_invalid", _("签到码无效"), {"code": [_("无效")]})
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise ApiError(400, "qr_invalid", _("签到码无效"), {"code": [_("无效")]})
    return activity


def hours_between(activity: Activity, checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> float:
    seconds = max((checked_out_at - checked_in_at).total_seconds(), 0)
    return round(min(seconds / 3600, activity.length_hours), 2)


def attendance_of(activity: Activity, volunteer: Volunteer) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.activity_id == activity.id,
                                                      Attendance.volunteer_id == volunteer.id))


def scan(tenant, code: str, volunteer: Volunteer, action: str = "auto") -> tuple[str, Attendance]:
    """A volunteer's scan: ``("in", row)`` or ``("out", row)``. ``action`` in/out/auto."""
    activity = read_code(tenant, code)
    if volunteer.status != "confirmed":
        raise ApiError(403, "not_confirmed", _("报到尚未确认"))
    # the place and any check-in in one query: a scan is the burst's hot path
    same = (Attendance.activity_id == Signup.activity_id) & (Attendance.volunteer_id == Signup.volunteer_id)
    found = db.session.execute(
        select(Signup.status, Attendance).select_from(Signup).outerjoin(Attendance, same)
        .where(Signup.activity_id == activity.id, Signup.volunteer_id == volunteer.id)).first()
    place, row = (found[0], found[1]) if found else (None, None)
    if action == "out" or (action == "auto" and row is not None):
        return "out", check_out(tenant, activity, row)
    if row is not None:
        raise ApiError(409, "already_checked_in", _("已签到"))
    return "in", check_in(tenant, activity, volunteer, has_place=place == "confirmed")


def check_in(tenant, activity: Activity, volunteer: Volunteer, has_place: bool | None = None) -> Attendance:
    conf = settings(tenant)
    now = utcnow()
    if activity.status != "open":
        raise ApiError(409, "activity_cancelled", _("活动已取消"))
    if now < activity.starts_at - dt.timedelta(minutes=conf["checkin_opens_minutes"]):
        raise ApiError(409, "too_early", _("尚未到签到时间"))
    if now > activity.ends_at:
        raise ApiError(409, "activity_over", _("活动已结束，不能签到"))
    if has_place is None:
        has_place = activities.confirmed_signup(activity, volunteer) is not None
    if not has_place:
        raise ApiError(403, "not_signed_up", _("未报名或仍在候补，不能签到"))
    row = Attendance(activity_id=activity.id, volunteer_id=volunteer.id, checked_in_at=now)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        raise ApiError(409, "already_checked_in", _("已签到"))
    return row


def check_out(tenant, activity: Activity, row: Attendance | None) -> Attendance:
    if row is None:
        raise ApiError(409, "not_checked_in", _("尚未签到，不能签退"))
    if row.checked_out_at is not None:
        raise ApiError(409, "already_checked_out", _("已签退"))
    conf = settings(tenant)
    now = utcnow()
    if now - row.checked_in_at < dt.timedelta(minutes=conf["min_minutes_before_checkout"]):
        raise ApiError(409, "just_checked_in", _("刚刚签到，稍后再扫码签退"))
    _close(tenant, activity, row, now, "scan")
    return row


def _close(tenant, activity: Activity, row: Attendance, out_at: dt.datetime, by: str) -> None:
    row.checked_out_at = out_at
    row.hours = hours_between(activity, row.checked_in_at, out_at)
    row.closed_by = by
    db.session.flush()
    records.record_attendance(tenant, activity, row)


def correct(tenant, row: Attendance, data: dict, user_id: int | None) -> Attendance:
    """A leader's correction (更正) of the times, with a reason; kept and audited."""
    activity = row.activity
    before = {"checked_in_at": row.checked_in_at.isoformat(),
              "checked_out_at": row.checked_out_at.isoformat() if row.checked_out_at else None, "hours": row.hours}
    new_in = data.get("checked_in_at", row.checked_in_at)
    new_out = data.get("checked_out_at", row.checked_out_at)
    if new_out is not None and new_out < new_in:
        raise ApiError(422, "validation_error", _("签退早于签到"),
                       {"checked_out_at": [_("须晚于签到时间")]})
    row.checked_in_at, row.corrected = new_in, True
    if new_out is not None:
        row.checked_out_at = new_out
        row.hours = hours_between(activity, new_in, new_out)
        row.closed_by = row.closed_by or "leader"
        row.missing_checkout = False
    db.session.flush()
    after = {"checked_in_at": row.checked_in_at.isoformat(),
             "checked_out_at": row.checked_out_at.isoformat() if row.checked_out_at else None, "hours": row.hours}
    db.session.add(Correction(attendance_id=row.id, user_id=user_id, reason=data["reason"], before=before, after=after))
    audit("volunteer.attendance_correct", row, before=before, after={**after, "reason": data["reason"]})
    if row.checked_out_at is not None:
        records.record_attendance(tenant, activity, row)
    return row


def record_by_leader(tenant, activity: Activity, volunteer: Volunteer, data: dict, user_id: int | None) -> Attendance:
    """A leader signs in someone whose phone failed (补签), with a reason."""
    if activities.confirmed_signup(activity, volunteer) is None:
        raise ApiError(403, "not_signed_up", _("该志愿者没有本活动的名额"))
    if attendance_of(activity, volunteer) is not None:
        raise ApiError(409, "already_checked_in", _("已签到"))
    row = Attendance(activity_id=activity.id, volunteer_id=volunteer.id, checked_in_at=data["checked_in_at"])
    db.session.add(row)
    db.session.flush()
    return correct(tenant, row, data, user_id)


def missing_checkouts(activity_ids=None) -> list[Attendance]:
    """Check-ins not closed whose activity has ended (待补签退), for the leader."""
    stmt = (select(Attendance).join(Activity, Activity.id == Attendance.activity_id)
            .where(Attendance.checked_out_at.is_(None), Activity.ends_at < utcnow()))
    if activity_ids is not None:
        stmt = stmt.where(Attendance.activity_id.in_(list(activity_ids)))
    return list(db.session.scalars(stmt.order_by(Attendance.id)))


def close_missing_checkouts(tenant) -> int:
    """Close check-ins left open ``missing_checkout_hours`` after their activity ended: checked out
    at the activity's end, flagged ``missing_checkout`` for the leader. Returns how many."""
    hours = settings(tenant)["missing_checkout_hours"]
    limit = utcnow() - dt.timedelta(hours=hours)
    stmt = (select(Attendance).join(Activity, Activity.id == Attendance.activity_id)
            .where(Attendance.checked_out_at.is_(None), Activity.ends_at <= limit).order_by(Attendance.id))
    n = 0
    for row in db.session.scalars(stmt).all():
        row.missing_checkout = True
        _close(tenant, row.activity, row, max(row.activity.ends_at, row.checked_in_at), "schedule")
        n += 1
    if n:
        audit("volunteer.close_missing_checkouts", None, object_type="volunteer_attendance", after={"closed": n})
    return n
