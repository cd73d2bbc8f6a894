"""Creation plans (创建计划表): a branch declares the stars it aims for this year with an action,
owner and dates per key task; the township approves or returns it; the township sees who filed
and reminds the missing.

States: ``draft`` → (submit) ``submitted`` → (approve) ``approved`` | (return) ``returned`` →
edit and submit again. Only ``draft`` and ``returned`` plans can be edited.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core.toolkit import ApiError, PartyOrg, audit, db, utcnow
from plugins.five_star.clock import iso
from plugins.five_star.branches import all_branches
from plugins.five_star.models import Plan, PlanAction, Reminder
from plugins.five_star.reminders import message_for, reminder_dict, reminders_of
from plugins.five_star.standards import ensure_standard, star_by_code
from plugins.five_star.web import actor_name
from core.toolkit import gettext as _

FLOW = {"submit": (("draft", "returned"), "submitted"), "approve": (("submitted",), "approved"),
        "return": (("submitted",), "returned")}
EDITABLE = ("draft", "returned")
FILED = ("submitted", "approved")


def plan_of(org: PartyOrg, year: int) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.org_id == org.id, Plan.year == year))


def _check(standard, data: dict[str, Any]) -> None:
    codes = data["star_codes"]
    unknown = [c for c in codes if star_by_code(standard, c) is None]
    if unknown:
        raise ApiError(422, "validation_error", _("%(year)s年度标准中没有这些星：%(codes)s", year=standard.year, codes=_("、").join(unknown)),
                       {"star_codes": [_("标准中没有：%(codes)s", codes=_("、").join(unknown))]})
    if len(set(codes)) != len(codes) or not codes:
        raise ApiError(422, "validation_error", _("请选择至少一颗星且不重复"), {"star_codes": [_("至少一颗、不重复")]})
    tasks = {t.id for c in codes for t in star_by_code(standard, c).tasks}
    for i, action in enumerate(data["actions"]):
        if action["task_id"] not in tasks:
            raise ApiError(422, "validation_error", _("措施须对应所选星的重点任务"),
                           {f"actions.{i}.task_id": [_("不是所选星的任务")]})
        if action.get("start_on") and action.get("due_on") and action["due_on"] < action["start_on"]:
            raise ApiError(422, "validation_error", _("完成时限不能早于开始日期"),
                           {f"actions.{i}.due_on": [_("早于开始日期")]})


def save_plan(org: PartyOrg, year: int, data: dict[str, Any]) -> Plan:
    """Create or replace the branch's plan for ``year`` (while ``draft`` or ``returned``)."""
    standard = ensure_standard(year)
    _check(standard, data)
    plan = plan_of(org, year)
    if plan is not None and plan.state not in EDITABLE:
        raise ApiError(409, "invalid_transition", _("计划已提交或已审核，不能修改"),
                       {"state": [plan.state]})
    before = {"star_codes": plan.star_codes, "actions": len(plan.actions)} if plan else None
    if plan is None:
        plan = Plan(org_id=org.id, year=year, standard_id=standard.id, state="draft", star_codes=[])
        try:
            with db.session.begin_nested():
                db.session.add(plan)
                db.session.flush()
        except IntegrityError:
            raise ApiError(409, "changed_meanwhile", _("该支部本年度计划刚由他人创建，请刷新")) from None
    else:
        db.session.execute(delete(PlanAction).where(PlanAction.plan_id == plan.id))
    plan.star_codes = list(data["star_codes"])
    for action in data["actions"]:
        db.session.add(PlanAction(plan_id=plan.id, **action))
    db.session.flush()
    db.session.expire(plan, ["actions"])
    audit("five_star.plan_save", plan, before=before, after={"star_codes": plan.star_codes, "actions": len(data["actions"])})
    return plan


def move_plan(plan: Plan, action: str, comment: str = "") -> Plan:
    """Submit, approve or return (a comment is required) a plan."""
    starts, target = FLOW[action]
    if plan.state not in starts:
        raise ApiError(409, "invalid_transition", _("计划当前为 %(state)s，不能 %(action)s", state=plan.state, action=action),
                       {"state": [plan.state]})
    comment = (comment or "").strip()
    if action == "return" and not comment:
        raise ApiError(422, "validation_error", _("退回须填写意见"), {"comment": [_("必填")]})
    if action == "submit" and not plan.actions:
        raise ApiError(422, "validation_error", _("计划至少需要一项措施"), {"actions": [_("必填")]})
    before = plan.state
    plan.state = target
    now = utcnow()
    if action == "submit":
        plan.submitted_at = now
    else:
        plan.decided_at, plan.decided_by, plan.comment = now, actor_name(), comment
    db.session.flush()
    audit(f"five_star.plan_{action}", plan, before={"state": before}, after={"state": target, "comment": comment})
    return plan


def filing(year: int) -> dict[str, Any]:
    """Which branches have filed this year's plan (e.g. 44 villages, 38 filed, 6 missing)."""
    branches = all_branches()
    plans = {p.org_id: p for p in db.session.scalars(select(Plan).where(Plan.year == year))}
    reminded = reminders_of(year)
    rows = []
    for b in branches:
        plan = plans.get(b.id)
        state = plan.state if plan else "missing"
        rows.append({"org_id": b.id, "name": b.name, "grid_id": b.grid_id, "grid_name": b.grid.name,
                     "plan_id": plan.id if plan else None, "state": state, "filed": state in FILED,
                     "reminders": len(reminded.get(b.id, [])),
                     "last_reminder": reminder_dict(reminded[b.id][0]) if b.id in reminded else None})
    filed = sum(1 for r in rows if r["filed"])
    return {"year": year, "total": len(rows), "filed": filed, "missing": len(rows) - filed,
            "approved": sum(1 for r in rows if r["state"] == "approved"), "branches": rows}


def remind_missing(year: int, org_ids: list[int] | None = None) -> list[int]:
    """Queue reminders to the branches that have not filed (all of them, or those of ``org_ids``
    among them); the ``five_star.send_reminders`` schedule delivers them (see :mod:`reminders`).
    A branch whose last reminder is still waiting to go out is not queued twice (a double click
    must not put two notices in the secretary's inbox). Returns the branches queued now."""
    rows = filing(year)["branches"]
    missing = [r["org_id"] for r in rows if not r["filed"]]
    queued = {r["org_id"] for r in rows if r["last_reminder"] and r["last_reminder"]["sent_at"] is None}
    if org_ids is not None:
        strangers = [i for i in org_ids if i not in missing]
        if strangers:
            raise ApiError(422, "validation_error", _("只能催报未报送计划的支部"),
                           {"org_ids": [_("已报送或不是本乡镇支部：%(ids)s", ids=strangers)]})
        missing = org_ids
    missing = [i for i in dict.fromkeys(missing) if i not in queued]
    now, by = utcnow(), actor_name()
    orgs = {b.id: b for b in all_branches()}
    for org_id in missing:
        db.session.add(Reminder(org_id=org_id, year=year, at=now, by=by, message=message_for(orgs[org_id], year, by),
                                recipients=[]))
    db.session.flush()
    audit("five_star.remind", None, object_type="five_star_plan", after={"year": year, "org_ids": missing})
    return missing


def plan_dict(plan: Plan) -> dict[str, Any]:
    return {"id": plan.id, "org_id": plan.org_id, "year": plan.year, "state": plan.state, "star_codes": plan.star_codes,
            "comment": plan.comment, "submitted_at": iso(plan.submitted_at),
            "decided_at": iso(plan.decided_at), "decided_by": plan.decided_by,
            "actions": [{"id": a.id, "task_id": a.task_id, "action": a.action, "owner": a.owner,
                         "start_on": a.start_on.isoformat() if a.start_on else None,
                         "due_on": a.due_on.isoformat() if a.due_on else None} for a in plan.actions]}
