"""Star households API (星级农户接口): stars, monthly scores by the 评分组, confirmation by the
评星组, derivation from points, the honour roll (光荣榜)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.toolkit import gettext as _
from core.toolkit import ApiError, db, doc, load, requires
from plugins.five_star import household_stars as defs
from plugins.five_star import households as hh
from plugins.five_star import shapes
from plugins.five_star.clock import this_month
from plugins.five_star.models import HouseholdStar
from plugins.five_star.permissions import HH_CONFIRM, HH_SCORE, READ, REVIEW
from plugins.five_star.schemas import ConfirmIn, HouseholdStarIn, HouseholdStarPatch, MonthIn, ScoreIn
from plugins.five_star.web import year_arg

bp = Blueprint("five_star_households", __name__, url_prefix="/api/v1/t/<tenant>/five_star/households")


def _names() -> dict[int, str]:
    return {s.id: s.name for s in db.session.scalars(select(HouseholdStar))}


@bp.get("/stars")
@requires(READ)
@doc("The township's household stars of a year, ?year= (default this year); ``from_year`` is the year "
     "they come from (an earlier one until this year's are first written)", tags=["five_star"],
     query={"year": "year"}, response_schema=shapes.HOUSEHOLD_STARS)
def list_stars():
    year = year_arg()
    rows, source = defs.definitions(year)
    return jsonify({"year": year, "from_year": source, "items": [defs.star_dict(s) for s in rows if s.active],
                    "retired": [defs.star_dict(s) for s in rows if not s.active]})


@bp.post("/stars")
@requires(REVIEW)
@doc("Define a household star for a year with its pass score", request_schema=HouseholdStarIn,
     tags=["five_star"], status=201)
def create_star():
    data = load(HouseholdStarIn)
    star = defs.create_star(data.pop("year"), data)
    body = defs.star_dict(star)
    db.session.commit()
    return jsonify(body), 201


def _star(star_id: int) -> HouseholdStar:
    row = db.session.get(HouseholdStar, star_id)
    if row is None:
        raise ApiError(404, "not_found", _("星不存在"))
    return row


def _year_or_none() -> int | None:
    """``?year=``: act on the star as a star of that year (copying a carried-over one first)."""
    return year_arg() if request.args.get("year") else None


@bp.patch("/stars/<int:star_id>")
@requires(REVIEW)
@doc("Change a household star of an open year: name, category, scores", request_schema=HouseholdStarPatch,
     tags=["five_star"])
def update_star(star_id: int):
    star = defs.update_star(defs.in_year(_star(star_id), _year_or_none()), load(HouseholdStarPatch))
    body = defs.star_dict(star)
    db.session.commit()
    return jsonify(body)


@bp.post("/stars/<int:star_id>/retire")
@requires(REVIEW)
@doc("Retire a household star: scored no more, its ratings kept", tags=["five_star"])
def retire_star(star_id: int):
    star = defs.retire_star(defs.in_year(_star(star_id), _year_or_none()))
    body = defs.star_dict(star)
    db.session.commit()
    return jsonify(body)


@bp.get("/ratings")
@requires(READ)
@doc("A month's ratings (?month=YYYY-MM)", tags=["five_star"],
     query={"month": "month"}, items=True, response_schema=shapes.RATING)
def list_ratings():
    names = _names()
    return jsonify({"items": [hh.rating_dict(r, names) for r in hh.ratings(request.args.get("month") or this_month())]})


@bp.post("/ratings")
@requires(HH_SCORE)
@doc("The scoring group scores a household's stars for a month", request_schema=ScoreIn, tags=["five_star"],
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
@doc("The rating group confirms scored stars", request_schema=ConfirmIn, tags=["five_star"])
def confirm():
    data = load(ConfirmIn)
    rows = hh.confirm(data["month"], data["rating_ids"])
    db.session.commit()
    return jsonify({"confirmed": [r.id for r in rows]})


@bp.post("/ratings/derive")
@requires(HH_SCORE)
@doc("Score stars from points_bank categories", request_schema=MonthIn, tags=["five_star"])
def derive():
    n = hh.derive_from_points(g.tenant, load(MonthIn)["month"])
    db.session.commit()
    return jsonify({"scored": n})


@bp.get("/honour-roll")
@requires(READ)
@doc("Households by confirmed stars in a month", tags=["five_star"],
     query={"month": "month"}, items=True, response_schema=shapes.HONOUR)
def honour_roll():
    return jsonify({"items": hh.honour_roll(g.tenant, request.args.get("month") or this_month())})
