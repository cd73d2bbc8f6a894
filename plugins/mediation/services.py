"""Case writes (案件办理): intake, then the process as one table of transitions, each a small
function that checks the state (409 when the step does not follow), flushes, audits and, at an
outcome, announces ``mediation_case_concluded``. Callers commit.

Who may act is checked in :mod:`plugins.mediation.permissions` by the views; services check
states, targets and conflicts of interest, so the incidents hand-over and the CLI reuse them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.toolkit import N_, ApiError, Grid, GridStatus, Person, audit, db, hooks, utcnow, local_today
from plugins.mediation.models import REFERRAL_KINDS, Case, CaseMediator, CaseSession, Mediator, MediatorRoom, Party, Room
from core.toolkit import gettext as _

# action: (states it may start from, state it leads to)
FLOW: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": (("intake",), "accepted"),
    "decline": (("intake",), "declined"),
    "assign": (("accepted", "assigned"), "assigned"),
    "session": (("assigned", "in_session"), "in_session"),
    "agree": (("in_session",), "agreement"),
    "partial": (("in_session",), "partial"),
    "fail": (("in_session",), "failed"),
    "refer": (("accepted", "assigned", "in_session"), "referred"),
    # only from a follow-up visit that finds the agreement not holding (plugins.mediation.followups)
    "reopen": (("agreement", "partial"), "in_session"),
    "refer_on": (("agreement", "partial"), "referred"),
}
OUTCOME_OF = {"agree": "agreement", "partial": "partial", "fail": "failed", "refer": "referred", "refer_on": "referred"}
# Labels stay Chinese in the API; pages translate them: _(label).
STATE_LABELS = {"intake": N_("待受理"), "accepted": N_("已受理"), "declined": N_("不予受理"), "assigned": N_("已指派"),
                "in_session": N_("调解中"), "agreement": N_("达成协议"), "partial": N_("部分达成"),
                "failed": N_("调解不成"), "referred": N_("已移交")}
ACTION_LABELS = {"accept": N_("受理"), "decline": N_("不予受理"), "assign": N_("指派调解员"), "session": N_("记录调解"),
                 "agree": N_("达成协议"), "partial": N_("部分达成"), "fail": N_("调解不成"), "refer": N_("移交"),
                 "reopen": N_("重新调解"), "refer_on": N_("移交")}


def _bad(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", message, {field: [message]})


def _check(case: Case, action: str) -> None:
    starts, _ends = FLOW[action]
    if case.state not in starts:
        raise ApiError(409, "invalid_transition",
                       _("案件当前为「%(state)s」，不能%(action)s", state=STATE_LABELS[case.state], action=ACTION_LABELS[action]),
                       {"state": [_("当前状态 %(state)s", state=_(STATE_LABELS[case.state]))]})


def _uid() -> int | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def payload(case: Case) -> dict[str, Any]:
    """The announcement's plain dict (BRIEF contract): no model crosses to another plugin."""
    mediators = db.session.scalars(select(Mediator.person_id).where(Mediator.id.in_(case.mediator_ids))).all()
    return {"case_id": case.id, "outcome": case.outcome, "dispute_type": case.dispute_type, "grid_id": case.grid_id,
            "mediator_person_ids": sorted(p for p in mediators if p is not None),
            "party_person_ids": sorted(p.person_id for p in case.parties if p.person_id is not None),
            "incident_id": case.incident_id, "concluded_at": case.concluded_at}


# --- intake ---------------------------------------------------------------------------------


def _party(index: int, raw: dict[str, Any]) -> Party:
    field = f"parties.{index}"
    if raw.get("person_id") is not None:
        person = db.session.get(Person, raw["person_id"])
        if person is None:  # another township's resident is not found in this one's scope
            raise _bad(f"{field}.person_id", _("本乡镇居民名册中没有此人"))
        return Party(role=raw.get("role", "applicant"), person_id=person.id, household_id=person.household_id,
                     name=person.name, phone=None, address=None)
    if not raw.get("name"):
        raise _bad(f"{field}.name", _("请从居民名册选择，或填写外来当事人姓名与联系方式"))
    if not (raw.get("phone") or raw.get("address")):
        raise _bad(f"{field}.phone", _("外来当事人须留电话或地址"))
    return Party(role=raw.get("role", "applicant"), name=raw["name"], phone=raw.get("phone"), address=raw.get("address"))


def take_in(tenant, data: dict[str, Any], *, source: str, grid: Grid, room: Room | None = None,
            incident_id: int | None = None, topic_id: int | None = None, require_parties: bool = True) -> Case:
    """Take a dispute in (受理登记) at ``room`` (default: the room serving the grid)."""
    from plugins.mediation.rooms import room_for_grid

    room = room or room_for_grid(grid)
    if room is None or not room.active:
        raise _bad("room_id", _("请选择调解室：没有服务该网格的调解室"))
    parties = [_party(i, raw) for i, raw in enumerate(data.get("parties") or [])]
    if not parties and require_parties:
        raise _bad("parties", _("至少登记一方当事人"))
    case = Case(room_id=room.id, grid_id=grid.id, source=source, dispute_type=data["dispute_type"],
                summary=data["summary"], amount=data.get("amount"), urgency=data.get("urgency") or "normal",
                state="intake", intake_user_id=_uid(), taken_in_at=utcnow(), incident_id=incident_id,
                topic_id=topic_id, parties=parties)
    db.session.add(case)
    db.session.flush()
    audit("mediation.take_in", case, after={"room_id": room.id, "grid_id": grid.id, "source": source,
                                            "dispute_type": case.dispute_type, "parties": len(parties)})
    return case


def active_grid(grid_id: Any, field: str = "grid_id") -> Grid:
    grid = db.session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.status != GridStatus.active:
        raise _bad(field, _("网格不存在"))
    return grid


PARTY_STATES = ("intake", "accepted", "assigned", "in_session")


def add_party(tenant, case: Case, raw: dict[str, Any]) -> Party:
    """Add a party while the case is open (e.g. to a case handed over from an incident); refused
    when an assigned mediator would then have a conflict of interest."""
    if case.state not in PARTY_STATES:
        raise ApiError(409, "invalid_transition", _("案件已办结，不能增加当事人"),
                       {"state": [_("当前状态 %(state)s", state=_(STATE_LABELS[case.state]))]})
    party = _party(len(case.parties), raw)
    case.parties.append(party)
    for link in case.mediators:
        reason = conflict(case, link.mediator)
        if reason:
            raise ApiError(409, "conflict_of_interest", f"{link.mediator.name}：{reason}", {"person_id": [reason]})
    db.session.flush()
    audit("mediation.add_party", case, after={"party_id": party.id})
    return party


# --- conflicts of interest --------------------------------------------------------------------


def conflict(case: Case, mediator: Mediator) -> str | None:
    """Why ``mediator`` may not take ``case`` (回避): a party, or in a party's household."""
    if mediator.person_id is None:
        return None
    if mediator.person_id in {p.person_id for p in case.parties}:
        return _("调解员本人是当事人")
    household = db.session.scalar(select(Person.household_id).where(Person.id == mediator.person_id))
    if household is not None and household in {p.household_id for p in case.parties}:
        return _("调解员与当事人同户")
    return None


# --- the transitions --------------------------------------------------------------------------


def accept(tenant, case: Case, data: dict[str, Any]) -> None:
    from plugins.mediation.permissions import current_mediator

    me = current_mediator()
    reason = conflict(case, me) if me is not None else None
    if reason:
        raise ApiError(409, "conflict_of_interest", reason, {"mediator": [reason]})
    case.accepted_at = utcnow()


def decline(tenant, case: Case, data: dict[str, Any]) -> None:
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise _bad("reason", _("不予受理须说明理由"))
    case.decline_reason = reason[:500]


def assign(tenant, case: Case, data: dict[str, Any]) -> None:
    """Assign mediators (指派): each active, sitting in the case's room, without a conflict; the
    first is the lead (主调)."""
    ids = list(dict.fromkeys(data.get("mediator_ids") or []))
    if not ids:
        raise _bad("mediator_ids", _("请至少指派一名调解员"))
    in_room = set(db.session.scalars(select(MediatorRoom.mediator_id).where(MediatorRoom.room_id == case.room_id)))
    chosen = []
    for mid in ids:
        mediator = db.session.get(Mediator, mid)
        if mediator is None or not mediator.active or mid not in in_room:
            raise _bad("mediator_ids", _("调解员 %(mid)s 不在本案调解室", mid=mid))
        reason = conflict(case, mediator)
        if reason:
            raise ApiError(409, "conflict_of_interest", f"{mediator.name}：{reason}", {"mediator_ids": [reason]})
        chosen.append(mediator)
    case.mediators = [CaseMediator(mediator_id=m.id, lead=i == 0) for i, m in enumerate(chosen)]


def session(tenant, case: Case, data: dict[str, Any]) -> CaseSession:
    row = CaseSession(case_id=case.id, held_on=data.get("held_on") or local_today(), place=data.get("place") or "",
                      attendees=data.get("attendees") or "", notes=data.get("notes") or "",
                      next_step=data.get("next_step") or "", recorded_by_user_id=_uid())
    if not row.notes.strip():
        raise _bad("notes", _("请填写调解情况"))
    db.session.add(row)
    return row


def _conclude(case: Case, action: str, data: dict[str, Any]) -> None:
    case.outcome, case.concluded_at = OUTCOME_OF[action], utcnow()
    case.outcome_note = (data.get("note") or "")[:2000]


def agree(tenant, case: Case, data: dict[str, Any], partial: bool = False) -> None:
    """An agreement (调解协议): its terms, signed by every party (人民调解法 第29条: it takes effect
    when the parties and the mediator have signed)."""
    from plugins.mediation.followups import schedule

    terms = (data.get("terms") or "").strip()
    if not terms:
        raise _bad("terms", _("请填写协议内容"))
    signed = set(data.get("signed_party_ids") or [])
    ids = {p.id for p in case.parties}
    if signed - ids:
        raise _bad("signed_party_ids", _("签字人须是本案当事人"))
    if ids - signed:
        raise _bad("signed_party_ids", _("协议须经各方当事人签字"))
    for p in case.parties:
        p.signed = True
    case.agreement_terms, case.agreement_signed_on = terms, data.get("signed_on") or local_today()
    _conclude(case, "partial" if partial else "agree", data)
    schedule(tenant, case)


def fail(tenant, case: Case, data: dict[str, Any]) -> None:
    if not (data.get("note") or "").strip():
        raise _bad("note", _("请说明调解不成的情况"))
    _conclude(case, "fail", data)


def refer(tenant, case: Case, data: dict[str, Any], action: str = "refer") -> None:
    """Refer the case on (三调联动) to a receiving body, on a date."""
    if data.get("referral_kind") not in REFERRAL_KINDS:
        raise _bad("referral_kind", _("移交去向须为司法所、信访、法院、派出所或职能部门"))
    body = (data.get("referral_body") or "").strip()
    if not body:
        raise _bad("referral_body", _("请填写接收单位"))
    case.referral_kind, case.referral_body = data["referral_kind"], body[:100]
    case.referral_date = data.get("referral_date") or local_today()
    _conclude(case, action, data)


def reopen(tenant, case: Case, data: dict[str, Any]) -> None:
    case.outcome = case.concluded_at = None
    case.reopen_count += 1


STEPS = {"accept": accept, "decline": decline, "assign": assign, "session": session, "agree": agree,
         "partial": lambda t, c, d: agree(t, c, d, partial=True), "fail": fail, "refer": refer,
         "reopen": reopen, "refer_on": lambda t, c, d: refer(t, c, d, "refer_on")}


def apply(tenant, case: Case, action: str, data: dict[str, Any]) -> Any:
    """Take one step of :data:`FLOW` by name; announce the outcome when the case concludes."""
    if action not in FLOW:
        raise ApiError(404, "unknown_action", _("没有操作 %(action)s", action=action))
    _check(case, action)
    before = case.state
    result = STEPS[action](tenant, case, data)
    case.state = FLOW[action][1]
    db.session.flush()
    audit(f"mediation.{action}", case, before={"state": before}, after={"state": case.state})
    if action in OUTCOME_OF:
        hooks(tenant).mediation_case_concluded(tenant=tenant, case=payload(case))
        db.session.flush()
    return result
