"""Numbers (统计): published stars per branch, the township's ranking, the dashboard widget and
the headline numbers for the county comparison."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.toolkit import db
from plugins.five_star.branches import branch_columns
from plugins.five_star.models import Award, Plan, Standard, Star

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
    approved or submitted plan) or ``none`` — the wall map's colours.

    Four column queries per township whatever its size (the county's map asks every township)."""
    stars = [{"code": c, "name": n} for c, n in db.session.execute(
        select(Star.code, Star.name).join(Standard, Standard.id == Star.standard_id)
        .where(Standard.year == year).order_by(Star.sort)).all()]
    have: dict[int, set[str]] = {}
    lost: dict[int, set[str]] = {}
    for org_id, code, active in db.session.execute(select(Award.org_id, Award.star_code, Award.withdrawn_at.is_(None))
                                                   .where(Award.year == year)).all():
        (have if active else lost).setdefault(org_id, set()).add(code)
    aiming = {org_id: set(codes or ()) for org_id, state, codes in db.session.execute(
        select(Plan.org_id, Plan.state, Plan.star_codes).where(Plan.year == year)).all()
        if state in ("submitted", "approved")}
    rows = []
    for org_id, name, grid_name in db.session.execute(branch_columns()).all():
        held_here = have.get(org_id, set())
        cells = {}
        for s in stars:
            code = s["code"]
            cells[code] = ("held" if code in held_here else "lost" if code in lost.get(org_id, ()) else
                           "aiming" if code in aiming.get(org_id, ()) else "none")
        rows.append({"org_id": org_id, "name": name, "grid_name": grid_name, "cells": cells, "stars": len(held_here)})
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
