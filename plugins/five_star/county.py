"""The county's part (县级): the wall map of every township's villages × stars, the assessments
waiting for the county, and confirming or returning them (三级联创的县级评定), and the county
withdrawing a published star itself (县级摘星).

The county reads and writes a township's rows only inside that township's own tenant context
(``tenant_context``), one township at a time, and only for townships whose parent is this county:
the guard is never lifted. Routes answer 404 on a township tenant.
"""
from __future__ import annotations

from typing import Any, Iterator

from flask import g
from sqlalchemy import select

from core.toolkit import ApiError, PartyOrg, Tenant, TenantKind, db, enabled_modules, tenant_context
from plugins.five_star import assessment as flow
from plugins.five_star import stats
from plugins.five_star.branches import branch_or_404
from plugins.five_star.models import Assessment, Award, Star
from core.toolkit import gettext as _


def county() -> Tenant:
    if g.tenant.kind != TenantKind.county:
        raise ApiError(404)
    return g.tenant


def townships() -> list[Tenant]:
    """The county's townships that have the module on, by name."""
    towns = db.session.scalars(select(Tenant).where(Tenant.parent_id == county().id).order_by(Tenant.name, Tenant.id))
    return [t for t in towns if t.status.value != "archived" and "five_star" in enabled_modules(t)]


def township(slug: str) -> Tenant:
    town = next((t for t in townships() if t.slug == slug), None)
    if town is None:
        raise ApiError(404, "not_found", _("本县没有该乡镇"))
    return town


def each_township() -> Iterator[Tenant]:
    """Yield each township with its tenant context entered."""
    for town in townships():
        with tenant_context(town):
            yield town


def wall_map(year: int) -> list[dict[str, Any]]:
    """Per township, its villages × stars table (see :func:`stats.star_table`)."""
    out = []
    for town in each_township():
        table = stats.star_table(year)
        out.append({"slug": town.slug, "name": town.name, "stars": table["stars"], "rows": table["rows"]})
    return out


def league(towns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Townships by stars held (from :func:`wall_map`'s answer), most first: branches, stars,
    five-star branches and the average per branch (县级对比)."""
    out = []
    for t in towns:
        full = len(t["stars"])
        stars = sum(r["stars"] for r in t["rows"])
        out.append({"slug": t["slug"], "name": t["name"], "branches": len(t["rows"]), "stars": stars,
                    "five_star": sum(1 for r in t["rows"] if full and r["stars"] == full),
                    "per_branch": round(stars / len(t["rows"]), 2) if t["rows"] else 0.0})
    return sorted(out, key=lambda r: (-r["per_branch"], -r["stars"], r["name"]))


def waiting(year: int) -> list[dict[str, Any]]:
    """Assessments at the county level in every township (待县级评定)."""
    out = []
    for town in each_township():
        rows = db.session.scalars(select(Assessment).where(Assessment.year == year, Assessment.state == "county")
                                  .order_by(Assessment.id))
        for a in rows:
            star = db.session.get(Star, a.star_id)
            org = branch_or_404(a.org_id)
            out.append({"township": town.slug, "township_name": town.name, "branch": org.name,
                        **flow.assessment_dict(a, star)})
    return out


def act(slug: str, assessment_id: int, verb: str, scores: dict, comment: str) -> dict[str, Any]:
    """Confirm (scores) or return (comment) a township's assessment, in that township's context."""
    town = township(slug)
    with tenant_context(town):
        row = db.session.get(Assessment, assessment_id)
        if row is None:
            raise ApiError(404, "not_found", _("评星不存在"))
        star, org = db.session.get(Star, row.star_id), branch_or_404(row.org_id)
        if row.state != "county":
            raise flow._conflict(row, verb)
        flow.step(town, row, org, star, flow.action_for("county", verb), scores, comment)
        body = flow.assessment_dict(row, star)
        db.session.commit()
    return body


def awards(year: int, slug: str) -> dict[str, Any]:
    """A township's published stars of ``year`` (held and withdrawn), for the county to withdraw
    one itself (县级摘星), with each star's tasks to choose what to redo."""
    town = township(slug)
    with tenant_context(town):
        rows = db.session.scalars(select(Award).where(Award.year == year).order_by(Award.org_id, Award.id)).all()
        stars = {s.id: s for s in db.session.scalars(select(Star).where(Star.id.in_({a.star_id for a in rows})))}
        names = {o.id: o.name for o in db.session.scalars(select(PartyOrg).where(PartyOrg.id.in_({a.org_id for a in rows})))}
        items = [{**flow.award_dict(a), "branch": names.get(a.org_id, ""), "star_name": stars[a.star_id].name,
                  "tasks": [{"id": t.id, "title": t.title} for t in stars[a.star_id].tasks]} for a in rows]
    return {"township": town.slug, "township_name": town.name, "year": year, "items": items}


def withdraw(slug: str, award_id: int, reason: str, redo_task_ids: list[int]) -> dict[str, Any]:
    """The county withdraws a township's published star itself (摘星), in that township's context:
    recorded with the county user's name and ``withdrawn_level`` "county", audited in the
    township's log, and the branch goes into re-cultivation like any withdrawal."""
    town = township(slug)
    with tenant_context(town):
        award = db.session.get(Award, award_id)
        if award is None:
            raise ApiError(404, "not_found", _("该乡镇没有这颗星"))
        flow.withdraw(award, db.session.get(Star, award.star_id), reason, redo_task_ids, level="county")
        body = flow.award_dict(award)
        db.session.commit()
    return body
