"""Incidents' answers for residents and grids: PIPL export and anonymising, grid merges."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from core.toolkit import audit, db, format_local
from core.toolkit import gettext as _
from plugins.incidents.models import Incident

ERASED = "（内容已匿名化）"


def linked_person_id(person_id: int | None) -> int | None:
    """``person_id`` of a report, checked: a resident of this township inside the reporter's
    ``people.read`` reach, else 422 naming the field (another township's resident is simply not
    found, which the tenant filter on ``Person`` guarantees)."""
    if person_id is None:
        return None
    from core.toolkit import ApiError, Person, visible

    found = db.session.scalar(select(Person.id).where(Person.id == person_id, visible(Person.grid_id, "people.read")))
    if found is None:
        message = _("居民不存在或不在您的管辖范围内")
        raise ApiError(422, "validation_error", message, {"person_id": [message]})
    return found


def _concerning(person):
    conds = [Incident.person_id == person.id]
    phone = getattr(person, "phone", None) or getattr(person, "mobile", None)
    if phone:
        conds.append(Incident.reporter_phone == phone)
    from sqlalchemy import or_

    return or_(*conds)


def person_section(person) -> list[dict[str, Any]]:
    """The incidents about ``person`` that the viewer may see, for the person's page (涉及事件)."""
    from flask import g

    from core.toolkit import visible
    from plugins.incidents.permissions import REPORT
    from plugins.incidents.services import LABELS

    access = g.get("access")
    if access is None or not access.can(REPORT):
        return []
    rows = db.session.scalars(select(Incident).where(Incident.person_id == person.id, visible(Incident.grid_id, REPORT))
                              .order_by(Incident.id.desc()).limit(20)).all()
    if not rows:
        return []
    return [{"title": _("涉及事件"), "rows": [(f"#{r.id} {format_local(r.reported_at, '%Y-%m-%d')}",
                                            f"{r.category.name} · {LABELS.get(r.state, r.state)} · {r.description[:40]}")
                                           for r in rows]}]


def export_person(person) -> dict[str, Any]:
    rows = db.session.scalars(select(Incident).where(_concerning(person)).order_by(Incident.id)).all()
    return {"incidents": [{"id": r.id, "category": r.category.name, "grid": r.grid.name, "state": r.state,
                           "description": r.description, "place": r.place, "reported_at": r.reported_at.isoformat(),
                           "reporter_name": r.reporter_name, "reporter_phone": r.reporter_phone,
                           "satisfaction": r.satisfaction} for r in rows]}


def anonymise_person(person) -> int:
    """Erase free text, names and phones of incidents about or reported by ``person``; the rows
    stay for the numbers."""
    rows = db.session.scalars(select(Incident).where(_concerning(person))).all()
    for r in rows:
        r.description, r.place = ERASED, ""
        r.reporter_name = r.reporter_phone = r.satisfaction_note = None
        r.person_id = None
    if rows:
        db.session.flush()
        audit("incidents.anonymise", object_type="incidents_incident", after={"count": len(rows)})
    return len(rows)


def move_grid(source, target) -> None:
    for col in (Incident.grid_id, Incident.handling_grid_id, Incident.closed_grid_id):
        db.session.execute(update(Incident).where(col == source.id).values({col.key: target.id}))
    db.session.flush()
