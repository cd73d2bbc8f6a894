"""Numbers other modules provide for a grid's score (佐证数据), each kept with its source.

Live while a quarter is open (asked through ``assessment_numbers`` each time), frozen in
``NumberSnapshot`` rows when it closes. Answers are checked here, not trusted: one that is not a
list of ``{"key": "module.metric", "value": number, ...}`` is dropped and logged, so a faulty
module costs its own numbers, never the ranking page.
"""
from __future__ import annotations

import logging
import math
import re
from typing import Any

from sqlalchemy import select

from core.toolkit import db, hooks, period_bounds

from gridgov_assessment.models import NumberSnapshot, Quarter

log = logging.getLogger("gridgov.assessment")
KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
BRIDGED = "star_evidence"  # numbers that came through five_star's hook, not answered to us directly


def from_star_evidence(tenant, grid_id: int, start, end) -> list[dict[str, Any]]:
    """The numbers installed modules offer five_star for ``grid_id``, offered to the assessment
    too (marked, so that a module answering ``assessment_numbers`` itself wins)."""
    try:
        caller = hooks(tenant).star_evidence
    except AttributeError:  # no installed module answers it
        return []
    out = []
    for answer in caller(tenant=tenant, grid_id=grid_id, start=start, end=end):
        for number in answer or []:
            if isinstance(number, dict):
                out.append({**number, "via": BRIDGED})
    return out


def _clean(number: Any) -> dict[str, Any] | None:
    if not isinstance(number, dict) or not isinstance(number.get("key"), str) or not KEY.match(number["key"]):
        return None
    value = number.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    key = number["key"]
    return {"key": key, "value": float(value), "unit": str(number.get("unit") or "")[:16],
            "label_zh": str(number.get("label_zh") or key)[:100], "label_en": str(number.get("label_en") or key)[:100],
            "source": key.split(".", 1)[0], "via": number.get("via")}


def live_numbers(tenant, grid_id: int, period: str) -> dict[str, dict[str, Any]]:
    """``{key: number}`` the enabled modules answer for ``grid_id`` over the quarter ``period``."""
    start, end = period_bounds(period, tenant)
    found: dict[str, dict[str, Any]] = {}
    for answer in hooks(tenant).assessment_numbers(tenant=tenant, grid_id=grid_id, start=start, end=end):
        if not isinstance(answer, list):
            log.warning("assessment_numbers: dropped an answer that is not a list: %r", answer)
            continue
        for raw in answer:
            number = _clean(raw)
            if number is None:
                log.warning("assessment_numbers: dropped %r", raw)
                continue
            held = found.get(number["key"])
            if held is None or (held["via"] == BRIDGED and number["via"] != BRIDGED):
                found[number["key"]] = number
    return found


def numbers_of(tenant, quarter: Quarter, grid_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """Each grid's numbers for ``quarter``: frozen once it closed, live while it is open."""
    if quarter.state == "open":
        return {grid_id: live_numbers(tenant, grid_id, quarter.period) for grid_id in grid_ids}
    out: dict[int, dict[str, dict[str, Any]]] = {grid_id: {} for grid_id in grid_ids}
    for row in db.session.scalars(select(NumberSnapshot).where(NumberSnapshot.quarter_id == quarter.id)):
        out.setdefault(row.grid_id, {})[row.key] = {
            "key": row.key, "value": row.value, "unit": row.unit, "label_zh": row.label_zh,
            "label_en": row.label_en, "source": row.source}
    return out


def freeze(tenant, quarter: Quarter, grid_ids: list[int]) -> int:
    """Snapshot the live numbers of ``quarter`` for its grids (at closing). Flushes; returns how many."""
    count = 0
    for grid_id, numbers in numbers_of(tenant, quarter, grid_ids).items():
        for n in numbers.values():
            db.session.add(NumberSnapshot(quarter_id=quarter.id, grid_id=grid_id, key=n["key"], value=n["value"],
                                          unit=n["unit"], label_zh=n["label_zh"], label_en=n["label_en"],
                                          source=n["source"]))
            count += 1
    db.session.flush()
    return count
