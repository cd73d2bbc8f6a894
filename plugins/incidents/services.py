"""Incident writes (事件办理): report, accept, start, resolve, close, reject, escalate, send back,
reopen, rate, merge, and settle on the spot (小事马上办: report and close in one go). Each checks the state (409 when the step does not follow), flushes, records
a timeline step, audits and announces its hook through the tenant's relay. Callers commit.

Who may act is checked in :mod:`plugins.incidents.permissions` by the views; services check
states and targets only, so the CLI's deadline escalation can reuse them.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select

from core.toolkit import ApiError, Grid, N_, audit, db, hooks, module_settings, utcnow
from plugins.incidents import photos as photo_store
from plugins.incidents.models import OPEN_STATES, Category, Incident, Step
from core.toolkit import gettext as _

# action: (states it may start from, state it leads to)
FLOW: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": (("reported",), "accepted"),
    "start": (("accepted",), "in_progress"),
    "resolve": (("in_progress",), "resolved"),
    "close": (("resolved",), "closed"),
    "reject": (("reported", "accepted"), "rejected"),
}
MOVABLE = ("reported", "accepted", "in_progress")
# Labels stay Chinese in the API (Open311 status notes, errors); pages translate them: _(label).
LABELS = {"reported": N_("待受理"), "accepted": N_("已受理"), "in_progress": N_("办理中"), "resolved": N_("已办结待核"),
          "closed": N_("已结案"), "rejected": N_("不予受理"), "merged": N_("已合并")}


def _actor() -> tuple[int | None, str]:
    from flask import has_request_context

    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, current_user.display_name or current_user.username
        return None, "群众"
    return None, "系统"


def deadline(tenant, category: Category, urgency: str, start: dt.datetime) -> dt.datetime:
    """The category's time limit, shortened by the urgency tier (特急 2h, 紧急 24h, 一般 72h)."""
    settings = module_settings(tenant, "incidents")
    tier = settings[f"{urgency}_hours"]
    return start + dt.timedelta(hours=min(category.time_limit_hours, tier))


def _set_state(incident: Incident, state: str) -> None:
    incident.state = state
    incident.open_due_at = incident.due_at if state in OPEN_STATES else None


def _step(incident: Incident, action: str, from_state: str | None, from_where: str, note: str = "") -> Step:
    uid, name = _actor()
    step = Step(incident_id=incident.id, action=action, actor_user_id=uid, actor_name=name[:64], at=utcnow(),
                from_state=from_state, to_state=incident.state, from_where=from_where[:100],
                to_where=incident.where[:100], note=(note or "")[:1000])
    db.session.add(step)
    db.session.flush()
    return step


def _conflict(incident: Incident, action: str) -> ApiError:
    return ApiError(409, "invalid_transition",
                    _("事件当前为「%(state)s」，不能%(action)s", state=LABELS[incident.state], action=ACTION_LABELS.get(action, action)),
                    {"state": [_("当前状态 %(state)s", state=_(LABELS[incident.state]))]})


ACTION_LABELS = {"accept": N_("受理"), "start": N_("开始办理"), "resolve": N_("办结"), "close": N_("结案"),
                 "reject": N_("驳回"), "escalate": N_("流转"), "send_back": N_("退回"), "reopen": N_("重启"),
                 "merge": N_("合并"), "rate": N_("评价"), "mediation": N_("调解"),
                 "settle": N_("当场办结")}


def _need_note(note: str | None, field: str = "note") -> str:
    note = (note or "").strip()
    if not note:
        raise ApiError(422, "validation_error", _("请填写说明"), {field: [_("必填")]})
    return note


def report_incident(tenant, *, grid: Grid, category: Category, description: str, place: str = "",
                    urgency: str = "normal", person_id: int | None = None, lat: float | None = None,
                    lon: float | None = None, reporter_user_id: int | None = None, reporter_name: str | None = None,
                    reporter_phone: str | None = None, source: str = "worker", uploads=(),
                    household_id: int | None = None) -> Incident:
    """Report an incident into ``grid`` (上报); it starts at the grid's own level. It gets a
    receipt number (回执号) to be tracked by; ``household_id`` links a resident's report sent from
    a household card's session (群众端)."""
    from plugins.incidents.people import linked_person_id
    from plugins.incidents.receipts import new_receipt

    person_id = linked_person_id(person_id)
    now = utcnow()
    due = deadline(tenant, category, urgency, now)
    incident = Incident(category_id=category.id, grid_id=grid.id, handling_grid_id=grid.id, level="grid", reach=0,
                        state="reported", urgency=urgency, source=source, description=description, place=place or "",
                        lat=lat, lon=lon, person_id=person_id, reporter_user_id=reporter_user_id,
                        reporter_name=reporter_name, reporter_phone=reporter_phone,
                        public_token=secrets.token_urlsafe(16), receipt=new_receipt(), household_id=household_id,
                        reported_at=now, due_at=due, open_due_at=due)
    incident.grid, incident.handling_grid, incident.category = grid, grid, category
    db.session.add(incident)
    db.session.flush()
    step = _step(incident, "report", None, "", "")
    photo_store.store(tenant, incident, step, list(uploads))
    audit("incidents.report", incident, after={"grid_id": grid.id, "category": category.code,
                                                      "source": source, "urgency": urgency})
    hooks(tenant).incident_reported(tenant=tenant, incident=incident)
    db.session.flush()
    return incident


def settle_on_the_spot(tenant, incident: Incident, note: str, uploads=()) -> Incident:
    """小事马上办: a grid worker reports something already settled on the spot. The incident
    just reported goes straight to closed in one step (受理, 办理, 办结, 结案 at once), at its own
    grid, so the numbers count it as settled in the grid (自办自结); ``note`` says what was done
    and ``uploads`` are the photos of the result."""
    if incident.state != "reported" or incident.level != "grid" or incident.handling_grid_id != incident.grid_id:
        raise _conflict(incident, "settle")
    note = _need_note(note, "result")
    uid, _ = _actor()
    now = utcnow()
    incident.handler_user_id = incident.closed_by_user_id = uid
    incident.resolved_at = incident.closed_at = now
    incident.close_hours = round((now - incident.reported_at).total_seconds() / 3600, 2)
    incident.closed_level, incident.closed_grid_id, incident.closed_department = "grid", incident.grid_id, None
    _set_state(incident, "closed")
    step = _step(incident, "settle", "reported", incident.where, note)
    photo_store.store(tenant, incident, step, list(uploads))
    audit("incidents.settle", incident, before={"state": "reported"}, after={"state": "closed", "note": note})
    hooks(tenant).incident_resolved(tenant=tenant, incident=incident)
    db.session.flush()
    return incident


def advance(tenant, incident: Incident, action: str, note: str = "", uploads=(), reason: str | None = None) -> Incident:
    """Move along the main line: accept, start, resolve, close, or reject (with a reason)."""
    starts, target = FLOW[action]
    if incident.state not in starts:
        raise _conflict(incident, action)
    if action == "reject":
        note = _need_note(reason, "reason")
        incident.reject_reason = note[:500]
    before = incident.state
    uid, _ = _actor()
    now = utcnow()
    if action == "accept":
        incident.handler_user_id = uid
    elif action == "resolve":
        incident.resolved_at = now
    elif action == "close":
        incident.closed_at = now
        incident.close_hours = round((now - incident.reported_at).total_seconds() / 3600, 2)
        incident.closed_level, incident.closed_grid_id = incident.level, incident.handling_grid_id
        incident.closed_department, incident.closed_by_user_id = incident.department, uid
    _set_state(incident, target)
    step = _step(incident, action, before, incident.where, note)
    photo_store.store(tenant, incident, step, list(uploads))
    audit(f"incidents.{action}", incident, before={"state": before}, after={"state": target, "note": note})
    if action == "resolve":
        hooks(tenant).incident_resolved(tenant=tenant, incident=incident)
    db.session.flush()
    return incident


def _move(incident: Incident, level: str, grid: Grid | None, department: str | None) -> None:
    incident.level, incident.department = level, department
    incident.handling_grid, incident.handling_grid_id = grid, grid.id if grid is not None else None


def _restart_clock(tenant, incident: Incident) -> None:
    incident.due_at = deadline(tenant, incident.category, incident.urgency, utcnow())
    _set_state(incident, "reported")


def escalate(tenant, incident: Incident, to: str, note: str, department: str | None = None, auto: bool = False,
             uploads=()) -> Step:
    """Pass the incident up (流转): ``to`` is ``parent`` (the parent grid), ``office`` (乡镇网格办)
    or ``department`` (one of the township's departments). It waits there to be accepted."""
    if incident.state not in MOVABLE:
        raise _conflict(incident, "escalate")
    note = note if auto else _need_note(note)
    if to == "parent":
        parent = incident.handling_grid.parent if incident.level == "grid" and incident.handling_grid else None
        if parent is None:
            raise ApiError(422, "validation_error", _("已是最高一级网格，请流转至乡镇网格办"),
                           {"to": [_("没有上级网格，请流转到乡镇（office）")]})
        # the village level is reached at a first-level grid, however many steps it took
        target, reach = ("grid", parent, None), 1 if parent.parent_id is None else 0
    elif to == "office":
        if incident.level != "grid":
            raise ApiError(422, "validation_error", _("只能从网格流转至乡镇网格办"), {"to": [_("已在乡镇或部门")]})
        target, reach = ("office", None, None), 2
    elif to == "department":
        names = module_settings(tenant, "incidents")["departments"]
        if department not in names:
            raise ApiError(422, "validation_error", _("请选择本乡镇的部门"), {"department": [_("可选：%(names)s", names=_("、").join(names))]})
        if incident.level == "department":
            raise ApiError(422, "validation_error", _("已在部门办理"), {"to": [_("已在部门")]})
        target, reach = ("department", None, department), 3
    else:
        raise ApiError(422, "validation_error", _("流转去向有误"), {"to": [_("须为 parent、office 或 department")]})
    before_state, before_where = incident.state, incident.where
    _move(incident, *target)
    incident.reach = max(incident.reach, reach)
    _restart_clock(tenant, incident)
    step = _step(incident, "escalate", before_state, before_where, note)
    photo_store.store(tenant, incident, step, list(uploads))
    audit("incidents.escalate", incident, before={"where": before_where, "state": before_state},
                 after={"where": incident.where, "reach": incident.reach, "auto": auto})
    hooks(tenant).incident_escalated(tenant=tenant, incident=incident, step=step)
    db.session.flush()
    return step


def send_back(tenant, incident: Incident, note: str, to_grid: Grid | None = None, uploads=()) -> Step:
    """A higher level sends the incident back down with instructions (退回/交办) to a grid on the
    way from the incident's grid up to the current level (default: the incident's own grid)."""
    if incident.state not in MOVABLE:
        raise _conflict(incident, "send_back")
    note = _need_note(note)
    target = to_grid or incident.grid
    on_path = incident.grid.path.startswith(target.path)
    below = incident.level != "grid" or (incident.handling_grid is not None and target.level > incident.handling_grid.level)
    if not on_path or not below:
        raise ApiError(422, "validation_error", _("只能退回到事件所在网格及其上级、低于当前层级的网格"),
                       {"to_grid_id": [_("不在事件网格的上级链上或不低于当前层级")]})
    before_state, before_where = incident.state, incident.where
    _move(incident, "grid", target, None)
    _restart_clock(tenant, incident)
    step = _step(incident, "send_back", before_state, before_where, note)
    photo_store.store(tenant, incident, step, list(uploads))
    audit("incidents.send_back", incident, before={"where": before_where}, after={"where": incident.where})
    db.session.flush()
    return step


def reopen(tenant, incident: Incident, note: str, uploads=()) -> Step:
    """Reopen a closed incident at the level that closed it (重新办理)."""
    if incident.state != "closed":
        raise _conflict(incident, "reopen")
    note = _need_note(note)
    grid = db.session.get(Grid, incident.closed_grid_id) if incident.closed_grid_id else None
    _move(incident, incident.closed_level or "grid", grid, incident.closed_department)
    incident.closed_at = incident.close_hours = None
    incident.satisfaction = incident.satisfaction_note = None
    incident.reopen_count += 1
    _restart_clock(tenant, incident)
    step = _step(incident, "reopen", "closed", incident.where, note)
    photo_store.store(tenant, incident, step, list(uploads))
    audit("incidents.reopen", incident, before={"state": "closed"}, after={"state": "reported", "where": incident.where})
    db.session.flush()
    return step


def rate(tenant, incident: Incident, satisfaction: str, note: str = "", reopen_it: bool = False) -> Incident:
    """The reporter's satisfaction with a closed incident (满意度回访); a dissatisfied reporter
    may ask to reopen it."""
    if incident.state != "closed":
        raise _conflict(incident, "rate")
    if incident.satisfaction is not None:
        raise ApiError(409, "already_rated", _("已评价过"), {"satisfaction": [_("已评价")]})
    if reopen_it and satisfaction != "dissatisfied":
        raise ApiError(422, "validation_error", _("只有不满意时可要求重新办理"), {"reopen": [_("仅限不满意")]})
    incident.satisfaction, incident.satisfaction_note = satisfaction, (note or "")[:500]
    _step(incident, "rate", "closed", incident.where, f"{satisfaction} {note or ''}".strip())
    audit("incidents.rate", incident, after={"satisfaction": satisfaction})
    db.session.flush()
    if reopen_it:
        reopen(tenant, incident, "群众不满意，要求重新办理：" + (note or ""))
    return incident


def possible_duplicates(incident: Incident, limit: int = 5) -> list[Incident]:
    """Open incidents of the same category in the same grid, reported recently (疑似重复)."""
    hours = module_settings(incident_tenant(incident), "incidents")["duplicate_window_hours"]
    since = incident.reported_at - dt.timedelta(hours=hours)
    stmt = (select(Incident).where(Incident.grid_id == incident.grid_id, Incident.category_id == incident.category_id,
                                   Incident.state.in_(OPEN_STATES), Incident.id != incident.id,
                                   Incident.reported_at >= since).order_by(Incident.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def incident_tenant(incident: Incident):
    from core.toolkit import Tenant

    return db.session.get(Tenant, incident.tenant_id)


def merge(tenant, incident: Incident, into: Incident, note: str = "") -> Incident:
    """Merge a duplicate into an open incident (合并重复事件); the duplicate ends as ``merged``."""
    if incident.id == into.id:
        raise ApiError(422, "validation_error", _("不能与自身合并"), {"into_id": [_("不能是同一事件")]})
    if incident.state not in OPEN_STATES:
        raise _conflict(incident, "merge")
    if into.state not in OPEN_STATES:
        raise ApiError(409, "invalid_transition", _("目标事件已结束"), {"into_id": [_("目标事件须未办结")]})
    before = incident.state
    incident.merged_into_id = into.id
    _set_state(incident, "merged")
    _step(incident, "merge", before, incident.where, f"并入事件 #{into.id} {note}".strip())
    _step(into, "merge", into.state, into.where, f"合并了事件 #{incident.id}")
    audit("incidents.merge", incident, before={"state": before}, after={"merged_into_id": into.id})
    db.session.flush()
    return incident


def apply(tenant, incident: Incident, action: str, data: dict[str, Any], uploads=()) -> Any:
    """Dispatch a workflow action by name (used by the API and the pages)."""
    if action in FLOW:
        return advance(tenant, incident, action, data.get("note") or "", uploads, data.get("reason"))
    if action == "escalate":
        return escalate(tenant, incident, data.get("to") or "", data.get("note") or "", data.get("department"),
                        uploads=uploads)
    if action == "send_back":
        grid = None
        if data.get("to_grid_id") is not None:
            grid = db.session.get(Grid, data["to_grid_id"])
            if grid is None:
                raise ApiError(422, "validation_error", _("网格不存在"), {"to_grid_id": [_("网格不存在")]})
        return send_back(tenant, incident, data.get("note") or "", grid, uploads)
    if action == "reopen":
        return reopen(tenant, incident, data.get("note") or "", uploads)
    raise ApiError(404, "unknown_action", _("没有操作 %(action)s", action=action))
