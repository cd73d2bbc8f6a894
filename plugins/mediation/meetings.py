"""Villagers' talk-it-out meetings (村民说事/议事): topics raised, decisions and owners, and what
became of each topic: solved on the spot, a mediation case, an incident, or dropped.

A topic becomes a case here in one step (:func:`topic_to_case`). It becomes an incident through
mediation's own hook ``incident_from_mediation_topic``, which the incidents module answers by
reporting one (a plugin cannot call another's services); with incidents off there is no answer
and the step is refused. A topic's incident counts as solved when incidents announces
``incident_resolved`` for it; a topic's case when the case ends in an agreement.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.toolkit import ApiError, audit, db, hooks, utcnow
from plugins.mediation.models import Case, Meeting, Topic
from core.toolkit import gettext as _


def create_meeting(tenant, grid, data: dict[str, Any]) -> Meeting:
    topics = [Topic(**t) for t in data.pop("topics", [])]
    meeting = Meeting(grid_id=grid.id, topics=topics, **data)
    db.session.add(meeting)
    db.session.flush()
    audit("mediation.meeting", meeting, after={"grid_id": grid.id, "topics": len(topics)})
    return meeting


def add_topic(tenant, meeting: Meeting, data: dict[str, Any]) -> Topic:
    topic = Topic(meeting_id=meeting.id, **data)
    db.session.add(topic)
    db.session.flush()
    audit("mediation.topic", topic, after={"meeting_id": meeting.id})
    return topic


def update_topic(tenant, topic: Topic, data: dict[str, Any]) -> Topic:
    if "state" in data and topic.state in ("case", "incident"):
        raise ApiError(409, "invalid_transition", _("议题已转为案件或事件，其结果随之而定"),
                       {"state": [_("当前 %(state)s", state=topic.state)]})
    for key, value in data.items():
        setattr(topic, key, value)
    if data.get("state") == "solved":
        topic.solved_at = utcnow()
    db.session.flush()
    audit("mediation.topic_update", topic, after=data)
    return topic


def _free(topic: Topic) -> None:
    if topic.state in ("case", "incident", "solved", "dropped"):
        raise ApiError(409, "invalid_transition", _("议题已有处理结果"),
                       {"state": [_("当前 %(state)s", state=topic.state)]})


def topic_to_case(tenant, topic: Topic, meeting: Meeting, data: dict[str, Any], intake) -> Case:
    """The topic becomes a case taken in from the meeting's grid (source ``meeting``)."""
    _free(topic)
    data = {**data, "grid_id": meeting.grid_id, "summary": data.get("summary") or topic.title}
    case = intake(data, source="meeting", topic_id=topic.id)
    topic.state, topic.case_id = "case", case.id
    db.session.flush()
    return case


def topic_to_incident(tenant, topic: Topic, meeting: Meeting, category_code: str | None) -> int:
    _free(topic)
    answer = hooks(tenant).incident_from_mediation_topic(tenant=tenant, topic={
        "topic_id": topic.id, "meeting_id": meeting.id, "grid_id": meeting.grid_id, "title": topic.title,
        "decision": topic.decision, "category_code": category_code})
    if not answer:
        raise ApiError(409, "incidents_unavailable", _("本乡镇未启用事件流转，不能转为事件"))
    topic.state, topic.incident_id = "incident", int(answer)
    db.session.flush()
    audit("mediation.topic_incident", topic, after={"incident_id": topic.incident_id})
    return topic.incident_id


def topic_outcome(topic: Topic, cases: dict[int, Case]) -> tuple[str, bool]:
    """(what became of it, solved?)."""
    if topic.state == "case":
        case = cases.get(topic.case_id)
        return "case", case is not None and case.outcome == "agreement"
    if topic.state == "incident":
        return "incident", topic.solved_at is not None
    return topic.state, topic.state == "solved"


def meeting_tally(meeting: Meeting) -> dict[str, Any]:
    """e.g. 12 problems raised, 12 solved: counts per outcome and solved."""
    ids = [t.case_id for t in meeting.topics if t.case_id]
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))} if ids else {}
    tally = {"raised": len(meeting.topics), "solved": 0, "open": 0, "case": 0, "incident": 0, "dropped": 0}
    outcomes = {}
    for t in meeting.topics:
        what, solved = topic_outcome(t, cases)
        outcomes[t.id] = {"became": what, "solved": solved,
                          "case_state": cases[t.case_id].state if t.case_id in cases else None}
        tally["solved"] += solved
        if what in tally and what != "solved":
            tally[what] += 1
    return {"tally": tally, "topics": outcomes}


def incident_resolved(incident_id: int) -> None:
    """incidents announced that a topic's incident was resolved: the topic counts as solved."""
    for topic in db.session.scalars(select(Topic).where(Topic.incident_id == incident_id, Topic.solved_at.is_(None))):
        topic.solved_at = utcnow()
    db.session.flush()
