"""Star households API (星级农户接口): stars, monthly scores by the 评分组, confirmation by the
评星组, derivation from points, the honour roll (光荣榜)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from core.toolkit import db, doc, load, requires
from plugins.five_star import households as hh
from plugins.five_star.clock import this_month
from plugins.five_star.permissions import HH_CONFIRM, HH_SCORE, READ
from plugins.five_star.schemas import ConfirmIn, MonthIn, ScoreIn

bp = Blueprint("five_star_households", __name__, url_prefix="/api/v1/t/<tenant>/five_star/households")


def _names() -> dict[int, str]:
    return {s.id: s.name for s in hh.stars()}


@bp.get("/stars")
@requires(READ)
@doc("The township's household stars (十星)", tags=["five_star"])
def list_stars():
    return jsonify({"items": [{"id": s.id, "code": s.code, "name": s.name, "category": s.category} for s in hh.stars()]})


@bp.get("/ratings")
@requires(READ)
@doc("A month's ratings (?month=YYYY-MM)", tags=["five_star"],
     query={"month": "month"})
def list_ratings():
    names = _names()
    return jsonify({"items": [hh.rating_dict(r, names) for r in hh.ratings(request.args.get("month") or this_month())]})


@bp.post("/ratings")
@requires(HH_SCORE)
@doc("The scoring group scores a household's stars for a month (评分)", request_schema=ScoreIn, tags=["five_star"],
     status=201)
def score():
    data = load(ScoreIn)
    rows = hh.score(hh.check_month(data["month"]), hh.household_or_422(data["household_id"]), data["ratings"])
    names = _names()
    body = [hh.rating_dict(r, names) for r in rows]
    db.session.commit()
    return jsonify({"items": body}), 201


@bp.post("/ratings/confirm")
@requires(HH_CONFIRM)
@doc("The rating group confirms scored stars (评星)", request_schema=ConfirmIn, tags=["five_star"])
def confirm():
    data = load(ConfirmIn)
    rows = hh.confirm(data["month"], data["rating_ids"])
    db.session.commit()
    return jsonify({"confirmed": [r.id for r in rows]})


@bp.post("/ratings/derive")
@requires(HH_SCORE)
@doc("Score stars from points_bank categories (积分折星)", request_schema=MonthIn, tags=["five_star"])
def derive():
    n = hh.derive_from_points(g.tenant, load(MonthIn)["month"])
    db.session.commit()
    return jsonify({"scored": n})


@bp.get("/honour-roll")
@requires(READ)
@doc("Households by confirmed stars in a month (光荣榜)", tags=["five_star"],
     query={"month": "month"})
def honour_roll():
    return jsonify({"items": hh.honour_roll(g.tenant, request.args.get("month") or this_month())})
