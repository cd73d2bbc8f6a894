"""Star household pages (星级农户): the month's scores and confirmations, the scoring form, the
derivation from points, the honour roll (光荣榜) and counts per village."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import ApiError, Grid, Household, db, gettext as _, public, requires, typed
from plugins.five_star import households as hh
from plugins.five_star.clock import this_month
from plugins.five_star.pages import _fail, errors_of
from plugins.five_star.models import HouseholdStar
from plugins.five_star.permissions import HH_CONFIRM, HH_SCORE, READ

bp = Blueprint("five_star_households_pages", __name__, url_prefix="/t/<tenant>/five_star/households",
               template_folder="templates")


def _month() -> str:
    month = request.values.get("month") or this_month()
    try:
        return hh.check_month(month)
    except ApiError:
        return this_month()


@bp.get("/")
@requires(READ)
def index():
    return _page(_month())


def _page(month: str, exc: Exception | None = None):
    """The month's page; after a refused scoring form, that form again (422) with what was typed
    and each problem beside its field (a rating's problem beside that star's score)."""
    kept = None
    if exc is not None:
        db.session.rollback()
        codes = request.form.getlist("star_codes")
        errors = {}
        for key, messages in errors_of(exc).items():
            parts = key.split(".")
            if parts[0] == "ratings" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(codes):
                key = f"score_{codes[int(parts[1])]}"
            errors.setdefault(key, []).extend(messages)
        kept = {"values": typed(request.form), "errors": errors}
    stars = hh.stars(int(month[:4]))
    names = {s.id: s.name for s in db.session.scalars(select(HouseholdStar))}
    ratings = hh.ratings(month)
    heads = {h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_({r.household_id for r in ratings})))}
    villages = {v.id: v.name for v in db.session.scalars(select(Grid).where(Grid.level == 1))}
    found, chosen = _find_household()
    return render_template("five_star/households.html", month=month, stars=stars, found=found, chosen=chosen,
                           q=(request.args.get("q") or "").strip(), ratings=ratings, names=names,
                           heads=heads, roll=hh.honour_roll(g.tenant, month), per_village=hh.per_village(g.tenant, month),
                           villages=villages, can_score=g.access.can(HH_SCORE), can_confirm=g.access.can(HH_CONFIRM),
                           kept=kept), 200 if exc is None else 422


def _find_household() -> tuple[list[Household], Household | None]:
    """The scoring form finds a household by its head's name or address (``?q=``, at most 20)
    and takes the one picked (``?household=``): nobody has to know a system number."""
    q = (request.args.get("q") or "").strip()[:50]
    found = []
    if q:
        found = list(db.session.scalars(select(Household).where(
            Household.head_name.contains(q, autoescape=True) | Household.address.contains(q, autoescape=True))
            .order_by(Household.address, Household.id).limit(20)))
    raw = request.args.get("household") or ""
    return found, (db.session.get(Household, int(raw)) if raw.isdigit() else None)


@bp.post("/score")
@requires(HH_SCORE)
def score():
    month = _month()
    try:
        raw = request.form.get("household_id") or ""
        household = hh.household_or_422(int(raw) if raw.isdigit() else None)
        codes = request.form.getlist("star_codes")
        if not codes:
            raise ApiError(422, "validation_error", _("请至少选择一颗星"), {"star_codes": [_("必填")]})
        ratings, bad = [], {}
        for code in codes:
            raw = (request.form.get(f"score_{code}") or "").strip()
            try:
                ratings.append({"star_code": code, "score": float(raw or 0)})
            except ValueError:
                bad[f"score_{code}"] = [_("须为数字")]
        if bad:
            raise ApiError(422, "validation_error", _("分数须为数字"), bad)
        hh.score(month, household, ratings)
        db.session.commit()
        flash(_("评分已保存，待评星组确认"), "ok")
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _page(month, exc)
    return redirect(url_for(".index", month=month))


@bp.post("/confirm")
@requires(HH_CONFIRM)
def confirm():
    month = _month()
    try:
        hh.confirm(month, [int(x) for x in request.form.getlist("rating_ids") if x.isdigit()])
        db.session.commit()
        flash(_("已确认"), "ok")
    except ApiError as exc:
        _fail(exc)
    return redirect(url_for(".index", month=month))


@bp.post("/derive")
@requires(HH_SCORE)
def derive():
    month = _month()
    n = hh.derive_from_points(g.tenant, month)
    db.session.commit()
    flash(_("按积分评出 %(n)s 颗星，待评星组确认", n=n), "ok")
    return redirect(url_for(".index", month=month))


@bp.get("/public")
@public
def public_roll():
    """The public honour roll (光荣榜公示) a village posts: surname and stars, village; no address,
    no full name (a household's data stays in the console)."""
    month = _month()
    rows = [{"name": (r["head_name"][:1] + "*" * max(1, len(r["head_name"]) - 1)) if r["head_name"] else "—",
             "village": r["village"], "stars": r["stars"], "civilised": r["civilised"]}
            for r in hh.honour_roll(g.tenant, month, limit=200)]
    return render_template("five_star/public_roll.html", month=month, rows=rows, town=g.tenant)
