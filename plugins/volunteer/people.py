"""What the volunteer module holds about a person (PIPL) and grid merges."""
from __future__ import annotations

from sqlalchemy import select, update

from core.toolkit import db
from plugins.volunteer import records
from plugins.volunteer.models import Activity, Order, Volunteer


def _of(person) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.person_id == person.id))


def person_section(person) -> list[dict]:
    """A resident's registration and hours on their page (志愿服务), for viewers of volunteers."""
    from flask import g
    from flask_babel import gettext as _

    access = g.get("access")
    volunteer = _of(person) if access is not None and access.can("volunteer.view") else None
    if volunteer is None:
        return []
    from plugins.volunteer.pages import vol_status

    total = records.totals(volunteer_ids=[volunteer.id])
    rows = [(_("报到状态"), vol_status(volunteer.status)), (_("累计服务时长(小时)"), total[0]["hours"] if total else 0.0)]
    if volunteer.unit_name:
        rows.append((_("报到单位"), volunteer.unit_name))
    return [{"title": _("志愿服务"), "rows": rows}]


def export_person(person) -> dict:
    volunteer = _of(person)
    if volunteer is None:
        return {}
    return {"volunteer": {"name": volunteer.name, "mobile": volunteer.mobile, "unit": volunteer.unit_name,
                          "party_branch": volunteer.party_branch, "skills": volunteer.skills,
                          "availability": volunteer.availability, "status": volunteer.status,
                          "registered_at": volunteer.registered_at.isoformat(),
                          "services": [{"title": r.title, "hours": r.hours, "at": r.occurred_at.isoformat()}
                                       for r in records.records_of(volunteer.id)]}}


def anonymise_person(person) -> None:
    """Keep the hours for the township's numbers; drop the name, number and link."""
    volunteer = _of(person)
    if volunteer is None:
        return
    volunteer.name = "（已匿名）"
    volunteer.mobile = f"0{volunteer.id:010d}"[:11]
    volunteer.party_branch = None
    volunteer.skills, volunteer.availability = [], ""
    volunteer.token_hash = None
    volunteer.status = "withdrawn"
    db.session.flush()


def move_grid(source, target) -> None:
    for model in (Volunteer, Activity, Order):
        db.session.execute(update(model).where(model.grid_id == source.id).values(grid_id=target.id))
    from plugins.volunteer.models import ServiceRecord

    db.session.execute(update(ServiceRecord).where(ServiceRecord.grid_id == source.id).values(grid_id=target.id))
