"""Numbers (统计): published stars per branch, the township's ranking, the dashboard widget and
the headline numbers for the county comparison."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.toolkit import db
from plugins.five_star.branches import all_branches
from plugins.five_star.models import Award, Plan
from plugins.five_star.standards import standard_of

STAR_CODES = ("party", "industry", "ecology", "safety", "civility")


def held(year: int) -> dict[int, set[str]]:
    """Per branch id, the codes of the stars it holds now in ``year``."""
    out: dict[int, set[str]] = {}
    for org_id, code in db.session.execute(select(Award.org_id, Award.star_code).where(
            Award.year == year, Award.withdrawn_at.is_(None))).all():
        out.setdefault(org_id, set()).add(code)
    return out


def withdrawn(year: int) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for org_id, code in db.session.execute(select(Award.org_id, Award.star_code).where(
            Award.year == year, Award.withdrawn_at.isnot(None))).all():
        out.setdefault(org_id, set()).add(code)
    return out


def star_table(year: int) -> dict[str, Any]:
    """Villages × stars: each cell ``held``, ``lost`` (withdrawn, not won back), ``aiming`` (in the
    approved or submitted plan) or ``none`` — the wall map's colours."""
    standard = standard_of(year)
    stars = [{"code": s.code, "name": s.name} for s in standard.stars] if standard else []
    have, lost = held(year), withdrawn(year)
    plans = {p.org_id: p for p in db.session.scalars(select(Plan).where(Plan.year == year))}
    rows = []
    for b in all_branches():
        plan = plans.get(b.id)
        aiming = set(plan.star_codes) if plan and plan.state in ("submitted", "approved") else set()
        cells = {}
        for s in stars:
            code = s["code"]
            cells[code] = ("held" if code in have.get(b.id, ()) else "lost" if code in lost.get(b.id, ())
                           else "aiming" if code in aiming else "none")
        rows.append({"org_id": b.id, "name": b.name, "grid_name": b.grid.name, "cells": cells,
                     "stars": len(have.get(b.id, ()))})
    return {"year": year, "stars": stars, "rows": rows}


def ranking(year: int) -> list[dict[str, Any]]:
    """Branches by stars held, most first; equal counts share a rank."""
    rows = sorted(star_table(year)["rows"], key=lambda r: (-r["stars"], r["name"]))
    rank, last = 0, None
    for i, r in enumerate(rows, start=1):
        if r["stars"] != last:
            rank, last = i, r["stars"]
        r["rank"] = rank
    return rows


def summary(year: int) -> dict[str, Any]:
    """Stars per kind and branches by number of stars (0..5)."""
    table = star_table(year)
    per_star = {s["code"]: 0 for s in table["stars"]}
    by_count = {n: 0 for n in range(len(table["stars"]) + 1)}
    for r in table["rows"]:
        for code, state in r["cells"].items():
            per_star[code] += state == "held"
        by_count[r["stars"]] = by_count.get(r["stars"], 0) + 1
    names = {s["code"]: s["name"] for s in table["stars"]}
    return {"branches": len(table["rows"]), "stars": sum(per_star.values()), "per_star": per_star, "names": names,
            "by_count": by_count, "five_star": by_count.get(len(table["stars"]), 0) if table["stars"] else 0}
