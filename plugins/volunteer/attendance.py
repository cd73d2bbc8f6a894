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
from contextlib import contextmanager

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.toolkit import ApiError, audit, db, immediate_transaction, utcnow
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


def _invalid() -> ApiError:
    return ApiError(400, "qr_invalid", _("签到码无效"), {"code": [_("无效")]})


def activity_id_of(tenant, code: str | None) -> int:
    """The activity id a scanned code names, checked without the database; 400 ``qr_expired`` /
    ``qr_invalid`` otherwise."""
    if not code or len(code) > 300:
        raise _invalid()
    grace = settings(tenant)["qr_grace_seconds"]
    try:
        tenant_id, activity_id, _minute = _serializer().loads(code, max_age=WINDOW + grace)
    except SignatureExpired:
        raise ApiError(400, "qr_expired", _("签到码已过期，请扫描带队人手机上的最新二维码"),
                       {"code": [_("已过期")]})
    except (BadSignature, ValueError, TypeError):
        raise _invalid()
    if tenant_id != tenant.id or not isinstance(activity_id, int):
        raise _invalid()
    return activity_id


def read_code(tenant, code: str | None) -> Activity:
    """The activity a scanned code is for; 400 ``qr_expired`` / ``qr_invalid`` otherwise."""
    activity = db.session.get(Activity, activity_id_of(tenant, code))
    if activity is None:
        raise _invalid()
    return activity


def hours_between(activity: Activity, checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> float:
    seconds = max((checked_out_at - checked_in_at).total_seconds(), 0)
    return round(min(seconds / 3600, activity.length_hours), 2)


def attendance_of(activity: Activity, volunteer: Volunteer) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.activity_id == activity.id,
                                                      Attendance.volunteer_id == volunteer.id))


def scan(tenant, code: str, volunteer: Volunteer, action: str = "auto") -> tuple[str, Attendance]:
    """A volunteer's scan: ``("in", row)`` or ``("out", row)``, committed. ``action`` in/out/auto.

    The burst's hot path, so it holds SQLite's write lock only to write: the code, the activity,
    the place and any check-in are read first (one query, in the view's deferred transaction,
    see :func:`core.toolkit.reads_first`), every refusal is decided there, and the write is one
    short :func:`~core.toolkit.immediate_transaction`. The unique ``(tenant, activity,
    volunteer)`` row still decides a race between two phones of one volunteer (the second gets
    409), and a check-out is a guarded ``UPDATE ... WHERE checked_out_at IS NULL``. What was read
    stays loaded across the commits, so answering needs no further query.
    """
    activity_id = activity_id_of(tenant, code)
    if volunteer.status != "confirmed":
        raise ApiError(403, "not_confirmed", _("报到尚未确认"))
    place_of = (Signup.activity_id == Activity.id) & (Signup.volunteer_id == volunteer.id)
    attended = (Attendance.activity_id == Activity.id) & (Attendance.volunteer_id == volunteer.id)
    found = db.session.execute(select(Activity, Signup.status, Attendance).outerjoin(Signup, place_of)
                               .outerjoin(Attendance, attended).where(Activity.id == activity_id)).first()
    if found is None:
        raise _invalid()
    activity, place, row = found
    if action == "out" or (action == "auto" and row is not None):
        return "out", check_out(tenant, activity, row)
    if row is not None:
        raise ApiError(409, "already_checked_in", _("已签到"))
    return "in", check_in(tenant, activity, volunteer, has_place=place == "confirmed")


@contextmanager
def _write_keeping_reads():
    """:func:`~core.toolkit.immediate_transaction` (it first ends the read transaction), with the
    rows already read left loaded instead of expired: the answer is made from them and from what
    was written, not from another round of queries."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        if session.get_bind().dialect.name == "sqlite":
            with immediate_transaction():
                yield
            return
        # PostgreSQL takes no lock to read, so the reads' transaction goes on into the write
        # (two round trips fewer); row locks and the unique index decide the races
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.expire_on_commit = keep


def check_in(tenant, activity: Activity, volunteer: Volunteer, has_place: bool | None = None) -> Attendance:
    """Sign ``volunteer`` in at ``activity`` now, in its own write transaction (committed)."""
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
    row = Attendance(activity_id=activity.id, volunteer_id=volunteer.id, checked_in_at=now, missing_checkout=False,
                     corrected=False)
    try:
        with _write_keeping_reads():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # a twin scan of the same volunteer committed first
        raise ApiError(409, "already_checked_in", _("已签到")) from None
    return row


def check_out(tenant, activity: Activity, row: Attendance | None) -> Attendance:
    """Sign out of ``row`` now, record its hours and announce them, in one write transaction."""
    if row is None:
        raise ApiError(409, "not_checked_in", _("尚未签到，不能签退"))
    if row.checked_out_at is not None:
        raise ApiError(409, "already_checked_out", _("已签退"))
    conf = settings(tenant)
    now = utcnow()
    if now - row.checked_in_at < dt.timedelta(minutes=conf["min_minutes_before_checkout"]):
        raise ApiError(409, "just_checked_in", _("刚刚签到，稍后再扫码签退"))
    hours, row_id = hours_between(activity, row.checked_in_at, now), row.id
    with _write_keeping_reads():
        closed = db.session.execute(
            update(Attendance).where(Attendance.id == row_id, Attendance.checked_out_at.is_(None))
            .values(checked_out_at=now, hours=hours, closed_by="scan")
            .execution_options(synchronize_session=False)).rowcount
        if closed != 1:  # a twin scan closed it first
            raise ApiError(409, "already_checked_out", _("已签退"))
        row = db.session.get(Attendance, row_id, populate_existing=True)
        records.record_attendance(tenant, activity, row)
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
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the volunteer's own scan got in first
        raise ApiError(409, "already_checked_in", _("已签到")) from None
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
