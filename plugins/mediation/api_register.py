"""The mediation API's registers (调解室、调解员、村民说事) under ``/api/v1/t/<tenant>/mediation``."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, dump, load, requires
from plugins.mediation import meetings, rooms, services, shapes
from plugins.mediation.models import Mediator, Meeting, Room, Topic
from plugins.mediation.permissions import INTAKE, MANAGE, MEDIATE, MEETINGS, can_manage, can_record_meeting
from plugins.mediation.schemas import (MediatorIn, MediatorOut, MediatorPatch, MeetingIn, RoomIn, RoomOut, RoomPatch,
                                       TopicCaseIn, TopicIn, TopicIncidentIn, TopicPatch)
from plugins.mediation.web import case_dict, payload
from core.toolkit import gettext as _

bp = Blueprint("mediation_register", __name__, url_prefix="/api/v1/t/<tenant>/mediation")


def _get(model, row_id: int, what: str):
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found", _("%(what)s不存在", what=what))
    return row


@bp.get("/rooms")
@requires(INTAKE)
@doc("Mediation rooms", response_schema=RoomOut, many=True, tags=["mediation"])
def list_rooms():
    return dump(RoomOut, rooms.all_rooms(), many=True)


@bp.post("/rooms")
@requires(MANAGE)
@doc("Register a room: name, grids served, address, opening hours", request_schema=RoomIn, response_schema=RoomOut,
     tags=["mediation"], status=201)
def create_room():
    room = rooms.save_room(g.tenant, load(RoomIn, payload()))
    out = dump(RoomOut, room, status=201)
    db.session.commit()
    return out


@bp.patch("/rooms/<int:room_id>")
@requires(MANAGE)
@doc("Change a room", request_schema=RoomPatch, response_schema=RoomOut, tags=["mediation"])
def update_room(room_id: int):
    room = rooms.save_room(g.tenant, load(RoomPatch, payload()), _get(Room, room_id, "调解室"))
    out = dump(RoomOut, room)
    db.session.commit()
    return out


@bp.get("/mediators")
@requires(MEDIATE)
@doc("Mediators with background, specialities and rooms", response_schema=MediatorOut, many=True,
     tags=["mediation"])
def list_mediators():
    return dump(MediatorOut, rooms.all_mediators(), many=True)


@bp.post("/mediators")
@requires(MANAGE)
@doc("Register a mediator: a resident (person_id) or an outsider (name, phone)", request_schema=MediatorIn,
     response_schema=MediatorOut, tags=["mediation"], status=201)
def create_mediator():
    mediator = rooms.save_mediator(g.tenant, load(MediatorIn, payload()))
    out = dump(MediatorOut, mediator, status=201)
    db.session.commit()
    return out


@bp.patch("/mediators/<int:mediator_id>")
@requires(MANAGE)
@doc("Change a mediator", request_schema=MediatorPatch, response_schema=MediatorOut, tags=["mediation"])
def update_mediator(mediator_id: int):
    mediator = rooms.save_mediator(g.tenant, load(MediatorPatch, payload()), _get(Mediator, mediator_id, "调解员"))
    out = dump(MediatorOut, mediator)
    db.session.commit()
    return out


# --- villagers' meetings ---------------------------------------------------------------------


def meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.grid is None or not can_record_meeting(meeting.grid):
        raise ApiError(404, "not_found", _("说事记录不存在"))
    return meeting


def topic_or_404(topic_id: int) -> tuple[Topic, Meeting]:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise ApiError(404, "not_found", _("议题不存在"))
    return topic, meeting_or_404(topic.meeting_id)


def meeting_dict(meeting: Meeting) -> dict:
    tally = meetings.meeting_tally(meeting)
    return {"id": meeting.id, "grid_id": meeting.grid_id, "grid": meeting.grid.name, "held_on": meeting.held_on.isoformat(),
            "place": meeting.place, "host": meeting.host, "attendees": meeting.attendees,
            "attendee_count": meeting.attendee_count, "tally": tally["tally"],
            "topics": [{"id": t.id, "title": t.title, "raised_by": t.raised_by, "decision": t.decision, "owner": t.owner,
                        "state": t.state, "case_id": t.case_id, "incident_id": t.incident_id, **tally["topics"][t.id]}
                       for t in meeting.topics]}


@bp.get("/meetings")
@requires(MEETINGS)
@doc("Villagers' talk-it-out meetings in my grids", tags=["mediation"], items=True, response_schema=shapes.MEETING)
def list_meetings():
    from core.toolkit import visible

    stmt = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(200)
    if not can_manage():
        stmt = stmt.where(visible(Meeting.grid_id, MEETINGS))
    return jsonify({"items": [meeting_dict(m) for m in db.session.scalars(stmt)]})


@bp.post("/meetings")
@requires(MEETINGS)
@doc("Record a meeting with its topics", request_schema=MeetingIn, tags=["mediation"], status=201)
def create_meeting():
    data = load(MeetingIn, payload())
    grid = services.active_grid(data.pop("grid_id"))
    if not can_record_meeting(grid):
        raise ApiError(403, "forbidden", _("只能记录自己负责网格的村民说事"), {"grid_id": [_("不在您的范围内")]})
    meeting = meetings.create_meeting(g.tenant, grid, data)
    body = meeting_dict(meeting)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/meetings/<int:meeting_id>")
@requires(MEETINGS)
@doc("A meeting, its topics and what became of each", tags=["mediation"])
def show_meeting(meeting_id: int):
    return jsonify(meeting_dict(meeting_or_404(meeting_id)))


@bp.post("/meetings/<int:meeting_id>/topics")
@requires(MEETINGS)
@doc("Add a topic to a meeting", request_schema=TopicIn, tags=["mediation"], status=201)
def add_topic(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    meetings.add_topic(g.tenant, meeting, load(TopicIn, payload()))
    db.session.refresh(meeting)
    body = meeting_dict(meeting)
    db.session.commit()
    return jsonify(body), 201


@bp.patch("/topics/<int:topic_id>")
@requires(MEETINGS)
@doc("Record a topic's decision, owner, or that it was solved / dropped", request_schema=TopicPatch, tags=["mediation"])
def update_topic(topic_id: int):
    topic, meeting = topic_or_404(topic_id)
    meetings.update_topic(g.tenant, topic, load(TopicPatch, payload()))
    body = meeting_dict(meeting)
    db.session.commit()
    return jsonify(body)


@bp.post("/topics/<int:topic_id>/case")
@requires(INTAKE)
@doc("The topic becomes a mediation case in one step", request_schema=TopicCaseIn, tags=["mediation"], status=201)
def topic_case(topic_id: int):
    from plugins.mediation.api import intake

    topic, meeting = topic_or_404(topic_id)
    case = meetings.topic_to_case(g.tenant, topic, meeting, load(TopicCaseIn, payload()), intake)
    body = case_dict(case)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/topics/<int:topic_id>/incident")
@requires(MEETINGS)
@doc("The topic becomes an incident in one step (reported by the incidents module)", request_schema=TopicIncidentIn,
     tags=["mediation"], status=201)
def topic_incident(topic_id: int):
    topic, meeting = topic_or_404(topic_id)
    incident_id = meetings.topic_to_incident(g.tenant, topic, meeting, load(TopicIncidentIn, payload())["category_code"])
    body = meeting_dict(meeting)
    db.session.commit()
    return jsonify({"incident_id": incident_id, "meeting": body}), 201
