"""The standard as a county template (县级模板): its items are the key tasks, keyed by ``code``.

A county publishes the key tasks of the five stars; a township adopts them into its standard of
the year. Adopted tasks are locked (``locked=True``): the township may add tasks of its own, never
drop a county task or weaken its criteria (see :mod:`plugins.five_star.standards`). A task the
county drops is unlocked, not deleted: results already scored against it keep their standard.

:func:`apply_items`, :func:`read_items` and :func:`default_items` are the three functions core's
``TemplateKind`` asks for (``register_template_kinds`` in hooks.py hands them over). A township that has not adopted keeps the seeded default standard
(the same tasks, :func:`plugins.five_star.standards.adopt_standard`).
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import delete

from core.toolkit import ApiError, audit, db
from core.toolkit import gettext as _
from plugins.five_star.clock import this_year
from plugins.five_star.defaults import STARS
from plugins.five_star.models import Criterion, Task
from plugins.five_star.schemas import CriterionIn
from plugins.five_star.standards import _add_task, check_criterion, ensure_standard, star_by_code

KIND = "five_star.tasks"


class TaskItem(Schema):
    """One key task as the county publishes it."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    star_code = fields.String(required=True, validate=validate.OneOf([s["code"] for s in STARS]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    active = fields.Boolean(load_default=True)
    criteria = fields.List(fields.Nested(CriterionIn), required=True, validate=validate.Length(min=1, max=20))


def default_items() -> list[dict[str, Any]]:
    """The county's starting list: the default standard's 29 key tasks."""
    return [{"code": t["code"], "star_code": s["code"], "title": t["title"], "active": True,
             "criteria": [dict(c) for c in t["criteria"]]} for s in STARS for t in s["tasks"]]


def _criteria_dicts(task: Task) -> list[dict[str, Any]]:
    return [{"kind": c.kind, "title": c.title, "max_score": c.max_score, "metric_key": c.metric_key,
             "threshold": c.threshold, "items": list(c.items)} for c in task.criteria]


def read_items(tenant, year: int | None = None) -> list[dict[str, Any]]:
    """The township's tasks of ``year`` (default: this year) shaped like :class:`TaskItem`, its
    own additions included."""
    standard = ensure_standard(year or this_year())
    return [{"code": t.code, "star_code": s.code, "title": t.title, "active": True, "criteria": _criteria_dicts(t)}
            for s in standard.stars for t in s.tasks]


def apply_items(tenant, items: list[dict[str, Any]], removed: list[str], year: int | None = None) -> None:
    """Write the adopted county tasks into the township's standard of ``year``: new ones are
    added locked, known ones take the county's title and criteria and are locked, inactive or
    ``removed`` ones are unlocked (kept for the results already scored against them)."""
    standard = ensure_standard(year or this_year())
    tasks = {t.code: t for s in standard.stars for t in s.tasks}
    for item in items:  # every item checked before anything is written
        for i, c in enumerate(item["criteria"]):
            check_criterion(c, f"{item['code']}.criteria.{i}")
    for item in items:
        task = tasks.get(item["code"])
        if not item.get("active", True):
            if task is not None:
                task.locked = False
            continue
        if task is None:
            star = star_by_code(standard, item["star_code"])
            if star is None:
                raise ApiError(422, "validation_error", _("标准中没有这颗星"), {f"{item['code']}.star_code": [_("未定义")]})
            _add_task(star, item, sort=len(star.tasks), locked=True)
            continue
        task.title, task.locked = item["title"], True
        db.session.execute(delete(Criterion).where(Criterion.task_id == task.id))
        for c_i, c in enumerate(item["criteria"]):
            db.session.add(Criterion(task_id=task.id, kind=c["kind"], title=c["title"], max_score=c["max_score"],
                                     metric_key=c.get("metric_key"), threshold=c.get("threshold"),
                                     items=list(c.get("items") or []), sort=c_i))
    for code in removed:
        if code in tasks:
            tasks[code].locked = False
    db.session.flush()
    db.session.expire_all()
    audit("five_star.template_apply", standard, after={"items": len(items), "removed": list(removed)})
