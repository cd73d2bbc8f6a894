"""Residents' incident pages (群众端), ``/r/<tenant>/incidents/...`` (blueprint ``incidents_resident``).

* ``track/<receipt>`` (public: the receipt number is the key): status and timeline in plain
  words, rate the outcome once, ask to reopen within the township's window;
* ``report`` (``@resident``): 随手拍 from the household card's session, linked to the household.

Another township's receipt, a second rating or a late reopen answer with a plain Chinese message
and change nothing.
"""
from __future__ import annotations

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.toolkit import ApiError, db, gettext as _, module_settings, public, resident, resident_session
from plugins.incidents import categories as cats
from plugins.incidents import receipts, services
from plugins.incidents.schemas import PublicReportIn, RateIn
from core.toolkit import localise_errors

bp = Blueprint("incidents_resident", __name__, url_prefix="/r/<tenant>/incidents", template_folder="templates")


def _csrf() -> None:
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError as CSRFError

    try:
        validate_csrf(request.form.get("csrf_token"))
    except CSRFError:
        raise ApiError(400, "csrf", _("页面已过期，请刷新后再提交。"))


def _track_page(incident, status: int = 200, error: str | None = None, notice: str | None = None):
    html = render_template("incidents/resident_track.html", p=receipts.progress(g.tenant, incident), error=error,
                           notice=notice, signed_in=resident_session(g.tenant) is not None)
    resp = make_response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _not_found(exc: ApiError):
    resp = make_response(render_template("incidents/resident_not_found.html", message=exc.message), 404)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/track/<receipt>")
@public
def track(receipt: str):
    try:
        incident = receipts.by_receipt(receipt)
    except ApiError as exc:
        return _not_found(exc)
    notice = {"reported": _("已收到您的反映，请记下回执号，随时查看进度。"), "rated": _("谢谢您的评价。"),
              "reopened": _("已申请重新办理，我们会尽快处理。")}.get(request.args.get("done", ""))
    return _track_page(incident, notice=notice)


def _act(receipt: str, act):
    try:
        incident = receipts.by_receipt(receipt)
    except ApiError as exc:
        return None, _not_found(exc)
    _csrf()
    try:
        act(incident)
    except ValidationError as exc:
        db.session.rollback()
        message = _("；").join(m for msgs in localise_errors(exc.messages).values()
                               for m in (msgs if isinstance(msgs, list) else [msgs]))
        return None, _track_page(receipts.by_receipt(receipt), 422, error=message)
    except ApiError as exc:
        db.session.rollback()
        return None, _track_page(receipts.by_receipt(receipt), exc.status, error=exc.message)
    db.session.commit()
    return incident, None


@bp.get("/track/<receipt>/photos/<int:photo_id>")
@public
def result_photo(receipt: str, photo_id: int):
    """A photo of the result, for the reporter holding the receipt (nothing else of the case)."""
    from flask import send_file

    from plugins.incidents.photos import file_path

    try:
        photo = receipts.result_photo(receipts.by_receipt(receipt), photo_id)
    except ApiError as exc:
        return _not_found(exc)
    resp = send_file(file_path(photo), mimetype=photo.content_type)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/track/<receipt>/rate")
@public
def rate(receipt: str):
    """Rate the outcome once (满意度): a second rating is refused and changes nothing."""
    def act(incident):
        if incident.satisfaction is not None:
            raise ApiError(409, "already_rated", _("您已经评价过了，每件事只能评价一次。"))
        if incident.state != "closed":
            raise ApiError(409, "not_closed", _("办结后才能评价。"))
        data = RateIn().load({k: v for k, v in request.form.items() if k in ("satisfaction", "note")})
        services.rate(g.tenant, incident, data["satisfaction"], data["note"], False)

    incident, page = _act(receipt, act)
    return page or redirect(url_for("incidents_resident.track", receipt=incident.receipt, done="rated"), 303)


@bp.post("/track/<receipt>/reopen")
@public
def reopen(receipt: str):
    """Ask to reopen a closed report within the township's window (重新办理)."""
    incident, page = _act(receipt, lambda inc: receipts.reopen_by_resident(g.tenant, inc, request.form.get("note", "")))
    return page or redirect(url_for("incidents_resident.track", receipt=incident.receipt, done="reopened"), 303)


def _report_form(errors=None, values=None, status=200):
    grid = g.household.grid
    html = render_template("incidents/resident_report.html", grid=grid, groups=cats.leaf_groups(),
                           errors=errors or {}, values=values or {})
    return make_response(html, status)


@bp.route("/report", methods=["GET", "POST"])
@resident
def report():
    """随手拍 from the portal: into the household's grid, linked to the household."""
    if request.method == "GET":
        return _report_form()
    from plugins.incidents.photos import check_uploads
    from plugins.incidents.public import spend_quota

    values = request.form.to_dict()
    try:
        data = PublicReportIn().load({k: v for k, v in values.items() if v.strip()})  # a blank optional field is no value
        category = cats.get_leaf_category(data["category_id"])
        uploads = check_uploads(g.tenant, request.files.getlist("photos"))
        spend_quota(g.tenant, request.remote_addr or "?", module_settings(g.tenant, "incidents")["public_reports_per_hour"])
        incident = services.report_incident(g.tenant, grid=g.household.grid, category=category,
                                            description=data["description"], place=data["place"],
                                            reporter_name=data["name"], reporter_phone=data["phone"], source="resident",
                                            uploads=uploads, household_id=g.household.id)
    except ValidationError as exc:
        db.session.rollback()
        return _report_form(localise_errors(exc.messages), values, 422)
    except ApiError as exc:
        db.session.rollback()
        return _report_form(exc.fields or {"_": [exc.message]}, values, exc.status)
    receipt = incident.receipt
    db.session.commit()
    return redirect(url_for("incidents_resident.track", receipt=receipt, done="reported"), 303)
