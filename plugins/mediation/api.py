"""The mediation REST API (调解接口) for cases under ``/api/v1/t/<tenant>/mediation``.
Views load → check access → call a service → commit. Rooms, mediators and meetings are in
:mod:`plugins.mediation.api_register`."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, load, page, requires
from core.toolkit import reads_replica
from plugins.mediation import followups, numbers, services, shapes
from plugins.mediation.models import Case, Room
from plugins.mediation.permissions import INTAKE, MANAGE, MEDIATE, can_manage, cases_condition, require_assign
from plugins.mediation.schemas import CaseBriefOut, CaseIn, FollowUpIn, PartyIn, StepIn
from plugins.mediation.web import case_dict, int_arg, payload, period, read_case
from core.toolkit import gettext as _

bp = Blueprint("mediation", __name__, url_prefix="/api/v1/t/<tenant>/mediation")
ACTIONS = ("accept", "decline", "assign", "session", "agree", "partial", "fail", "refer")


def room_or_422(room_id, field: str = "room_id") -> Room | None:
    if room_id is None:
        return None
    room = db.session.get(Room, room_id)
    if room is None or not room.active:
        raise ApiError(422, "validation_error", _("调解室不存在"), {field: [_("调解室不存在")]})
    return room


def intake(data: dict, source: str | None = None, topic_id: int | None = None) -> Case:
    """Shared by the API, the intake form and a meeting topic: the grid must be in the user's
    intake reach (a grid worker takes in disputes of their own grids)."""
    from core.toolkit import grid_in_reach

    grid = services.active_grid(data.pop("grid_id"))
    if not (can_manage() or grid_in_reach(grid, INTAKE)):
        raise ApiError(403, "forbidden", _("只能登记自己负责网格的纠纷"), {"grid_id": [_("不在您的范围内")]})
    room = room_or_422(data.pop("room_id", None))
    return services.take_in(g.tenant, data, source=source or data.get("source", "walk_in"), grid=grid, room=room,
                            topic_id=topic_id)


@bp.post("/cases")
@requires(INTAKE)
@doc("Take in a dispute", request_schema=CaseIn, tags=["mediation"], status=201)
def create_case():
    case = intake(load(CaseIn, payload()))
    body = case_dict(case)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/cases")
@requires(MEDIATE)
@doc("Cases I may read: the office sees all, a mediator their rooms' unassigned and own cases",
     response_schema=CaseBriefOut, paged=True, tags=["mediation"],
     query={"dispute_type": "string", "grid_id": "id", "room_id": "id", "source": "string", "state": "string"})
def list_cases():
    from plugins.mediation.models import DISPUTE_TYPES, SOURCES

    stmt = select(Case).where(cases_condition())
    for arg, col, known in (("state", Case.state, services.STATE_LABELS), ("dispute_type", Case.dispute_type, DISPUTE_TYPES),
                            ("source", Case.source, SOURCES)):
        value = request.args.get(arg)
        if value:
            if value not in known:
                raise ApiError(422, "validation_error", _("%(arg)s 取值有误", arg=arg), {arg: [_("可选：%(names)s", names=_("、").join(known))]})
            stmt = stmt.where(col == value)
    for arg, col in (("room_id", Case.room_id), ("grid_id", Case.grid_id)):
        value = int_arg(arg)
        if value is not None:
            stmt = stmt.where(col == value)
    return page(CaseBriefOut, stmt, order_by=Case.id.desc())


@bp.get("/cases/<int:case_id>")
@requires(MEDIATE)
@doc("A case with parties, sessions and follow-ups; audited. ``reveal=1`` unmasks party contacts "
     "for the case's mediators and holders of people.read_sensitive", tags=["mediation"])
def show_case(case_id: int):
    case = read_case(case_id)
    body = case_dict(case, reveal=request.args.get("reveal") == "1")
    db.session.commit()  # the audit entries of the read
    return jsonify(body)


@bp.post("/cases/<int:case_id>/<action>")
@requires(MEDIATE)
@doc("A step of the process: accept, decline (reason), assign (mediator_ids), session, agree / partial (terms, "
     "signed_party_ids), fail (note), refer (referral_kind, referral_body, referral_date)", request_schema=StepIn,
     tags=["mediation"])
def act(case_id: int, action: str):
    if action not in ACTIONS:
        raise ApiError(404, "unknown_action", _("没有操作 %(action)s", action=action))
    case = read_case(case_id, action)
    if action == "assign":
        require_assign(case)
    services.apply(g.tenant, case, action, load(StepIn, payload()))
    body = case_dict(case)
    db.session.commit()
    return jsonify(body)


@bp.post("/cases/<int:case_id>/parties")
@requires(MEDIATE)
@doc("Add a party to an open case (a resident by person_id, or an outsider with contacts)", request_schema=PartyIn,
     tags=["mediation"], status=201)
def add_party(case_id: int):
    case = read_case(case_id, "add_party")
    services.add_party(g.tenant, case, load(PartyIn, payload()))
    body = case_dict(case)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/cases/<int:case_id>/followups")
@requires(MEDIATE)
@doc("Record a follow-up visit: holds, or not and then reopen / refer", request_schema=FollowUpIn,
     tags=["mediation"], status=201)
def followup(case_id: int):
    case = read_case(case_id, "followup")
    followups.record(g.tenant, case, load(FollowUpIn, payload()))
    body = case_dict(case)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/followups/due")
@requires(MEDIATE)
@doc("Follow-up visits due by today", tags=["mediation"], items=True, response_schema=shapes.FOLLOWUP_DUE)
def due():
    rows = [f for f in followups.due_followups() if f.case_id in _readable_ids()]
    return jsonify({"items": [{"id": f.id, "case_id": f.case_id, "due_on": f.due_on.isoformat()} for f in rows]})


def _readable_ids() -> set[int]:
    return set(db.session.scalars(select(Case.id).where(cases_condition())))


@bp.get("/numbers")
@reads_replica
@requires(MEDIATE)
@doc("Numbers per room, mediator, dispute type, grid and month; success rate = agreements over concluded "
     "cases", tags=["mediation"], response_schema=shapes.NUMBERS,
     query={"grid_id": "id", "room_id": "id", "from": "date", "to": "date", "period": "string"})
def numbers_view():
    start, end = period()
    return jsonify(numbers.case_numbers(start, end, room_id=int_arg("room_id"), grid_id=int_arg("grid_id")))


@bp.get("/ledger.xlsx")
@requires(MANAGE)
@doc("The case ledger as .xlsx", tags=["mediation"],
     query={"from": "date", "to": "date", "period": "string"})
def ledger():
    from plugins.mediation.ledger import ledger_response

    if not can_manage():
        raise ApiError(403, "forbidden", _("台账须由乡镇导出"))
    start, end = period()
    return ledger_response(g.tenant, start, end)
