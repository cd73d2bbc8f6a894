"""Residents' QR reports (随手拍): no account, a phone-friendly form per grid, a confirmation
page with the receipt number (回执号) and the link to track it (:mod:`.tracking`), and rating. Spam-limited per address and hour in the database, so the
limit holds across gunicorn workers and hosts."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import delete, select

from core.toolkit import (ApiError, Grid, GridStatus, db, grid_by_legacy_code, grid_by_public_token, module_settings,
                          public, resident_session, utcnow)
from plugins.incidents import categories as cats
from plugins.incidents import receipts, services
from plugins.incidents.models import Incident, PublicQuota
from plugins.incidents.photos import check_uploads
from plugins.incidents.schemas import PublicReportIn, RateIn
from core.toolkit import localise_errors

bp = Blueprint("incidents_public", __name__, template_folder="templates")


def _too_many(per_hour: int) -> ApiError:
    return ApiError(429, "too_many_reports", _("同一网络每小时最多提交 %(most)s 次，请稍后再试", most=per_hour))


def spend_quota(tenant, address: str, per_hour: int) -> None:
    """Count one report from ``address`` this hour; 429 once ``per_hour`` is reached.

    Atomic under concurrency: one guarded ``UPDATE ... SET count = count + 1 WHERE count < :limit``
    (PostgreSQL re-checks the guard once a concurrent increment commits, so exactly ``per_hour``
    pass; read-then-``count += 1`` let 12 through against 5). The hour's first report inserts the
    counter in a savepoint; when a concurrent first report inserted it meanwhile, the increment is
    simply tried again.
    """
    from sqlalchemy import exc, update

    address, bucket = address[:64], utcnow().strftime("%Y%m%d%H")
    guarded = (update(PublicQuota).where(PublicQuota.address == address, PublicQuota.bucket == bucket,
                                         PublicQuota.count < per_hour)
               .values(count=PublicQuota.count + 1).execution_options(synchronize_session=False))
    for _attempt in range(2):
        if db.session.execute(guarded).rowcount == 1:
            return
        if db.session.scalar(select(PublicQuota.id).where(PublicQuota.address == address,
                                                          PublicQuota.bucket == bucket)) is not None:
            raise _too_many(per_hour)
        # a new hour for this address: past hours' counters are no longer needed
        db.session.execute(delete(PublicQuota).where(PublicQuota.bucket < bucket)
                           .execution_options(synchronize_session=False))
        if per_hour < 1:
            break
        try:
            with db.session.begin_nested():
                db.session.add(PublicQuota(address=address, bucket=bucket, count=1))
            return
        except exc.IntegrityError:
            continue  # another first report of this hour created the counter: increment it
    raise _too_many(per_hour)


def _grid(token: str) -> Grid:
    grid = grid_by_public_token(token)
    if grid is None:
        raise ApiError(404, "not_found", _("网格不存在"))
    return grid


def _form(grid, errors=None, values=None, status=200):
    return render_template("incidents/public_report.html", grid=grid, groups=cats.leaf_groups(),
                           errors=errors or {}, values=values or {}), status


@bp.get("/t/<tenant>/incidents/report/<grid_code>")
@public
def legacy_report_form(grid_code: str):
    """QR codes printed before grids had tokens carry the grid's code of that time: it is looked
    up among those codes only (never today's codes, which a newer grid may hold) and sent on."""
    grid = grid_by_legacy_code(grid_code)
    if grid is None:
        raise ApiError(404, "not_found", _("网格不存在"))
    return redirect(url_for(".report_form", token=grid.public_token), 301)


@bp.route("/t/<tenant>/incidents/q/<token>", methods=["GET", "POST"])
@public
def report_form(token: str):
    """The 随手拍 form a grid's printed QR code opens: ``token`` is the grid's public token, which
    survives renames, moves and merges (a merged grid's code leads to the grid it joined)."""
    grid = _grid(token)
    if request.method == "GET":
        return _form(grid)
    from core.toolkit import csrf

    csrf.protect()
    values = request.form.to_dict()
    try:
        data = PublicReportIn().load({k: v for k, v in values.items() if v.strip()})  # a blank optional field is no value
        category = cats.get_leaf_category(data["category_id"])
        uploads = check_uploads(g.tenant, request.files.getlist("photos"))
        settings = module_settings(g.tenant, "incidents")
        spend_quota(g.tenant, request.remote_addr or "?", settings["public_reports_per_hour"])
        signed_in = resident_session(g.tenant)  # a phone with the household card: the report is the household's
        incident = services.report_incident(g.tenant, grid=grid, category=category, description=data["description"],
                                            place=data["place"], reporter_name=data["name"], reporter_phone=data["phone"],
                                            source="resident", uploads=uploads,
                                            household_id=signed_in[1].id if signed_in else None)
    except ValidationError as exc:
        db.session.rollback()
        return _form(grid, localise_errors(exc.messages), values, 422)
    except ApiError as exc:
        db.session.rollback()
        return _form(grid, exc.fields or {"_": [exc.message]}, values, exc.status)
    token = incident.public_token
    db.session.commit()
    return redirect(url_for("incidents_public.receipt", token=token))


def _by_token(token: str) -> Incident:
    row = db.session.scalar(select(Incident).where(Incident.public_token == token)) if len(token) < 40 else None
    if row is None:
        raise ApiError(404, "not_found", _("没有该事件"))
    return row


@bp.get("/t/<tenant>/incidents/r/<token>")
@public
def receipt(token: str):
    from plugins.incidents.receipts import show_receipt

    incident = _by_token(token)
    return render_template("incidents/public_receipt.html", incident=incident, labels=services.LABELS, errors={},
                           result=receipts.result_of(incident),
                           receipt=show_receipt(incident.receipt),
                           track_url=url_for("incidents_resident.track", receipt=incident.receipt, _external=True))


@bp.post("/t/<tenant>/incidents/r/<token>/rate")
@public
def rate(token: str):
    from core.toolkit import csrf

    csrf.protect()
    incident = _by_token(token)
    try:
        data = RateIn().load(request.form.to_dict())
        if data["reopen"]:
            from plugins.incidents.receipts import reopen_deadline

            deadline = reopen_deadline(g.tenant, incident)
            if incident.state == "closed" and (deadline is None or deadline < utcnow()):
                raise ApiError(409, "reopen_window_passed", _("已超过重新办理的申请期限"),
                               {"reopen": [_("已超过重新办理的申请期限")]})
        services.rate(g.tenant, incident, data["satisfaction"], data["note"], data["reopen"])
    except ValidationError as exc:
        db.session.rollback()
        return render_template("incidents/public_receipt.html", incident=_by_token(token), labels=services.LABELS,
                               result=receipts.result_of(_by_token(token)), errors=localise_errors(exc.messages)), 422
    except ApiError as exc:
        db.session.rollback()
        return render_template("incidents/public_receipt.html", incident=_by_token(token), labels=services.LABELS,
                               result=receipts.result_of(_by_token(token)), errors=exc.fields or {"_": [exc.message]}), exc.status
    db.session.commit()
    return redirect(url_for("incidents_public.receipt", token=token))
