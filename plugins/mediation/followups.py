"""Follow-up visits after an agreement (协议回访): scheduled at the township's intervals, recorded
as holding or not. One that does not hold reopens the case (重新调解) or refers it on (移交), and
announces ``mediation_agreement_failed`` (incidents escalates the incident it came from again).

Each morning the schedule ``mediation.followups_due`` (:func:`remind_due`) writes the day's due
visits to the audit log and answers their count; the same list is on the follow-ups page and
from the CLI (``gridgov mediation followups-due``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from core.toolkit import ApiError, audit, db, hooks, module_settings, utcnow, local_today, to_local
from plugins.mediation.models import Case, FollowUp
from plugins.mediation.services import STATE_LABELS
from core.toolkit import gettext as _


def schedule(tenant, case: Case) -> list[FollowUp]:
    """Visits at each of the township's ``followup_days`` after the agreement's day (Beijing)."""
    days = sorted(set(module_settings(tenant, "mediation")["followup_days"]))
    start = to_local(case.concluded_at or utcnow()).date()
    rows = [FollowUp(case_id=case.id, due_on=start + dt.timedelta(days=d)) for d in days]
    db.session.add_all(rows)
    return rows


def pending(case: Case) -> list[FollowUp]:
    return [f for f in case.followups if f.done_at is None and not f.cancelled]


def record(tenant, case: Case, data: dict[str, Any]) -> FollowUp:
    """Record a visit (回访): the earliest pending one, or an extra visit when none is left."""
    from plugins.mediation.services import apply, payload

    if case.state not in ("agreement", "partial"):
        raise ApiError(409, "no_agreement", _("案件尚未达成协议，不能回访"),
                       {"state": [_("当前状态 %(state)s", state=_(STATE_LABELS[case.state]))]})
    holds = data["holds"]
    then = data.get("then")
    if not holds and then not in ("reopen", "refer"):
        raise ApiError(422, "validation_error", _("协议未履行时须选择重新调解或移交"),
                       {"then": [_("须为 reopen 或 refer")]})
    if holds and then:
        raise ApiError(422, "validation_error", _("协议履行良好时无需后续处理"),
                       {"then": [_("仅在协议未履行时填写")]})
    waiting = pending(case)
    visit = waiting[0] if waiting else FollowUp(case_id=case.id, due_on=local_today())
    if not waiting:
        db.session.add(visit)
    from flask_login import current_user

    visit.done_at, visit.holds, visit.note = utcnow(), holds, (data.get("note") or "")[:1000]
    visit.visitor_user_id = getattr(current_user, "id", None) if getattr(current_user, "is_authenticated", False) else None
    visit.then = then if not holds else None
    flag_modified(case, "reopen_count")  # the case row's version moves: a simultaneous visit gets 409
    db.session.flush()
    audit("mediation.followup", case, after={"followup_id": visit.id, "holds": holds, "then": visit.then})
    if not holds:
        announced = payload(case)  # the agreement that failed, before the case moves on
        for other in pending(case):
            other.cancelled = True
        apply(tenant, case, "reopen" if then == "reopen" else "refer_on", data)
        hooks(tenant).mediation_agreement_failed(tenant=tenant, case=announced)
    db.session.flush()
    return visit


def due_followups(on: dt.date | None = None, limit: int = 500) -> list[FollowUp]:
    """Visits due by ``on`` (Beijing date, default today) and not yet made, oldest first."""
    on = on or local_today()
    stmt = (select(FollowUp).join(Case, Case.id == FollowUp.case_id)
            .where(FollowUp.done_at.is_(None), FollowUp.cancelled.is_(False), FollowUp.due_on <= on,
                   Case.state.in_(("agreement", "partial"))).order_by(FollowUp.due_on, FollowUp.id).limit(limit))
    return list(db.session.scalars(stmt))


def remind_due(tenant) -> dict[str, Any]:
    """The daily schedule: the visits due today or earlier, recorded (who is to be visited is the
    office's to-do list, 待回访) and counted."""
    rows = due_followups()
    if rows:
        audit("mediation.followups_due", object_type="mediation_followup",
              after={"case_ids": sorted({f.case_id for f in rows}), "count": len(rows)})
    return {"due": len(rows)}
