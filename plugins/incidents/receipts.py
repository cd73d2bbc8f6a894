"""Report receipts and tracking (回执与进度查询): what a reporter sees of their report.

* Every report gets a **receipt number** (回执号): ten characters drawn at random from an
  alphabet without look-alikes (no 0/O, 1/I/L), unique within the township. Random rather than a
  sequence, so one receipt says nothing about the next report or another township's, and with
  ~49 bits a guessed receipt finds nothing. It is shown as ``ABCDE-FGHJK`` and read back with or
  without the dash, in either case.
* :func:`progress` tells the status and the timeline **in plain words**: who has it now (the grid,
  the village, the township office, a department) and what happened when, never who (no staff
  names, no other residents). The one note written by staff that a reporter sees is the reply
  given when it was settled (the note of the 办结 / 当场办结 step, which the staff's form says
  goes to the reporter), with the photos of the result (:func:`result_of`).
* :func:`reopen_by_resident` reopens a closed report within the township's
  ``resident_reopen_days`` (setting, default 7) with the resident's reason as a timeline step.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select

from core.toolkit import ApiError, N_, db, format_local, gettext as _, module_settings, utcnow
from plugins.incidents.models import Incident

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
STATUS_WORDS = {"reported": N_("已收到，等待受理"), "accepted": N_("已受理，正在安排"), "in_progress": N_("正在办理"),
                "resolved": N_("已办好，等待核实"), "closed": N_("已办结"), "rejected": N_("未予受理"),
                "merged": N_("已与同一问题合并办理")}
SATISFACTION_WORDS = {"satisfied": N_("满意"), "basically": N_("基本满意"), "dissatisfied": N_("不满意")}


def local_text(moment: dt.datetime | None) -> str:
    """A stored time as the township's wall time for residents' pages."""
    return format_local(moment, "%Y-%m-%d %H:%M")


def new_receipt() -> str:
    """A receipt number not yet used in this township."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if db.session.scalar(select(Incident.id).where(Incident.receipt == code)) is None:
            return code


def clean_receipt(raw: str | None) -> str | None:
    code = (raw or "").replace("-", "").replace(" ", "").upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def show_receipt(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def by_receipt(raw: str) -> Incident:
    """This township's incident with receipt ``raw``; 404 in plain Chinese otherwise (another
    township's receipt included: the ORM scope never finds it)."""
    code = clean_receipt(raw)
    incident = db.session.scalar(select(Incident).where(Incident.receipt == code)) if code else None
    if incident is None:
        raise ApiError(404, "not_found", _("没有查到这个回执号，请核对后再试。回执号只能在提交问题的乡镇查询。"))
    return incident


def holder(incident: Incident) -> str:
    """Who has the report now, in words a resident knows."""
    if incident.level == "office":
        return _("乡镇网格办")
    if incident.level == "department":
        return incident.department or _("有关部门")
    grid = incident.handling_grid
    if grid is None:
        return ""
    if grid.id == incident.grid_id:
        return _("所在网格（%(name)s）", name=grid.name)
    if grid.level == 1:
        return _("村（社区）：%(name)s", name=grid.name)
    return _("上级网格：%(name)s", name=grid.name)


def _step_words(step) -> str:
    where = step.to_where or ""
    words = {
        "report": _("您的反映已送达%(where)s", where=where),
        "accept": _("%(where)s已受理", where=where),
        "start": _("%(where)s开始办理", where=where),
        "resolve": _("%(where)s已办好，等待核实", where=where),
        "close": _("已办结"),
        "reject": _("未予受理"),
        "escalate": _("转交%(where)s办理", where=where),
        "send_back": _("交由%(where)s办理", where=where),
        "reopen": _("重新办理，由%(where)s负责", where=where),
        "rate": _("您已评价"),
        "merge": _("与同一问题合并办理"),
    }
    return words.get(step.action, _("办理中"))


RESULT_ACTIONS = ("resolve", "close", "settle")


def result_of(incident: Incident) -> dict[str, Any] | None:
    """Once resolved: the staff's reply (the latest settling note) and the ids of the result
    photos (those added when it was settled or closed); None while it is still being handled."""
    if incident.state not in ("resolved", "closed"):
        return None
    steps = [s for s in incident.steps if s.action in RESULT_ACTIONS]
    reply = next((s.note for s in reversed(steps) if s.note and s.action in ("resolve", "settle")), "")
    return {"reply": reply, "photos": [p.id for s in steps for p in s.photos]}


def result_photo(incident: Incident, photo_id: int):
    """A result photo of ``incident`` (404 for any other photo: the reporter's own and the steps
    between stay with staff)."""
    result = result_of(incident)
    if result is None or photo_id not in result["photos"]:
        raise ApiError(404, "not_found", _("没有这张照片。"))
    from plugins.incidents.models import Photo

    return db.session.get(Photo, photo_id)


def reopen_deadline(tenant, incident: Incident) -> dt.datetime | None:
    """Until when the reporter may ask to reopen (None: not closed, or the township allows none)."""
    days = module_settings(tenant, "incidents")["resident_reopen_days"]
    if incident.state != "closed" or incident.closed_at is None or days <= 0:
        return None
    return incident.closed_at + dt.timedelta(days=days)


def progress(tenant, incident: Incident) -> dict[str, Any]:
    """The tracking page's content: status, holder and timeline in plain words (UTC times)."""
    deadline = reopen_deadline(tenant, incident)
    return {
        "receipt": show_receipt(incident.receipt), "code": incident.receipt, "state": incident.state,
        "status": _(STATUS_WORDS[incident.state]), "holder": holder(incident) if incident.is_open else "",
        "category": incident.category.name, "grid": incident.grid.name, "place": incident.place,
        "description": incident.description, "reported_at": local_text(incident.reported_at),
        "reject_reason": incident.reject_reason if incident.state == "rejected" else None,
        "steps": [{"at": s.at, "at_text": local_text(s.at), "words": _step_words(s)} for s in incident.steps],
        "can_rate": incident.state == "closed" and incident.satisfaction is None,
        "result": result_of(incident),
        "satisfaction": _(SATISFACTION_WORDS[incident.satisfaction]) if incident.satisfaction else None,
        "reopen_until": local_text(deadline) if deadline is not None and deadline > utcnow() else None,
        "reopen_days": module_settings(tenant, "incidents")["resident_reopen_days"],
    }


def reopen_by_resident(tenant, incident: Incident, note: str) -> None:
    """Reopen a closed report at the reporter's request, within the township's window (409 with a
    plain message after it, or when it is not closed); the reason is the timeline step's note."""
    from plugins.incidents import services

    note = (note or "").strip()
    if not note:
        raise ApiError(422, "validation_error", _("请说明还有什么问题"), {"note": [_("请说明还有什么问题")]})
    if incident.state != "closed":
        raise ApiError(409, "not_closed", _("这件事还在办理中，不需要申请重新办理。"))
    deadline = reopen_deadline(tenant, incident)
    if deadline is None or deadline < utcnow():
        days = module_settings(tenant, "incidents")["resident_reopen_days"]
        raise ApiError(409, "reopen_window_passed",
                       _("已超过办结后 %(days)s 天的申请期限，不能再申请重新办理；如有新问题请重新反映。", days=days))
    services.reopen(tenant, incident, "群众申请重新办理：" + note[:900])  # stored words stay Chinese


def household_reports(household_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The household's reports sent from its card's session, newest first, for its portal section."""
    rows = db.session.scalars(select(Incident).where(Incident.household_id == household_id)
                              .order_by(Incident.id.desc()).limit(limit))
    return [{"code": r.receipt, "receipt": show_receipt(r.receipt), "category": r.category.name,
             "status": _(STATUS_WORDS[r.state]), "reported_at": local_text(r.reported_at)} for r in rows]
