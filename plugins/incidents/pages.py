"""Console pages (事件办理页面): list, report form, detail with timeline and actions, overdue,
numbers with a chart, item list, and each grid's printable QR code. Server-rendered, no CDN."""
from __future__ import annotations

import io

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import (ApiError, Grid, GridStatus, N_, choice_arg, county_template, db, form_errors, module_settings,
                          page_args, refusal_message, requires, subtree_condition, typed, visible)
from core.toolkit import reads_replica
from plugins.incidents import categories as cats
from plugins.incidents import services, stats
from plugins.incidents.models import STATES, Incident
from plugins.incidents.permissions import HANDLE, MANAGE, REPORT, can_act_on, can_reopen, can_report_in, require_act
from plugins.incidents.photos import check_uploads
from plugins.incidents.reporter import reporter_of
from plugins.incidents.reporting import report_as_staff
from plugins.incidents.schemas import ActionIn, ReportIn
from plugins.incidents.web import period, roots_for, visible_incident, with_names

bp = Blueprint("incidents_pages", __name__, url_prefix="/t/<tenant>/incidents", template_folder="templates")

# Words the module writes in Chinese into its rows and answers (Incident.where, a step's actor,
# an unassigned handler in the overdue numbers): pages translate them, names stay as written.
OWN_WORDS = frozenset({N_("乡镇网格办"), N_("部门"), N_("群众"), N_("系统"), N_("未受理")})
# The flash after each action: "已" and the action's label (services.ACTION_LABELS).
DONE = {"accept": N_("已受理"), "start": N_("已开始办理"), "resolve": N_("已办结"), "close": N_("已结案"),
        "reject": N_("已驳回"), "escalate": N_("已流转"), "send_back": N_("已退回"), "reopen": N_("已重启"),
        "merge": N_("已合并")}


@bp.app_template_filter("incident_word")
def incident_word(text: str) -> str:
    """The ``incident_word`` filter: one of :data:`OWN_WORDS` in the reader's language, anything
    else (a grid's, a department's or a person's name) as written."""
    return _(text) if text in OWN_WORDS else text


def _fail(exc) -> None:
    """Flash why an action was refused, every problem in the page's language."""
    flash(refusal_message(exc), "error")


@bp.get("/")
@requires(REPORT)
def index():
    stmt = select(Incident).where(visible(Incident.grid_id, REPORT))
    if request.args.get("grid_id"):
        stmt = stmt.where(subtree_condition(Incident.grid_id, roots_for(request.args["grid_id"])))
    state = choice_arg("state", STATES)
    if state:
        stmt = stmt.where(Incident.state == state)
    start, end = period()  # from/to or period, in the township's local days
    if start is not None:
        stmt = stmt.where(Incident.reported_at >= start)
    if end is not None:
        stmt = stmt.where(Incident.reported_at < end)
    rows, pager = _page_of(with_names(stmt.order_by(Incident.id.desc())))
    return render_template("incidents/list.html", rows=rows, pager=pager, labels=services.LABELS, state=state)


def _page_of(stmt):
    """One page of a list (``page``, ``per_page``: 50 by default) and the pager's links: no total
    (a township holds 200,000 incidents), one row more read to know whether a next page exists."""
    number, per_page = page_args()
    rows = db.session.scalars(stmt.limit(per_page + 1).offset((number - 1) * per_page)).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    pager = {"page": number,
             "prev": url_for(request.endpoint, **args, page=number - 1) if number > 1 else None,
             "next": url_for(request.endpoint, **args, page=number + 1) if len(rows) > per_page else None}
    return rows[:per_page], pager


def _my_grids():
    stmt = select(Grid).where(visible(Grid.id, REPORT), Grid.status == GridStatus.active).order_by(Grid.path)
    return db.session.scalars(stmt).all()


@bp.route("/new", methods=["GET", "POST"])
@requires(REPORT)
def new():
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
        try:
            data = ReportIn().load(values)
            incident = report_as_staff(g.tenant, data, request.files.getlist("photos"),
                                       request.files.getlist("result_photos"))
            dups = services.possible_duplicates(incident)
            db.session.commit()
        except (ValidationError, ApiError) as exc:
            db.session.rollback()
            return _report_form(typed(request.form), form_errors(exc), photos_dropped=any(
                f.filename for f in request.files.getlist("photos"))), 422
        if dups:
            flash(_("发现 %(n)s 件疑似重复事件，可在详情页合并", n=len(dups)), "warning")
        return redirect(url_for(".detail", incident_id=incident.id))
    return _report_form()


def _report_form(values: dict | None = None, errors: dict | None = None, photos_dropped: bool = False) -> str:
    """The report form, again with what was typed and each problem beside its field after a
    refusal; chosen photos cannot be put back into the file input, so the page says so."""
    return render_template("incidents/new.html", grids=_my_grids(), categories=cats.all_categories(active_only=True),
                           values=values or {}, errors=errors or {}, photos_dropped=photos_dropped,
                           can_settle=g.access.can(HANDLE))


@bp.get("/<int:incident_id>")
@requires(REPORT)
def detail(incident_id: int):
    incident = visible_incident(incident_id)
    return render_template("incidents/detail.html", incident=incident, labels=services.LABELS,
                           reporter=reporter_of(incident),
                           actions=services.ACTION_LABELS, can_act=can_act_on(incident), can_reopen=can_reopen(incident),
                           duplicates=services.possible_duplicates(incident) if incident.is_open else [],
                           departments=module_settings(g.tenant, "incidents")["departments"])


@bp.post("/<int:incident_id>/act/<any(accept,start,resolve,close,reject,escalate,send_back,reopen,merge):action>")
@requires(HANDLE)
def act(incident_id: int, action: str):
    incident = visible_incident(incident_id)
    try:
        if action == "reopen":
            if not can_reopen(incident):
                raise ApiError(403, "not_higher_level", _("只有结案层级的上级可以重启"))
        else:
            require_act(incident)
        values = {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
        if action == "merge":
            into = visible_incident(int(values.get("into_id") or 0))
            require_act(into)
            services.merge(g.tenant, incident, into, values.get("note") or "")
        else:
            data = ActionIn().load(values)
            uploads = check_uploads(g.tenant, request.files.getlist("photos"))
            services.apply(g.tenant, incident, action, data, uploads)
        db.session.commit()
        flash(_(DONE[action]), "ok")
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        _fail(exc)
    return redirect(url_for(".detail", incident_id=incident_id))


@bp.get("/overdue")
@requires(REPORT)
def overdue():
    roots = roots_for(request.args.get("grid_id"))
    rows, pager = _page_of(with_names(stats.overdue_query(roots)))
    return render_template("incidents/overdue.html", rows=rows, pager=pager, summary=stats.overdue_summary(roots),
                           labels=services.LABELS)


@bp.get("/numbers")
@reads_replica
@requires(REPORT)
def numbers():
    start, end = period()
    roots = roots_for(request.args.get("grid_id"))
    return render_template("incidents/numbers.html", n=stats.subtree_numbers(roots, start, end),
                           weeks=stats.closed_per_week(roots, 12), args=request.args)


@bp.route("/categories", methods=["GET", "POST"])
@requires(MANAGE)
def categories():
    if request.method == "POST":
        try:
            row = cats.get_category(int(request.form.get("id") or 0), "id", active=False)
            hours = int(request.form.get("time_limit_hours") or 0)
            if not 1 <= hours <= 24 * 90:
                raise ApiError(422, "validation_error", _("办理时限须为 1 到 2160 小时"), {"time_limit_hours": ["1-2160"]})
            cats.update_category(g.tenant, row, {"time_limit_hours": hours,
                                                 "auto_escalate": bool(request.form.get("auto_escalate")),
                                                 "active": bool(request.form.get("active"))}, current_user.username)
            db.session.commit()
            flash(_("已保存 %(name)s", name=row.name), "ok")
        except (ValueError, ApiError) as exc:
            db.session.rollback()
            _fail(exc if isinstance(exc, ApiError) else ApiError(422, message=_("输入有误")))
        return redirect(url_for(".categories"))
    return render_template("incidents/categories.html", rows=cats.all_categories(),
                           template=county_template(g.tenant, cats.KIND), can_adopt=g.access.can("templates.adopt"))


def _qr_grid(token: str) -> Grid:
    grid = db.session.scalar(select(Grid).where(Grid.public_token == token, Grid.status == GridStatus.active))
    if grid is None or not can_report_in(grid):
        raise ApiError(404)
    return grid


def report_url(grid: Grid) -> str:
    """What a grid's QR code holds: its public token, never its code (codes follow the tree)."""
    return url_for("incidents_public.report_form", token=grid.public_token, _external=True)


@bp.get("/grids/<token>/qr.png")
@requires(REPORT)
def qr_png(token: str):
    import qrcode

    grid = _qr_grid(token)
    img = qrcode.make(report_url(grid), box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return send_file(buf, mimetype="image/png", download_name=f"{grid.code}.png")


@bp.get("/grids/<token>/qr")
@requires(REPORT)
def qr_page(token: str):
    grid = _qr_grid(token)
    return render_template("incidents/qr.html", grid=grid, url=report_url(grid))


@bp.get("/grids/qr")
@requires(REPORT)
def qr_sheet():
    """Every grid in reach with its QR code, to print and post in the grids (随手拍二维码)."""
    return render_template("incidents/qr_sheet.html", grids=_my_grids())

