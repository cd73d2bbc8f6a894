"""The volunteer's phone pages (志愿者手机端): no account, known by their personal link.

Opening the personal link ``/t/<town>/volunteer/me/<token>`` once puts the token in an HttpOnly
cookie for this township's volunteer pages (SameSite=Lax, a year); from then on the phone's
camera app opening a check-in QR code (``/t/<town>/volunteer/scan?c=<code>``) shows the activity
and one button that signs in, or out when already in. Forms carry the CSRF token.
"""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import ApiError, csrf, db, public, reads_first, utcnow
from plugins.volunteer import activities, attendance, menu, records, registration
from plugins.volunteer.models import Activity, Order, Signup
from plugins.volunteer.web import cookie_name, current_volunteer

bp = Blueprint("volunteer_self", __name__, url_prefix="/t/<tenant>/volunteer", template_folder="templates")
YEAR = 365 * 24 * 3600


def _result(message: str, status: int = 200, ok: bool = True):
    return render_template("volunteer/self_result.html", message=message, ok=ok), status


@bp.get("/me/<token>")
@public
def open_link(token: str):
    volunteer = registration.by_token(token)
    if volunteer is None:
        return _result(_("链接无效或已更换，请向社区索取新的个人链接"), 404, ok=False)
    resp = redirect(url_for(".home"))
    resp.set_cookie(cookie_name(g.tenant), token, max_age=YEAR, httponly=True, samesite="Lax",
                    secure=request.is_secure, path=f"/t/{g.tenant.slug}/volunteer")
    return resp


@bp.get("/me")
@public
def home():
    volunteer = current_volunteer(required=False)
    if volunteer is None:
        return _result(_("请先打开社区发给您的志愿者个人链接"), 401, ok=False)
    mine = db.session.scalars(select(Signup).where(Signup.volunteer_id == volunteer.id,
                                                   Signup.status.in_(activities.LIVE)).order_by(Signup.id)).all()
    taken = {s.activity_id for s in mine}
    upcoming = [a for a in db.session.scalars(select(Activity).where(Activity.status == "open",
                                                                     Activity.starts_at > utcnow())
                                              .order_by(Activity.starts_at).limit(30)) if a.id not in taken]
    orders = db.session.scalars(select(Order).where((Order.status == "open") | (
        (Order.volunteer_id == volunteer.id) & Order.status.in_(("claimed", "done")))).order_by(Order.id.desc())
        .limit(30)).all()
    total = records.totals(volunteer_ids=[volunteer.id])
    return render_template("volunteer/self_home.html", volunteer=volunteer, mine=mine, upcoming=upcoming,
                           orders=orders, hours=total[0]["hours"] if total else 0.0)


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
