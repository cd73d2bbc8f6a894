"""Assessment on three levels (三级联创): the branch self-assesses, the township reviews and
proposes, the county confirms. The state machine is the table :data:`FLOW`; each transition is
one step row (who, when, a score per criterion, comments, and the numbers snapshotted at that
moment, so a later change in another module does not rewrite it).

A confirmed assessment whose county total reaches the star's pass score publishes the star
(:class:`Award`); a star can be withdrawn (摘星) with a reason and the tasks to redo (失星再培育),
and won back by a new assessment. A confirmed assessment never changes again.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.toolkit import ApiError, PartyOrg, audit, db, utcnow
from plugins.five_star.clock import iso
from plugins.five_star.evidence import numbers as evidence_numbers
from plugins.five_star.models import Assessment, AssessmentStep, Award, Criterion, Plan, Star, Task
from plugins.five_star.standards import max_total
from plugins.five_star.web import actor
from core.toolkit import gettext as _

# action: (the level that acts, the state it starts from, the state it leads to)
FLOW: dict[str, tuple[str, str, str]] = {
    "submit_self": ("self", "self", "township"),
    "return_to_self": ("township", "township", "self"),
    "submit_township": ("township", "township", "county"),
    "return_to_township": ("county", "county", "township"),
    "confirm": ("county", "county", "confirmed"),
}
SCORED = ("submit_self", "submit_township", "confirm")


def _conflict(assessment: Assessment, action: str) -> ApiError:
    if assessment.state == "confirmed":
        return ApiError(409, "confirmed", _("县级已评定，不能再修改"),
                        {"state": ["confirmed"]})
    return ApiError(409, "invalid_transition",
                    _("评星当前在「%(state)s」环节，不能执行 %(action)s", state=assessment.state, action=action),
                    {"state": [assessment.state]})


def action_for(level: str, verb: str) -> str:
    """The FLOW action a level means by ``submit``/``confirm`` or ``return``."""
    if verb == "return":
        return {"township": "return_to_self", "county": "return_to_township"}.get(level, "")
    return {"self": "submit_self", "township": "submit_township", "county": "confirm"}[level]


def criteria_of(star: Star) -> list[Criterion]:
    return [c for t in star.tasks for c in t.criteria]


def start_assessment(org: PartyOrg, star: Star, year: int) -> Assessment:
    """Open an assessment of ``star`` for ``org``: the star must be in the approved plan, with no
    assessment open and the star not held."""
    plan = db.session.scalar(select(Plan).where(Plan.org_id == org.id, Plan.year == year))
    if plan is None or plan.state != "approved" or star.code not in plan.star_codes:
        raise ApiError(409, "plan_not_approved", _("须先有经审核通过、包含该星的创建计划"),
                       {"star_code": [_("计划未通过或未包含该星")]})
    open_one = db.session.scalar(select(Assessment.id).where(Assessment.org_id == org.id, Assessment.star_id == star.id,
                                                             Assessment.year == year, Assessment.state != "confirmed"))
    if open_one is not None:
        raise ApiError(409, "already_open", _("该星已有进行中的评星 #%(open_one)s", open_one=open_one), {"star_code": [_("进行中")]})
    if active_award(org.id, star.id, year) is not None:
        raise ApiError(409, "already_awarded", _("该星已授予，摘星后方可重新评定"), {"star_code": [_("已授星")]})
    row = Assessment(org_id=org.id, star_id=star.id, year=year, state="self")
    db.session.add(row)
    db.session.flush()
    audit("five_star.assessment_start", row, after={"org_id": org.id, "star": star.code, "year": year})
    return row


def _scores(star: Star, given: dict[str, Any], numbers: list[dict[str, Any]]) -> dict[str, float]:
    """Every criterion's score: given, or for a threshold with its number, met → full, else 0."""
    by_key = {n["key"]: n for n in numbers}
    out, problems = {}, {}
    crits = {str(c.id): c for c in criteria_of(star)}
    for key in given:
        if key not in crits:
            problems[f"scores.{key}"] = [_("不是该星的评价标准")]
    for key, c in crits.items():
        value = given.get(key)
        if value is None and c.kind == "threshold" and c.metric_key in by_key:
            value = c.max_score if _met(c, by_key[c.metric_key]) else 0.0
        if value is None:
            problems[f"scores.{key}"] = [_("请为「%(title)s」打分", title=c.title)]
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= c.max_score:
            problems[f"scores.{key}"] = [_("须在 0 到 %(most)s 之间", most=f"{c.max_score:g}")]
        elif c.kind == "yesno" and value not in (0, c.max_score):
            problems[f"scores.{key}"] = [_("是否类标准只能为 0 或 %(most)s", most=f"{c.max_score:g}")]
        else:
            out[key] = float(value)
    if problems:
        raise ApiError(422, "validation_error", _("评分有误"), problems)
    return out


def _met(criterion: Criterion, item: dict[str, Any]) -> bool:
    """Whether a number meets the threshold; rates come as fractions (unit "%"), thresholds of
    rates are written in percent."""
    value = item["value"] * 100 if item["unit"] == "%" else item["value"]
    return value >= (criterion.threshold or 0)


def step(tenant, assessment: Assessment, org: PartyOrg, star: Star, action: str, scores: dict[str, Any] | None = None,
         comment: str = "") -> AssessmentStep:
    """Take ``action`` (a key of :data:`FLOW`); scored actions need a score per criterion, returns
    a comment. Records the step and, on ``confirm``, publishes the star when the total passes."""
    level, start, target = FLOW[action]
    if assessment.state != start:
        raise _conflict(assessment, action)
    comment = (comment or "").strip()
    nums: list[dict[str, Any]] = []
    clean: dict[str, float] = {}
    if action in SCORED:
        nums = evidence_numbers(tenant, org, assessment.year)
        clean = _scores(star, scores or {}, nums)
    elif not comment:
        raise ApiError(422, "validation_error", _("退回须填写意见"), {"comment": [_("必填")]})
    uid, name = actor()
    total = round(sum(clean.values()), 2) if action in SCORED else None
    row = AssessmentStep(assessment_id=assessment.id, level=level, action=action, actor_user_id=uid, actor_name=name,
                         at=utcnow(), scores=clean, total=total, comment=comment[:2000], numbers=nums)
    db.session.add(row)
    before = assessment.state
    assessment.state = target
    if total is not None:
        assessment.total = total
    if action == "confirm":
        assessment.awarded = total >= star.pass_score
        if assessment.awarded:
            db.session.add(Award(org_id=org.id, star_id=star.id, star_code=star.code, year=assessment.year,
                                 assessment_id=assessment.id, awarded_at=utcnow(), redo_task_ids=[]))
    db.session.flush()
    db.session.expire(assessment, ["steps"])
    audit(f"five_star.{action}", assessment, before={"state": before},
          after={"state": target, "total": total, "awarded": assessment.awarded})
    return row


def active_award(org_id: int, star_id: int, year: int) -> Award | None:
    return db.session.scalar(select(Award).where(Award.org_id == org_id, Award.star_id == star_id, Award.year == year,
                                                 Award.withdrawn_at.is_(None)))


def withdraw(award: Award, star: Star, reason: str, redo_task_ids: list[int], level: str = "township") -> Award:
    """Take a star away (摘星) at ``level`` (the township, or the county itself): a reason is
    required; the tasks to redo must be the star's."""
    if award.withdrawn_at is not None:
        raise ApiError(409, "already_withdrawn", _("该星已被摘除"))
    reason = (reason or "").strip()
    if not reason:
        raise ApiError(422, "validation_error", _("摘星须说明原因"), {"reason": [_("必填")]})
    tasks = {t.id for t in star.tasks}
    strangers = [t for t in redo_task_ids if t not in tasks]
    if strangers or not redo_task_ids:
        raise ApiError(422, "validation_error", _("请选择该星下需要整改的任务"),
                       {"redo_task_ids": [_("不是该星的任务：%(ids)s", ids=strangers) if strangers else _("必填")]})
    award.withdrawn_at, award.withdraw_reason, award.withdrawn_by = utcnow(), reason[:2000], actor()[1]
    award.redo_task_ids, award.withdrawn_level = list(redo_task_ids), level
    db.session.flush()
    audit("five_star.withdraw", award, after={"reason": reason, "redo_task_ids": redo_task_ids, "level": level})
    return award


def recultivating(year: int, org_id: int | None = None) -> list[Award]:
    """Withdrawn stars not yet won back (失星再培育) in ``year``."""
    stmt = select(Award).where(Award.year == year, Award.withdrawn_at.isnot(None))
    if org_id is not None:
        stmt = stmt.where(Award.org_id == org_id)
    return [a for a in db.session.scalars(stmt.order_by(Award.id)) if active_award(a.org_id, a.star_id, year) is None]


def assessment_dict(a: Assessment, star: Star) -> dict[str, Any]:
    return {"id": a.id, "org_id": a.org_id, "star_id": a.star_id, "star_code": star.code, "star_name": star.name,
            "year": a.year, "state": a.state, "total": a.total, "awarded": a.awarded, "pass_score": star.pass_score,
            "max_score": max_total(star),
            "steps": [{"id": s.id, "level": s.level, "action": s.action, "actor": s.actor_name, "at": iso(s.at),
                       "scores": s.scores, "total": s.total, "comment": s.comment, "numbers": s.numbers} for s in a.steps]}


def award_dict(a: Award) -> dict[str, Any]:
    return {"id": a.id, "org_id": a.org_id, "star_code": a.star_code, "year": a.year, "assessment_id": a.assessment_id,
            "awarded_at": iso(a.awarded_at), "withdrawn_at": iso(a.withdrawn_at),
            "withdraw_reason": a.withdraw_reason, "withdrawn_by": a.withdrawn_by, "withdrawn_level": a.withdrawn_level,
            "redo_task_ids": a.redo_task_ids}


def task_titles(ids: list[int]) -> list[str]:
    if not ids:
        return []
    return list(db.session.scalars(select(Task.title).where(Task.id.in_(ids)).order_by(Task.sort)))
