"""Request helpers shared by the API and the pages: loading a case for reading (audited),
the case as a dict with party contacts masked, forms' values, periods."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request

from core.toolkit import ApiError, audit, date_range, iso_local, json_body, mask_mobile, period_bounds
from plugins.mediation.models import Case
from plugins.mediation.permissions import case_or_404, may_see_contacts
from core.toolkit import gettext as _


def read_case(case_id: int, what: str = "detail") -> Case:
    """A case the user may read (404 otherwise); the read is audited (who, when, what)."""
    case = case_or_404(case_id)
    audit("mediation.read_case", case, after={"what": what})
    return case


def payload() -> dict[str, Any]:
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
    return json_body()


def party_dict(party, unmasked: bool) -> dict[str, Any]:
    return {"id": party.id, "role": party.role, "person_id": party.person_id, "household_id": party.household_id,
            "name": party.name, "phone": party.phone if unmasked else mask_mobile(party.phone),
            "address": party.address if unmasked else (party.address[:3] + "***" if party.address else party.address),
            "signed": party.signed, "masked": not unmasked}


def case_dict(case: Case, reveal: bool = False) -> dict[str, Any]:
    """The whole case for its reader. Party contacts are masked unless ``reveal`` and the reader
    may see them (:func:`may_see_contacts`); an unmasked read is audited separately."""
    unmasked = reveal and may_see_contacts(case)
    if unmasked:
        audit("mediation.read_contacts", case)
    return {
        "id": case.id, "number": case.number, "room_id": case.room_id, "room": case.room.name, "grid_id": case.grid_id,
        "grid": case.grid.name if case.grid else None, "source": case.source, "dispute_type": case.dispute_type,
        "summary": case.summary, "amount": float(case.amount) if case.amount is not None else None,
        "urgency": case.urgency, "state": case.state, "outcome": case.outcome, "outcome_note": case.outcome_note,
        "taken_in_at": _iso(case.taken_in_at), "accepted_at": _iso(case.accepted_at),
        "concluded_at": _iso(case.concluded_at), "decline_reason": case.decline_reason,
        "agreement_terms": case.agreement_terms, "agreement_signed_on": _iso(case.agreement_signed_on),
        "referral_kind": case.referral_kind, "referral_body": case.referral_body,
        "referral_date": _iso(case.referral_date), "incident_id": case.incident_id, "topic_id": case.topic_id,
        "reopen_count": case.reopen_count,
        "parties": [party_dict(p, unmasked) for p in case.parties],
        "mediators": [{"id": m.mediator_id, "name": m.mediator.name, "lead": m.lead} for m in case.mediators],
        "sessions": [{"id": s.id, "held_on": s.held_on.isoformat(), "place": s.place, "attendees": s.attendees,
                      "notes": s.notes, "next_step": s.next_step} for s in case.sessions],
        "followups": [{"id": f.id, "due_on": f.due_on.isoformat(), "done_at": _iso(f.done_at), "holds": f.holds,
                       "cancelled": f.cancelled, "note": f.note, "then": f.then} for f in case.followups],
    }


def _iso(value):
    """Dates as YYYY-MM-DD, moments as ISO 8601 with the township's offset (+08:00)."""
    if value is None:
        return None
    return iso_local(value) if isinstance(value, dt.datetime) else value.isoformat()


def period() -> tuple[dt.datetime | None, dt.datetime | None]:
    """UTC bounds from ``from``/``to`` (inclusive local dates, YYYY-MM-DD) or ``period`` (a local
    year, quarter, month, ISO week or day: 2026, 2026-Q3, 2026-09, 2026-W38)."""
    named = request.args.get("period")
    if named:
        try:
            return period_bounds(named)
        except ValueError as exc:
            raise ApiError(422, "validation_error", _("期间有误"), {"period": [str(exc)]})
    days, problems = {}, {}
    for name in ("from", "to"):
        raw = request.args.get(name)
        try:
            days[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            problems[name] = [_("日期格式须为 YYYY-MM-DD")]
    if problems:
        raise ApiError(422, "validation_error", _("日期有误"), problems)
    return date_range(days["from"], days["to"])


def int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise ApiError(422, "validation_error", _("%(name)s 须为整数", name=name), {name: [_("须为整数")]})
    return int(raw)
