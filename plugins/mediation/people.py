"""Mediation's answers for residents and grids: PIPL export and anonymising, grid merges, usage.

A person's export holds every case they are a party to (with the case's text: it is about them)
and their mediator record. Anonymising erases the party's name and contacts, cuts the link to the
register and replaces their name in the case's free text with 某某, keeping the rows (and the
other parties' record) for the numbers.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from core.toolkit import audit, db, iso_local
from plugins.mediation.models import Case, CaseSession, Mediator, Meeting, Party, RoomGrid

ERASED_NAME = "（已匿名）"
STAND_IN = "某某"


def export_person(person) -> dict[str, Any]:
    parties = db.session.scalars(select(Party).where(Party.person_id == person.id).order_by(Party.id)).all()
    cases = []
    for p in parties:
        case = db.session.get(Case, p.case_id)
        cases.append({"case_id": case.id, "number": case.number, "role": p.role, "dispute_type": case.dispute_type,
                      "state": case.state, "outcome": case.outcome, "summary": case.summary,
                      "taken_in_at": iso_local(case.taken_in_at), "agreement_terms": case.agreement_terms,
                      "signed": p.signed, "sessions": [{"held_on": s.held_on.isoformat(), "notes": s.notes}
                                                       for s in case.sessions]})
    mediators = db.session.scalars(select(Mediator).where(Mediator.person_id == person.id)).all()
    out: dict[str, Any] = {}
    if cases:
        out["cases"] = cases
    if mediators:
        out["mediator"] = [{"id": m.id, "background": m.background, "specialities": m.specialities,
                            "rooms": m.room_ids, "phone": m.phone} for m in mediators]
    return out


def anonymise_person(person) -> int:
    parties = db.session.scalars(select(Party).where(Party.person_id == person.id)).all()
    name = person.name
    for p in parties:
        case = db.session.get(Case, p.case_id)
        if name and len(name) >= 2:
            case.summary = case.summary.replace(name, STAND_IN)
            case.outcome_note = case.outcome_note.replace(name, STAND_IN)
            if case.agreement_terms:
                case.agreement_terms = case.agreement_terms.replace(name, STAND_IN)
            for s in db.session.scalars(select(CaseSession).where(CaseSession.case_id == case.id)):
                s.notes, s.attendees = s.notes.replace(name, STAND_IN), s.attendees.replace(name, STAND_IN)
        p.name, p.phone, p.address, p.person_id, p.household_id = ERASED_NAME, None, None, None, None
    for m in db.session.scalars(select(Mediator).where(Mediator.person_id == person.id)):
        m.name, m.phone, m.person_id, m.active = ERASED_NAME, "", None, False
    if parties:
        db.session.flush()
        audit("mediation.anonymise", object_type="mediation_party", after={"count": len(parties)})
    return len(parties)


def move_grid(source, target) -> None:
    for model in (Case, Meeting):
        db.session.execute(update(model).where(model.grid_id == source.id).values(grid_id=target.id))
    served = set(db.session.scalars(select(RoomGrid.room_id).where(RoomGrid.grid_id == target.id)))
    for link in db.session.scalars(select(RoomGrid).where(RoomGrid.grid_id == source.id)):
        if link.room_id in served:
            db.session.delete(link)
        else:
            link.grid_id = target.id
    db.session.flush()


def open_cases_under(grid) -> int:
    from sqlalchemy import func

    from core.toolkit import subtree_condition

    return db.session.scalar(select(func.count()).select_from(Case).where(
        subtree_condition(Case.grid_id, [grid.id]), Case.state.in_(("intake", "accepted", "assigned", "in_session"))))


def person_section(person) -> list[dict[str, Any]]:
    """The cases a resident is a party to, for the person's page: for the township office only
    (case details are private), numbers and progress, no text."""
    from core.toolkit import gettext as _
    from plugins.mediation.models import DISPUTE_TYPES
    from plugins.mediation.permissions import can_manage
    from plugins.mediation.services import STATE_LABELS

    if not can_manage():
        return []
    rows = db.session.scalars(select(Case).where(Case.id.in_(select(Party.case_id).where(Party.person_id == person.id)))
                              .order_by(Case.id.desc()).limit(20)).all()
    if not rows:
        return []
    return [{"title": _("调解案件"), "rows": [(c.number, f"{_(DISPUTE_TYPES[c.dispute_type])} · {_(STATE_LABELS[c.state])}")
                                           for c in rows]}]


def grid_section(grid) -> list[dict[str, Any]]:
    """Open cases under a grid and its villagers' meetings, with links, for who may see them."""
    from flask import g, url_for

    from core.toolkit import gettext as _
    from plugins.mediation.permissions import can_manage, can_record_meeting

    rows, links = [], []
    if can_manage():
        rows.append((_("未办结调解案件"), open_cases_under(grid)))
        links.append((_("调解案件"), url_for("mediation_pages.index")))
    if can_record_meeting(grid):
        from sqlalchemy import func

        from core.toolkit import subtree_condition

        held = db.session.scalar(select(func.count()).select_from(Meeting).where(subtree_condition(Meeting.grid_id, [grid.id])))
        rows.append((_("村民说事次数"), held))
        links.append((_("村民说事"), url_for("mediation_register_pages.meetings")))
    if not rows or g.get("access") is None:
        return []
    return [{"title": _("调解工作室"), "rows": rows, "links": links}]
