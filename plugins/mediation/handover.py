"""Between mediation and the other modules: a dispute incident handed over as a case, the 平安法治
star's evidence, and the residents' portal summary. Everything other modules hand us is read
by attribute or key (a plugin never imports another's models)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from core.toolkit import Grid, Person, db, module_settings, subtree_condition
from plugins.mediation.models import Case, Party

# incidents' default dispute subcategories → our dispute types
CATEGORY_TYPES = {"dispute_neighbour": "neighbours", "dispute_family": "family", "dispute_land": "land_contract"}


def case_from_incident(tenant, incident) -> Case | None:
    """Open a case for a dispute incident when the township's settings say so, and link both ways
    (``incident.linked_module``/``linked_ref``). No room serving the grid: nothing is opened."""
    from plugins.mediation.rooms import room_for_grid
    from plugins.mediation.services import take_in

    settings = module_settings(tenant, "mediation")
    code = getattr(getattr(incident, "category", None), "code", None)
    if not settings["take_dispute_incidents"] or code not in settings["dispute_categories"]:
        return None
    grid = db.session.get(Grid, incident.grid_id)
    if grid is None or room_for_grid(grid) is None:
        return None
    parties = [{"person_id": incident.person_id, "role": "applicant"}] if incident.person_id and \
        db.session.get(Person, incident.person_id) is not None else []
    urgency = incident.urgency if incident.urgency in ("urgent", "pressing", "normal") else "normal"
    case = take_in(tenant, {"dispute_type": CATEGORY_TYPES.get(code, "other"), "summary": incident.description,
                            "urgency": urgency, "parties": parties},
                   source="incident", grid=grid, incident_id=incident.id, require_parties=False)
    incident.linked_module, incident.linked_ref = "mediation", str(case.id)
    return case


def star_evidence(grid_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """``mediation.success_rate`` of cases under ``grid_id`` concluded between start and end: a
    fraction (0..1) with unit ``%``, as five_star's contract says rates are."""
    rows = db.session.execute(select(Case.outcome, func.count()).where(
        subtree_condition(Case.grid_id, [grid_id]), Case.concluded_at >= start, Case.concluded_at < end,
        Case.outcome.is_not(None)).group_by(Case.outcome)).all()
    counts = dict(rows)
    concluded = sum(counts.values())
    if not concluded:
        return []
    return [{"key": "mediation.success_rate", "value": round(counts.get("agreement", 0) / concluded, 4),
             "label_zh": "矛盾纠纷调解成功率", "label_en": "Mediation success rate", "unit": "%"}]


def resident_summary(tenant, household_id: int) -> list[dict[str, Any]]:
    """Cases a member of the household is a party to, with their progress only (no text), for the
    residents' portal; empty unless the township's ``portal_shows_cases`` setting allows it."""
    from plugins.mediation.models import DISPUTE_TYPES, case_number
    from plugins.mediation.services import STATE_LABELS

    if not module_settings(tenant, "mediation")["portal_shows_cases"]:
        return []
    rows = db.session.execute(select(Case.id, Case.taken_in_at, Case.dispute_type, Case.state).join(
        Party, Party.case_id == Case.id).where(Party.household_id == household_id).distinct().order_by(Case.id)).all()
    return [{"case_id": r.id, "number": case_number(r.id, r.taken_in_at), "dispute_type": DISPUTE_TYPES[r.dispute_type],
             "state": STATE_LABELS[r.state]} for r in rows]
