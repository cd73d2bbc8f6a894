"""The volunteer's phone pages (志愿者手机端): no account, known by their personal link.

Opening the personal link ``/t/<town>/volunteer/me/<token>`` once puts the token in an HttpOnly
cookie for this township's volunteer pages (SameSite=Lax, a year); from then on the phone's
camera app opening a check-in QR code (``/t/<town>/volunteer/scan?c=<code>``) shows the activity
and one button that signs in, or out when already in. Forms carry the CSRF token.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import ApiError, csrf, db, public, reads_first, utcnow, within_rate_limit
from plugins.volunteer import activities, attendance, localtime, menu, records, registration, units
from plugins.volunteer.models import Activity, Order, Signup
from plugins.volunteer.web import cookie_name, current_volunteer

bp = Blueprint("volunteer_self", __name__, url_prefix="/t/<tenant>/volunteer", template_folder="templates")
YEAR = 365 * 24 * 3600
# anonymous self-registrations per address and hour (config VOLUNTEER_REGISTER_LIMIT): enough for a
# registration drive on a community's one network, not for a script filling the pending list
REGISTER_LIMIT = "20 per hour"


def _result(message: str, status: int = 200, ok: bool = True):
    return render_template("volunteer/self_result.html", message=message, ok=ok), status


@bp.get("/me/<token>")
@public
def open_link(token: str):
    volunteer = registration.by_token(token)
    if volunteer is None:
        return _result(_("链接无效或已更换，请向社区索取新的个人链接"), 404, ok=False)
    return _keep_token(redirect(url_for(".home")), token)


def _keep_token(resp, token: str):
    resp.set_cookie(cookie_name(g.tenant), token, max_age=YEAR, httponly=True, samesite="Lax",
                    secure=request.is_secure, path=f"/t/{g.tenant.slug}/volunteer")
    return resp


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """Register on one's own phone (自主报到): residents, outsiders and in-service party members
    (在职党员, naming their unit and branch); pending until the community confirms."""
    from marshmallow import ValidationError

    from plugins.volunteer import units
    from plugins.volunteer.pages import form_errors, values_of
    from plugins.volunteer.schemas import VolunteerIn

    errors, values, status = {}, {}, 200
    if request.method == "POST":
        csrf.protect()
        if not within_rate_limit(current_app.config.get("VOLUNTEER_REGISTER_LIMIT") or REGISTER_LIMIT,
                                 "volunteer-register", request.remote_addr or "?"):
            message = _("同一网络提交报到过于频繁，请稍后再试")
            return render_template("volunteer/self_register.html", errors={"_form": [message]}, values={},
                                   grids=_communities(), units=units.county_units(g.tenant)), 429
        values = values_of(request.form)
        data = {k: v for k, v in values.items() if k in ("name", "mobile", "grid_id", "unit_id", "party_branch",
                                                         "skills", "availability")}
        data["skills"] = [s.strip() for s in data.get("skills", "").replace("，", ",").split(",") if s.strip()]
        data["is_party_member"] = bool(values.get("is_party_member"))
        try:
            clean = VolunteerIn().load(data)
            problems = {k: [_("必填")] for k in ("name", "mobile", "grid_id") if clean.get(k) is None}
            if problems:
                raise ApiError(422, "validation_error", _("请填写姓名、手机号并选择报到社区"), problems)
            if clean["grid_id"] not in {gr.id for gr in _communities()}:
                raise ApiError(422, "validation_error", _("请选择报到社区"), {"grid_id": [_("请选择报到社区")]})
            volunteer, token = registration.register_self(g.tenant, clean)
            db.session.commit()
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            errors, status = form_errors(exc), 422
        else:
            page, _status = _result(_("报到已提交：%(name)s。社区确认后，这部手机即可报名活动和扫码签到",
                                      name=volunteer.name))
            return _keep_token(make_response(page), token)
    return render_template("volunteer/self_register.html", errors=errors, values=values, grids=_communities(),
                           units=units.county_units(g.tenant)), status


def _communities():
    from core.toolkit import Grid, GridStatus

    return list(db.session.scalars(select(Grid).where(Grid.status == GridStatus.active, Grid.level == 1)
                                   .order_by(Grid.path)))


@bp.get("/me")
@public
def home():
    volunteer = current_volunteer(required=False)
    if volunteer is None:
        if registration.pending_by_token(request.cookies.get(cookie_name(g.tenant))) is not None:
            return _result(_("您的报到正在等待社区确认，确认后即可报名和扫码签到"), 200)
        return _result(_("请先打开社区发给您的志愿者个人链接"), 401, ok=False)
    now = utcnow()
    mine = db.session.scalars(select(Signup).join(Activity, Activity.id == Signup.activity_id)
                              .where(Signup.volunteer_id == volunteer.id, Signup.status.in_(activities.LIVE),
                                     Activity.ends_at > now).order_by(Activity.starts_at)).all()
    taken = {s.activity_id for s in mine}
    upcoming = [a for a in db.session.scalars(select(Activity).where(Activity.status == "open",
                                                                     Activity.starts_at > utcnow())
                                              .order_by(Activity.starts_at).limit(30)) if a.id not in taken]
    orders = db.session.scalars(select(Order).where((Order.status == "open") | (
        (Order.volunteer_id == volunteer.id) & Order.status.in_(("claimed", "done")))).order_by(Order.id.desc())
        .limit(30)).all()
    total = records.totals(volunteer_ids=[volunteer.id])
    year = localtime.local_now().year
    this_year = records.totals(*localtime.year_bounds(year), volunteer_ids=[volunteer.id])
    target = None
    if volunteer.unit_id is not None:  # an in-service party member: their unit's yearly target (双报到)
        target = next((u.annual_target_hours for u in units.county_units(g.tenant) if u.id == volunteer.unit_id), None)
    served = list(reversed(records.records_of(volunteer.id)))[:20]
    return render_template("volunteer/self_home.html", volunteer=volunteer, mine=mine, upcoming=upcoming,
                           orders=orders, hours=total[0]["hours"] if total else 0.0, now=now, year=year,
                           year_hours=this_year[0]["hours"] if this_year else 0.0, target=target, served=served)


def _act(fn, done_message: str):
    csrf.protect()
    volunteer = current_volunteer(required=False)
    if volunteer is None:
        return _result(_("请先打开社区发给您的志愿者个人链接"), 401, ok=False)
    try:
        fn(volunteer)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return _result(exc.message, exc.status, ok=False)
    return _result(done_message)


@bp.post("/me/signups/<int:activity_id>")
@public
def sign_up(activity_id: int):
    wait = request.form.get("waitlist") == "1"
    return _act(lambda v: activities.sign_up(g.tenant, activities.get_activity(activity_id), v, waitlist=wait),
                _("报名成功"))


@bp.post("/me/signups/<int:activity_id>/cancel")
@public
def cancel(activity_id: int):
    return _act(lambda v: activities.cancel_signup(g.tenant, activities.get_activity(activity_id), v), _("已取消报名"))


@bp.post("/me/orders/<int:order_id>/claim")
@public
def claim(order_id: int):
    return _act(lambda v: menu.claim(g.tenant, menu.get_order(order_id), v), _("已认领，请按约上门服务"))


@bp.post("/me/orders/<int:order_id>/done")
@public
def done(order_id: int):
    try:
        hours = float(request.form.get("hours", ""))
    except ValueError:
        return _result(_("请填写服务时长（小时）"), 422, ok=False)
    return _act(lambda v: menu.mark_done(g.tenant, menu.get_order(order_id), v, hours, request.form.get("note", "")),
                _("已提交，等待群众或网格员确认"))


@bp.route("/scan", methods=["GET", "POST"])
@public
@reads_first
def scan_page():
    """What the phone opens from the leader's QR code: confirm, then sign in or out."""
    code = request.values.get("c", "")
    volunteer = current_volunteer(required=False)
    if volunteer is None:
        return _result(_("请先打开社区发给您的志愿者个人链接，再扫码签到"), 401, ok=False)
    try:
        activity = attendance.read_code(g.tenant, code)
    except ApiError as exc:
        return _result(exc.message, exc.status, ok=False)
    if request.method == "GET":
        row = attendance.attendance_of(activity, volunteer)
        return render_template("volunteer/self_scan.html", activity=activity, volunteer=volunteer, row=row, code=code)
    csrf.protect()
    title = activity.title
    try:
        done, row = attendance.scan(g.tenant, code, volunteer)  # commits its write
    except ApiError as exc:
        db.session.rollback()
        return _result(exc.message, exc.status, ok=False)
    if done == "in":
        return _result(_("签到成功：%(title)s", title=title))
    return _result(_("签退成功：本次服务 %(hours)s 小时", hours=row.hours))
