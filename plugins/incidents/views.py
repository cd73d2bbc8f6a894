"""The incidents REST API (事件接口) under ``/api/v1/t/<tenant>/incidents``. Views load → check
access → call a service → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, send_file
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import (ApiError, choice_arg, db, doc, dump, int_arg, iso_local, known_args, load, page, requires,
                          visible)
from core.toolkit import reads_replica
from plugins.incidents import categories as cats
from plugins.incidents import services, stats
from plugins.incidents.models import LEVELS, STATES, URGENCIES, Category, Incident, Photo
from plugins.incidents.permissions import HANDLE, MANAGE, REPORT, can_act_on, can_reopen, require_act
from plugins.incidents.photos import check_uploads, file_path
from plugins.incidents.reporter import reporter_of
from plugins.incidents.reporting import report_as_staff
from plugins.incidents.schemas import (DUPLICATE, NUMBERS, OVERDUE_SUMMARY, ActionIn, CategoryIn, CategoryOut, CategoryPatch,
                                       IncidentDetailOut, IncidentOut, MergeIn, RateIn, ReportIn)
from plugins.incidents.web import payload, period, roots_for, uploaded, visible_incident, with_names
from core.toolkit import gettext as _

LIST_COUNT_CAP = 1000
bp = Blueprint("incidents", __name__, url_prefix="/api/v1/t/<tenant>/incidents")
ACTIONS = ("accept", "start", "resolve", "close", "reject", "escalate", "send_back", "reopen")


def _brief(rows):
    return [{"id": r.id, "description": r.description[:80], "state": r.state,
             "reported_at": iso_local(r.reported_at)}
            for r in rows]


@bp.get("")
@requires(REPORT)
@doc("List incidents in my grids", response_schema=IncidentOut, paged=True, tags=["incidents"],
     query={"category_id": "id", "grid_id": "id", "level": LEVELS, "receipt": "string", "state": STATES,
            "urgency": URGENCIES, "from": "date", "to": "date", "period": "string"})
def list_incidents():
    known_args("state", "level", "urgency", "category_id", "grid_id", "from", "to", "period", "receipt")
    stmt = select(Incident).where(visible(Incident.grid_id, REPORT))
    if request.args.get("receipt"):  # a resident on the phone reads out the receipt number (回执号)
        from plugins.incidents.receipts import clean_receipt

        stmt = stmt.where(Incident.receipt == (clean_receipt(request.args["receipt"]) or ""))
    for arg, col, allowed in (("state", Incident.state, STATES), ("level", Incident.level, LEVELS),
                              ("urgency", Incident.urgency, URGENCIES)):
        value = choice_arg(arg, allowed)
        if value is not None:
            stmt = stmt.where(col == value)
    for arg, col in (("category_id", Incident.category_id), ("grid_id", Incident.grid_id)):
        value = int_arg(arg)
        if value is not None:
            stmt = stmt.where(col == value)
    start, end = period()
    if start is not None:
        stmt = stmt.where(Incident.reported_at >= start)
    if end is not None:
        stmt = stmt.where(Incident.reported_at < end)
    # a township holds 200,000 incidents: count at most LIST_COUNT_CAP on a page view ("1000+")
    return page(IncidentOut, with_names(stmt), order_by=Incident.id.desc(), count_up_to=LIST_COUNT_CAP)


@bp.post("")
@requires(REPORT)
@doc("Report an incident, or one already settled on the spot with settled and result; "
     "JSON or multipart with photos and result_photos", request_schema=ReportIn, response_schema=IncidentOut,
     tags=["incidents"], status=201)
def report():
    data = load(ReportIn, payload())
    incident = report_as_staff(g.tenant, data, uploaded(), uploaded("result_photos"))
    dups = services.possible_duplicates(incident)
    body = IncidentOut().dump(incident)
    db.session.commit()
    body["possible_duplicates"] = _brief(dups)
    return jsonify(body), 201


@bp.get("/<int:incident_id>")
@requires(REPORT)
@doc("An incident with its timeline", response_schema=IncidentDetailOut, tags=["incidents"])
def show(incident_id: int):
    incident = visible_incident(incident_id)
    body = IncidentDetailOut().dump(incident)
    body["can_act"] = can_act_on(incident)
    body["reporter"] = reporter_of(incident)  # masked without people.read_sensitive; audited
    return jsonify(body)


@bp.post("/<int:incident_id>/<action>")
@requires(HANDLE)
@doc("Workflow step: accept, start, resolve, close, reject, escalate, send_back, reopen", request_schema=ActionIn,
     response_schema=IncidentDetailOut, tags=["incidents"])
def act(incident_id: int, action: str):
    if action not in ACTIONS:
        raise ApiError(404, "unknown_action", _("没有操作 %(action)s", action=action))
    incident = visible_incident(incident_id)
    if action == "reopen":
        if not can_reopen(incident):
            raise ApiError(403, "not_higher_level", _("只有结案层级的上级可以重启"))
    else:
        require_act(incident)
    data = load(ActionIn, payload())
    uploads = check_uploads(g.tenant, uploaded())  # any step may carry photos
    services.apply(g.tenant, incident, action, data, uploads)
    body = IncidentDetailOut().dump(incident)
    db.session.commit()
    return jsonify(body)


@bp.post("/<int:incident_id>/rate")
@requires(REPORT)
@doc("The reporter rates a closed incident", request_schema=RateIn, response_schema=IncidentOut,
     tags=["incidents"])
def rate(incident_id: int):
    incident = visible_incident(incident_id)
    if incident.reporter_user_id != current_user.id:
        raise ApiError(403, "not_reporter", _("只有上报人可以评价"))
    data = load(RateIn, payload())
    services.rate(g.tenant, incident, data["satisfaction"], data["note"], data["reopen"])
    body = IncidentOut().dump(incident)
    db.session.commit()
    return jsonify(body)


@bp.get("/<int:incident_id>/duplicates")
@requires(REPORT)
@doc("Possible duplicates of an incident", tags=["incidents"], items=True, response_schema=DUPLICATE)
def duplicates(incident_id: int):
    incident = visible_incident(incident_id)
    return jsonify({"items": _brief(services.possible_duplicates(incident))})


@bp.post("/<int:incident_id>/merge")
@requires(HANDLE)
@doc("Merge this incident into another open one", request_schema=MergeIn, response_schema=IncidentOut,
     tags=["incidents"])
def merge(incident_id: int):
    incident = visible_incident(incident_id)
    data = load(MergeIn, payload())
    try:
        into = visible_incident(data["into_id"])
    except ApiError:
        raise ApiError(422, "validation_error", _("目标事件不存在"), {"into_id": [_("事件不存在")]})
    require_act(incident)
    require_act(into)
    services.merge(g.tenant, incident, into, data["note"])
    body = IncidentOut().dump(incident)
    db.session.commit()
    return jsonify(body)


@bp.get("/photos/<int:photo_id>")
@requires(REPORT)
@doc("A photo of an incident", tags=["incidents"])
def photo(photo_id: int):
    row = db.session.get(Photo, photo_id)
    if row is None:
        raise ApiError(404)
    visible_incident(row.incident_id)
    return send_file(file_path(row), mimetype=row.content_type, max_age=3600)


@bp.get("/categories")
@requires(REPORT)
@doc("The item list", response_schema=CategoryOut, many=True, tags=["incidents"],
     query={"all": "flag"})
def list_categories():
    return dump(CategoryOut, cats.all_categories(active_only=request.args.get("all") != "1"), many=True)


@bp.post("/categories")
@requires(MANAGE)
@doc("Add a category", request_schema=CategoryIn, response_schema=CategoryOut, tags=["incidents"], status=201)
def create_category():
    row = cats.create_category(g.tenant, load(CategoryIn))
    out = dump(CategoryOut, row, status=201)
    db.session.commit()
    return out


@bp.patch("/categories/<int:category_id>")
@requires(MANAGE)
@doc("Change a category (time limit, auto-escalation, active)", request_schema=CategoryPatch,
     response_schema=CategoryOut, tags=["incidents"])
def update_category(category_id: int):
    row = db.session.get(Category, category_id)
    if row is None:
        raise ApiError(404, "not_found", _("类别不存在"))
    row = cats.update_category(g.tenant, row, load(CategoryPatch), current_user.username)
    out = dump(CategoryOut, row)
    db.session.commit()
    return out


@bp.get("/numbers")
@reads_replica
@requires(REPORT)
@doc("Numbers for a grid subtree and period", tags=["incidents"], response_schema=NUMBERS,
     query={"grid_id": "id", "from": "date", "to": "date", "period": "string"})
def numbers():
    start, end = period()
    return jsonify(stats.subtree_numbers(roots_for(request.args.get("grid_id")), start, end))


@bp.get("/overdue")
@requires(REPORT)
@doc("Overdue incidents, most overdue first", response_schema=IncidentOut, paged=True, tags=["incidents"],
     query={"grid_id": "id", "handler_id": "id"})
def overdue():
    handler = request.args.get("handler_id")
    if handler is not None and not handler.isdigit():
        raise ApiError(422, "validation_error", _("handler_id 须为整数"), {"handler_id": [_("须为整数")]})
    roots, handler_id = roots_for(request.args.get("grid_id")), int(handler) if handler else None
    # counted up to LIST_COUNT_CAP like the list: the overdue numbers per grid are /overdue/summary's
    return page(IncidentOut, with_names(stats.overdue_query(roots, handler_id)), count_up_to=LIST_COUNT_CAP)


@bp.get("/overdue/summary")
@requires(REPORT)
@doc("Overdue counts per grid and per handler", tags=["incidents"], response_schema=OVERDUE_SUMMARY,
     query={"grid_id": "id"})
def overdue_summary():
    return jsonify(stats.overdue_summary(roots_for(request.args.get("grid_id"))))


@bp.get("/ledger.xlsx")
@requires(HANDLE)
@doc("Export the ledger as .xlsx", tags=["incidents"],
     query={"grid_id": "id", "from": "date", "to": "date", "period": "string"})
def ledger():
    from plugins.incidents.ledger import ledger_response

    start, end = period()
    return ledger_response(g.tenant, roots_for(request.args.get("grid_id")), start, end)
