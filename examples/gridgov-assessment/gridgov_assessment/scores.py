"""Scores, ranking, star grades and the year (计分、季排队、星级、年度汇总): reads only.

A grid's score on a rule is its points less what it lost: the inspections' deductions plus, for a
rule with a ``metric_key``, the share of the points the number fell short of its ``target``
(``max × (1 − min(value / target, 1))``); a rule never loses more than its points. A rule whose
number nobody answered is scored from the inspections alone and says so. Grids are the
township's active grids without active children (the smallest units, where a leader answers for
the work); grid leaders and grid instructors (网格指导员, core's grid duties) score the average
of the grids they hold.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from core.toolkit import DutyKind, Grid, GridDuty, GridStatus, db, module_settings

from gridgov_assessment.models import ChecklistRule, Deduction, Quarter
from gridgov_assessment.numbers import numbers_of

PERIOD = re.compile(r"^\d{4}-Q[1-4]$")


def quarter_by_period(period: str) -> Quarter | None:
    if not PERIOD.match(period or ""):
        return None
    return db.session.scalar(select(Quarter).where(Quarter.period == period))


def assessed_level(tenant) -> int:
    """The grid level assessed: the setting, else the level the township calls 网格, else the deepest."""
    chosen = module_settings(tenant, "assessment")["grid_level"]
    names = tenant.level_names
    if chosen:
        return min(chosen, len(names))
    return names.index("网格") + 1 if "网格" in names else len(names)


def assessed_grids(tenant) -> list[Grid]:
    """The active grids of the assessed level, and active grids above it with none below (a
    village not divided into grids is scored itself), in tree order; each with ``label``
    (its parent's name before its own, since 一网格 is in every village)."""
    level = assessed_level(tenant)
    grids = db.session.scalars(select(Grid).where(Grid.status == GridStatus.active, Grid.level <= level)
                               .order_by(Grid.path)).all()
    parents = {g.parent_id for g in grids if g.parent_id is not None}
    names = {g.id: g.name for g in grids}
    chosen = [g for g in grids if g.level == level or g.id not in parents]
    for grid in chosen:
        grid.label = f"{names[grid.parent_id]} · {grid.name}" if grid.parent_id in names else grid.name
    return chosen


def rules_of(quarter: Quarter, active_only: bool = True) -> list[ChecklistRule]:
    stmt = select(ChecklistRule).where(ChecklistRule.quarter_id == quarter.id).order_by(ChecklistRule.sort, ChecklistRule.id)
    if active_only:
        stmt = stmt.where(ChecklistRule.active.is_(True))
    return list(db.session.scalars(stmt))


def stars_for(percent: float, thresholds: list[int]) -> int:
    return sum(1 for t in thresholds if percent >= t)


def _number_loss(rule: ChecklistRule, number: dict[str, Any] | None) -> float:
    if not rule.metric_key or not rule.target or number is None:
        return 0.0
    return round(rule.max_points * (1 - min(number["value"] / rule.target, 1.0)), 1)


def grid_lines(rules: list[ChecklistRule], deductions: list[Deduction], numbers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One grid's score sheet: a line per rule (what it lost, from where) and the totals."""
    by_rule: dict[int, list[Deduction]] = {}
    for d in deductions:
        by_rule.setdefault(d.rule_id, []).append(d)
    lines, total, full = [], 0.0, 0.0
    for rule in rules:
        found = by_rule.get(rule.id, [])
        inspected = round(sum(d.points for d in found), 1)
        number = numbers.get(rule.metric_key) if rule.metric_key else None
        from_number = _number_loss(rule, number)
        lost = round(min(rule.max_points, inspected + from_number), 1)
        lines.append({"rule_id": rule.id, "code": rule.code, "item": rule.item, "title": rule.title,
                      "max_points": rule.max_points, "method": rule.method, "lost": lost,
                      "score": round(rule.max_points - lost, 1), "lost_inspected": inspected,
                      "lost_number": from_number, "number": number, "target": rule.target,
                      "metric_key": rule.metric_key, "number_missing": bool(rule.metric_key) and number is None,
                      "deductions": [deduction_dict(d) for d in found]})
        total += rule.max_points - lost
        full += rule.max_points
    return {"lines": lines, "total": round(total, 1), "full": round(full, 1),
            "percent": round(total / full * 100, 1) if full else 0.0}


def deduction_dict(d: Deduction) -> dict[str, Any]:
    return {"id": d.id, "rule_id": d.rule_id, "grid_id": d.grid_id, "points": d.points, "reason": d.reason,
            "evidence": d.evidence, "inspected_on": d.inspected_on.isoformat(), "inspector": d.inspector_name,
            "recorded_at": d.created_at}


def ranking(tenant, quarter: Quarter) -> list[dict[str, Any]]:
    """The quarter's ranking (季排队): every assessed grid's sheet, best first, with its rank (equal
    totals share a rank), stars, and the comparison with the grid just above it."""
    thresholds = module_settings(tenant, "assessment")["star_thresholds"]
    grids = assessed_grids(tenant)
    rules = rules_of(quarter)
    numbers = numbers_of(tenant, quarter, [g.id for g in grids])
    deductions: dict[int, list[Deduction]] = {}
    for d in db.session.scalars(select(Deduction).where(Deduction.quarter_id == quarter.id).order_by(Deduction.id)):
        deductions.setdefault(d.grid_id, []).append(d)
    rows = []
    for grid in grids:
        sheet = grid_lines(rules, deductions.get(grid.id, []), numbers.get(grid.id, {}))
        rows.append({"grid_id": grid.id, "grid_name": grid.name, "grid_label": grid.label, **sheet, "stars": stars_for(sheet["percent"], thresholds)})
    rows.sort(key=lambda r: (-r["total"], r["grid_name"]))
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and rows[i - 1]["total"] == row["total"] else i + 1
        row["above"] = compare(row, rows[i - 1]) if i else None
    return rows


def compare(row: dict[str, Any], above: dict[str, Any]) -> dict[str, Any]:
    """Where ``row`` lost more than the grid ranked just above it, rule by rule, largest gap first."""
    theirs = {line["rule_id"]: line["lost"] for line in above["lines"]}
    gaps = [{"rule_id": line["rule_id"], "title": line["title"], "lost": line["lost"], "their_lost": theirs.get(line["rule_id"], 0.0),
             "gap": round(line["lost"] - theirs.get(line["rule_id"], 0.0), 1)} for line in row["lines"]]
    return {"grid_id": above["grid_id"], "grid_name": above["grid_name"], "grid_label": above["grid_label"], "total": above["total"],
            "behind": round(above["total"] - row["total"], 1),
            "rules": sorted((g for g in gaps if g["gap"] > 0), key=lambda g: -g["gap"])}


def people_scores(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Grid leaders (网格长) and grid instructors (网格指导员) scored with the grids they hold."""
    totals = {r["grid_id"]: r for r in rows}
    duties = db.session.scalars(select(GridDuty).where(
        GridDuty.duty.in_([DutyKind.grid_leader, DutyKind.grid_instructor]),
        GridDuty.grid_id.in_(list(totals))).order_by(GridDuty.id)).all()
    people: dict[tuple, dict[str, Any]] = {}
    for duty in duties:
        who = (duty.duty.value, duty.user_id or duty.name)
        person = people.setdefault(who, {"duty": duty.duty.value, "name": duty.name, "user_id": duty.user_id, "grids": []})
        if duty.grid_id not in [g["grid_id"] for g in person["grids"]]:
            row = totals[duty.grid_id]
            person["grids"].append({"grid_id": row["grid_id"], "grid_name": row["grid_name"], "grid_label": row["grid_label"],
                                    "total": row["total"],
                                    "rank": row["rank"]})
    out: dict[str, list[dict[str, Any]]] = {"grid_leader": [], "grid_instructor": []}
    for person in people.values():
        person["average"] = round(sum(g["total"] for g in person["grids"]) / len(person["grids"]), 1)
        person["too_many_grids"] = person["duty"] == "grid_instructor" and len(person["grids"]) > 2
        out[person["duty"]].append(person)
    for listing in out.values():
        listing.sort(key=lambda p: (-p["average"], p["name"]))
    return out


def year_summary(tenant, year: int, published_only: bool) -> dict[str, Any]:
    """The year (年度汇总): each grid's totals and stars per quarter, its average over the quarters
    assessed, its place, and the first ``award_count`` grids proposed for the township's awards."""
    states = ("published",) if published_only else ("closed", "published")
    quarters = db.session.scalars(select(Quarter).where(Quarter.period.like(f"{year}-Q%"), Quarter.state.in_(states))
                                  .order_by(Quarter.period)).all()
    grids: dict[int, dict[str, Any]] = {}
    for quarter in quarters:
        for row in ranking(tenant, quarter):
            entry = grids.setdefault(row["grid_id"], {"grid_id": row["grid_id"], "grid_name": row["grid_name"],
                                                     "grid_label": row["grid_label"], "quarters": {}})
            entry["quarters"][quarter.period] = {"total": row["total"], "rank": row["rank"], "stars": row["stars"]}
    rows = list(grids.values())
    for row in rows:
        done = list(row["quarters"].values())
        row["average"] = round(sum(q["total"] for q in done) / len(done), 1)
        row["stars"] = sum(q["stars"] for q in done)
    rows.sort(key=lambda r: (-r["average"], r["grid_name"]))
    award_count = module_settings(tenant, "assessment")["award_count"]
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and rows[i - 1]["average"] == row["average"] else i + 1
        row["proposed_award"] = row["rank"] <= award_count
    return {"year": year, "quarters": [q.period for q in quarters], "grids": rows}
