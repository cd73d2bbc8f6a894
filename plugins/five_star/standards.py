"""Standards (创建标准): adopt a year's standard, add the township's own tasks, adjust criteria.

A standard arrives as a payload (``{"year", "name", "stars": [{"code", "name", "pass_score",
"tasks": [{"code", "title", "locked", "criteria": [...]}]}]}``): the built-in default now, a county
template's version once county templates land (:func:`adopt_standard` is the one place that fills
the tables). Locked tasks are the county's: the township may add tasks, never drop a locked one
or weaken its criteria (lower a threshold, change a weight, switch the kind).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from core.toolkit import ApiError, audit, db
from plugins.five_star.defaults import default_standard
from plugins.five_star.models import CRITERION_KINDS, Criterion, Star, Standard, Task
from core.toolkit import gettext as _


def _invalid(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "validation_error" if status == 422 else "locked", message, {field: [message]})


def standard_of(year: int) -> Standard | None:
    return db.session.scalar(select(Standard).where(Standard.year == year))


def ensure_standard(year: int) -> Standard:
    """The standard of ``year``, adopting the default when the township has none yet."""
    return standard_of(year) or adopt_standard(default_standard(year))


def adopt_standard(payload: dict[str, Any], template_key: str | None = None, template_version: int | None = None) -> Standard:
    """Fill the tables from a standard payload (see the module docstring). 409 if the year has one."""
    if standard_of(payload["year"]) is not None:
        message = _("%(year)s年度标准已存在", year=payload['year'])
        raise ApiError(409, "already_exists", message, {"year": [message]})
    standard = Standard(year=payload["year"], name=payload["name"], template_key=template_key,
                        template_version=template_version)
    db.session.add(standard)
    db.session.flush()
    for s_i, s in enumerate(payload["stars"]):
        star = Star(standard_id=standard.id, code=s["code"], name=s["name"], pass_score=s["pass_score"], sort=s_i)
        db.session.add(star)
        db.session.flush()
        for t_i, t in enumerate(s["tasks"]):
            _add_task(star, t, sort=t_i, locked=bool(t.get("locked")))
    audit("five_star.standard_adopt", standard, after={"year": standard.year, "template": template_key,
                                                       "version": template_version})
    return standard


def _add_task(star: Star, data: dict[str, Any], sort: int, locked: bool) -> Task:
    task = Task(star_id=star.id, code=data["code"], title=data["title"], locked=locked, sort=sort)
    db.session.add(task)
    db.session.flush()
    for c_i, c in enumerate(data["criteria"]):
        db.session.add(Criterion(task_id=task.id, kind=c["kind"], title=c["title"], max_score=c["max_score"],
                                 metric_key=c.get("metric_key"), threshold=c.get("threshold"),
                                 items=list(c.get("items") or []), sort=c_i))
    db.session.flush()
    return task


def check_criterion(data: dict[str, Any], field: str = "criteria") -> None:
    """A criterion's own rules: a known kind, a positive weight, a threshold needs a number key."""
    if data["kind"] not in CRITERION_KINDS:
        raise _invalid(f"{field}.kind", "评价方式须为 threshold、yesno 或 checklist")
    if data["kind"] == "threshold" and (not data.get("metric_key") or data.get("threshold") is None):
        raise _invalid(f"{field}.threshold", _("达标值类标准须填写指标和达标值"))
    if data["kind"] == "checklist" and not data.get("items"):
        raise _invalid(f"{field}.items", _("清单类标准须列出清单项"))


def add_task(star: Star, data: dict[str, Any]) -> Task:
    """The township adds a task of its own (unlocked) under ``star``."""
    for c in data["criteria"]:
        check_criterion(c)
    sort = db.session.scalar(select(func.coalesce(func.max(Task.sort), -1)).where(Task.star_id == star.id)) + 1
    task = _add_task(star, data, sort=sort, locked=False)
    audit("five_star.task_add", task, after={"star": star.code, "title": task.title})
    return task


def delete_task(task: Task) -> None:
    if task.locked:
        raise _invalid("task_id", _("县级统一任务不能删除"), 409)
    audit("five_star.task_delete", task, before={"title": task.title})
    db.session.execute(delete(Criterion).where(Criterion.task_id == task.id))
    db.session.delete(task)
    db.session.flush()


def update_criterion(criterion: Criterion, task: Task, data: dict[str, Any]) -> Criterion:
    """Change a criterion; on a locked task only its wording and a stricter threshold."""
    before = {"title": criterion.title, "max_score": criterion.max_score, "threshold": criterion.threshold}
    if task.locked:
        for field in ("kind", "max_score", "metric_key"):
            if field in data and data[field] != getattr(criterion, field):
                raise _invalid(field, _("县级统一任务的评价方式和分值不能修改"), 409)
        if "threshold" in data and criterion.threshold is not None and (
                data["threshold"] is None or data["threshold"] < criterion.threshold):
            raise _invalid("threshold", _("不能低于县级达标值 %(threshold)s", threshold=f"{criterion.threshold:g}"), 409)
    merged = {"kind": criterion.kind, "metric_key": criterion.metric_key, "threshold": criterion.threshold,
              "items": criterion.items, **data}
    check_criterion(merged, "criterion")
    for key, value in data.items():
        setattr(criterion, key, value)
    db.session.flush()
    audit("five_star.criterion_update", criterion, before=before, after=data)
    return criterion


def max_total(star: Star) -> float:
    return sum(c.max_score for t in star.tasks for c in t.criteria)


def star_dict(star: Star) -> dict[str, Any]:
    return {"id": star.id, "code": star.code, "name": star.name, "pass_score": star.pass_score,
            "max_score": max_total(star),
            "tasks": [{"id": t.id, "code": t.code, "title": t.title, "locked": t.locked,
                       "criteria": [{"id": c.id, "kind": c.kind, "title": c.title, "max_score": c.max_score,
                                     "metric_key": c.metric_key, "threshold": c.threshold, "items": c.items}
                                    for c in t.criteria]} for t in star.tasks]}


def standard_dict(standard: Standard) -> dict[str, Any]:
    return {"id": standard.id, "year": standard.year, "name": standard.name, "template_key": standard.template_key,
            "template_version": standard.template_version, "stars": [star_dict(s) for s in standard.stars]}


def star_by_code(standard: Standard, code: str) -> Star | None:
    return next((s for s in standard.stars if s.code == code), None)
