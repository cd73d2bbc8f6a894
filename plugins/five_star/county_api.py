"""The county's five-star API (县级接口) under ``/api/v1/t/<county>/five_star/county``."""
from __future__ import annotations

from flask import Blueprint, jsonify

from core.toolkit import doc, load, requires
from plugins.five_star import county
from plugins.five_star.permissions import CONFIRM, READ
from plugins.five_star.schemas import StepIn, WithdrawIn
from plugins.five_star.web import payload, year_arg

bp = Blueprint("five_star_county", __name__, url_prefix="/api/v1/t/<tenant>/five_star/county")


@bp.get("/map")
@requires(READ)
@doc("Every township's villages × stars", tags=["five_star"])
def wall_map():
    county.county()
    towns = county.wall_map(year_arg())
    return jsonify({"year": year_arg(), "townships": towns, "league": county.league(towns)})


@bp.get("/assessments")
@requires(CONFIRM)
@doc("Assessments waiting for the county", tags=["five_star"])
def waiting():
    county.county()
    return jsonify({"items": county.waiting(year_arg())})


@bp.post("/townships/<slug>/assessments/<int:assessment_id>/<any(confirm, return):verb>")
@requires(CONFIRM)
@doc("Confirm (with scores) or return (with a comment) a township's assessment", request_schema=StepIn,
     tags=["five_star"])
def act(slug: str, assessment_id: int, verb: str):
    county.county()
    data = load(StepIn, payload())
    return jsonify(county.act(slug, assessment_id, verb, data["scores"], data["comment"]))


@bp.get("/townships/<slug>/awards")
@requires(CONFIRM)
@doc("A township's published stars of a year, held and withdrawn", tags=["five_star"])
def awards(slug: str):
    county.county()
    return jsonify(county.awards(year_arg(), slug))


@bp.post("/townships/<slug>/awards/<int:award_id>/withdraw")
@requires(CONFIRM)
@doc("The county withdraws a township's star itself, with a reason and the tasks to redo",
     request_schema=WithdrawIn, tags=["five_star"])
def withdraw(slug: str, award_id: int):
    county.county()
    data = load(WithdrawIn, payload())
    return jsonify(county.withdraw(slug, award_id, data["reason"], data["redo_task_ids"]))
