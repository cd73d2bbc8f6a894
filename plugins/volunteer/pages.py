"""Console pages (志愿服务页面): overview, volunteers and registration, activities with sign-ups,
attendance and corrections, and the leader's rotating QR screen. Menu, orders, hours, exports
and posts are in ``pages_menu.py``. Forms are re-shown with the reason beside each field and
what was typed kept."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import N_, ApiError, Grid, GridStatus, confirm_first, db, requires, typed, utcnow
from core.toolkit import form_errors as field_problems
from plugins.volunteer import activities, attendance, localtime, posts, registration, stats, units
from plugins.volunteer.models import Activity, Attendance, Volunteer
from plugins.volunteer.permissions import LEAD, MANAGE, REGISTER, VIEW, can_lead, can_manage, require_lead
from plugins.volunteer.schemas import ActivityIn, CorrectionIn, LeaderCheckinIn, VolunteerIn
from plugins.volunteer.web import grid_by_id, volunteer_by_id

bp = Blueprint("volunteer_pages", __name__, url_prefix="/t/<tenant>/volunteer", template_folder="templates")
assets = Blueprint("volunteer_assets", __name__, static_folder="static", static_url_path="/assets/volunteer")

STATUS = {"pending": N_("待确认"), "confirmed": N_("已确认"), "rejected": N_("未通过"), "withdrawn": N_("已退出"),
          "waiting": N_("候补"), "cancelled": N_("已取消"), "open": N_("进行中")}
UNIT_KINDS = {"government": N_("机关"), "institution": N_("事业单位"), "state_enterprise": N_("国有企业"),
              "other": N_("其他")}


@bp.app_template_filter("vol_time")
def vol_time(value, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in Beijing time."""
    return localtime.fmt(value, pattern)


@bp.app_template_filter("vol_status")
def vol_status(value: str) -> str:
    return _(STATUS[value]) if value in STATUS else value


PHASES = {"upcoming": N_("未开始"), "running": N_("进行中"), "over": N_("已结束"), "cancelled": N_("已取消")}


@bp.app_template_filter("vol_phase")
def vol_phase(activity) -> str:
    """Where an activity stands now: not started, running, over or cancelled."""
    now = utcnow()
    phase = ("cancelled" if activity.status == "cancelled" else "upcoming" if now < activity.starts_at
             else "over" if now > activity.ends_at else "running")
    return _(PHASES[phase])


def form_errors(exc) -> dict:
    """Field → list of reasons in the page's language (nested fields named with dots), from a
    marshmallow or an API error; an API error's sentence under ``_form``."""
    errors = field_problems(exc)
    if isinstance(exc, ApiError) and exc.fields and exc.message:
        errors.setdefault("_form", []).insert(0, exc.message)
    return errors


def values_of(form, lists=()) -> dict:
    data = {k: v for k, v in form.items() if v != "" and k != "csrf_token" and k not in lists}
    for name in lists:
        picked = [v for v in form.getlist(name) if v != ""]
        if picked:
            data[name] = picked
    return data


def active_grids() -> list[Grid]:
    return list(db.session.scalars(select(Grid).where(Grid.status == GridStatus.active).order_by(Grid.path)))


@bp.get("/")
@requires(VIEW)
def index():
    upcoming = db.session.scalars(select(Activity).where(Activity.status == "open", Activity.ends_at > utcnow())
                                  .order_by(Activity.starts_at).limit(20)).all()
    pending = db.session.scalars(select(Volunteer).where(Volunteer.status == "pending").order_by(Volunteer.id)).all()
    return render_template("volunteer/index.html", numbers=stats.numbers(), upcoming=upcoming, pending=pending,
                           missing=attendance.missing_checkouts() if can_manage() else [])


@bp.get("/volunteers")
@requires(VIEW)
def volunteers():
    stmt = select(Volunteer).order_by(Volunteer.status, Volunteer.id.desc())
    status = request.args.get("status")
    if status:
        stmt = stmt.where(Volunteer.status == status)
    if request.args.get("party") == "1":
        stmt = stmt.where(Volunteer.is_party_member.is_(True))
    rows = db.session.scalars(stmt.limit(500)).all()
    if can_manage():
        registration.reveal(rows)
        db.session.commit()
    return render_template("volunteer/volunteers.html", rows=rows, status=status, mask=registration.mask,
                           shown=registration.shown_mobile, full=can_manage())


@bp.route("/volunteers/new", methods=["GET", "POST"])
@requires(REGISTER)
def new_volunteer():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = values_of(request.form, lists=("skills_list", "post_ids"))
        data = dict(values)
        if data.get("skills"):
            data["skills"] = [s.strip() for s in data["skills"].replace("，", ",").split(",") if s.strip()]
        data["is_party_member"] = bool(data.pop("is_party_member", False))
        try:
            clean = VolunteerIn().load(data)
            clean.pop("confirm", None)
            if clean.get("grid_id") is not None:
                grid_by_id(clean["grid_id"])
            volunteer = registration.register(g.tenant, clean)
            db.session.commit()
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            errors, status = form_errors(exc), 422
        else:
            flash(_("已登记报到：%(name)s，待社区确认", name=volunteer.name), "success")
            return redirect(url_for(".volunteer", volunteer_id=volunteer.id))
    return render_template("volunteer/volunteer_form.html", errors=errors, values=values, grids=active_grids(),
                           units=units.county_units(g.tenant), posts=posts.posts(active_only=True)), status


@bp.get("/volunteers/<int:volunteer_id>")
@requires(VIEW)
def volunteer(volunteer_id: int, link: str | None = None):
    from plugins.volunteer import records

    row = registration.get_volunteer(volunteer_id)
    post_ids = set(registration.post_ids_of(row))
    if can_manage():
        registration.reveal([row])
        db.session.commit()
    return render_template("volunteer/volunteer.html", v=row, link=link, mask=registration.mask,
                           shown=registration.shown_mobile, full=can_manage(),
                           posts=[p for p in posts.posts() if p.id in post_ids],
                           services=records.records_of(row.id), can_manage=can_manage())


@bp.post("/volunteers/<int:volunteer_id>/<any(confirm,reject,withdraw):action>")
@requires(MANAGE)
def decide(volunteer_id: int, action: str):
    row = registration.get_volunteer(volunteer_id)
    try:
        if action == "confirm":
            token = registration.confirm_volunteer(g.tenant, row)
        elif action == "reject":
            registration.reject_volunteer(g.tenant, row, (request.form.get("reason") or _("不符合条件"))[:200])
        else:
            confirm_first(_("确认让 %(name)s 退出志愿者？", name=row.name),
                          [_("个人链接失效，不能再报名、扫码或认领点单"), _("已有的服务记录和时长保留")], _("确认退出"))
            registration.withdraw(g.tenant, row)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".volunteer", volunteer_id=volunteer_id))
    if action == "confirm" and token is None:
        flash(_("已确认。报到者是用本人手机报到的，这部手机已可报名和扫码签到，无需再发送个人链接"), "success")
        return redirect(url_for(".volunteer", volunteer_id=volunteer_id))
    if action != "confirm":
        flash(_("已处理"), "success")
        return redirect(url_for(".volunteer", volunteer_id=volunteer_id))
    # the personal link is shown once, on this answer only
    link = url_for("volunteer_self.open_link", token=token, _external=True)
    return volunteer(volunteer_id, link=link), 200, {"Cache-Control": "no-store"}


@bp.get("/activities")
@requires(VIEW)
def activities_list():
    rows = db.session.scalars(select(Activity).order_by(Activity.starts_at.desc()).limit(300)).all()
    return render_template("volunteer/activities.html", rows=rows, can_manage=can_manage())


@bp.route("/activities/new", methods=["GET", "POST"])
@requires(MANAGE)
def new_activity():
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = values_of(request.form)
        try:
            data = ActivityIn().load(values)
            grid_by_id(data["grid_id"])
            act = activities.create_activity(g.tenant, data, current_user.id)
            db.session.commit()
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            errors, status = form_errors(exc), 422
        else:
            flash(_("活动已发布"), "success")
            return redirect(url_for(".activity", activity_id=act.id))
    return render_template("volunteer/activity_form.html", errors=errors, values=values, grids=active_grids(),
                           posts=posts.posts(active_only=True), teams=posts.teams()), status


@bp.get("/activities/<int:activity_id>")
@requires(VIEW)
def activity(activity_id: int):
    return _activity_page(activities.get_activity(activity_id))


def _activity_page(act, kept: dict | None = None, status: int = 200):
    """The activity's page; after a refused sign-in by hand (``kept["leader"]``) or correction
    (``kept["c<id>"]``) that form again with what was typed and each problem beside its field."""
    rows = db.session.scalars(select(Attendance).where(Attendance.activity_id == act.id).order_by(Attendance.id)).all()
    signups = activities.signups_of(act)
    attended = {r.volunteer_id for r in rows}
    return render_template("volunteer/activity.html", a=act, signups=signups, attendance=rows, can_lead=can_lead(act),
                           absent=[s.volunteer for s in signups if s.status == "confirmed" and s.volunteer_id not in attended],
                           kept=kept or {}), status


def refused_form(key: str, exc: Exception) -> dict:
    """``{key: {"values": what was typed, "errors": each problem by field}}`` for a page holding
    several forms, after rolling back what the refused one began."""
    db.session.rollback()
    return {key: {"values": typed(request.form), "errors": form_errors(exc)}}


@bp.get("/activities/<int:activity_id>/qr")
@requires(LEAD)
def qr_screen(activity_id: int):
    """The leader's screen: the QR code, refreshed by static/qr.js from the code endpoint."""
    act = activities.get_activity(activity_id)
    require_lead(act)
    code = attendance.issue_code(g.tenant, act)
    url = url_for("volunteer_self.scan_page", c=code["code"], _external=True)
    return render_template("volunteer/qr.html", a=act, code=code["code"], url=url,
                           code_url=url_for("volunteer.checkin_code", activity_id=act.id),
                           png_url=url_for(".qr_png", activity_id=act.id)), 200, {"Cache-Control": "no-store"}


@bp.get("/activities/<int:activity_id>/qr.png")
@requires(LEAD)
def qr_png(activity_id: int):
    """The QR image of a code the leader's screen was given (``?c=``); only this activity's codes."""
    import qrcode

    act = activities.get_activity(activity_id)
    require_lead(act)
    try:
        if attendance.read_code(g.tenant, request.args.get("c")).id != act.id:
            abort(404)
    except ApiError:
        abort(404)
    img = qrcode.make(url_for("volunteer_self.scan_page", c=request.args["c"], _external=True), box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return send_file(buf, mimetype="image/png", max_age=0)


@bp.post("/activities/<int:activity_id>/attendance")
@requires(LEAD)
def record_by_leader(activity_id: int):
    """The leader signs in by hand someone whose phone failed (补签), with a reason."""
    act = activities.get_activity(activity_id)
    require_lead(act)
    try:
        data = LeaderCheckinIn().load(values_of(request.form))
        volunteer = volunteer_by_id(data.pop("volunteer_id"))
        attendance.record_by_leader(g.tenant, act, volunteer, data, current_user.id)
        db.session.commit()
        flash(_("已补签：%(name)s", name=volunteer.name), "success")
    except (ValidationError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        kept = refused_form("leader", exc)
        return _activity_page(activities.get_activity(activity_id), kept, 409 if getattr(exc, "status", 422) == 409 else 422)
    return redirect(url_for(".activity", activity_id=activity_id))


@bp.post("/attendance/<int:attendance_id>/correct")
@requires(LEAD)
def correct(attendance_id: int):
    row = db.session.get(Attendance, attendance_id)
    if row is None:
        abort(404)
    require_lead(row.activity)
    try:
        data = CorrectionIn().load(values_of(request.form))
        attendance.correct(g.tenant, row, data, current_user.id)
        db.session.commit()
        flash(_("已更正"), "success")
    except (ValidationError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        kept = refused_form(f"c{attendance_id}", exc)
        return _activity_page(db.session.get(Attendance, attendance_id).activity, kept,
                              409 if getattr(exc, "status", 422) == 409 else 422)
    return redirect(url_for(".activity", activity_id=row.activity_id))
