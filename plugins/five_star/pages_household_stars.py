"""The township's household stars page (星级设置): this year's stars with their full and pass
scores, add, edit, retire; another year by ``?year=`` (past years read only)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.toolkit import ApiError, confirm_first, db, gettext as _, requires, typed
from plugins.five_star import household_stars as defs
from plugins.five_star.clock import this_year
from plugins.five_star.models import HouseholdStar
from plugins.five_star.pages import _fail, errors_of
from plugins.five_star.permissions import READ, REVIEW
from plugins.five_star.schemas import HouseholdStarIn, HouseholdStarPatch
from plugins.five_star.web import year_arg

bp = Blueprint("five_star_household_stars_pages", __name__, url_prefix="/t/<tenant>/five_star/households/stars",
               template_folder="templates")


@bp.get("/")
@requires(READ)
def index():
    return _page(year_arg())


def _page(year: int, refused: str | None = None, exc: Exception | None = None):
    """The page; after a refused form (``refused`` is ``"new"`` or the star's id) that form again
    with what was typed and each problem beside its field (422)."""
    if exc is not None:
        db.session.rollback()
    rows, source = defs.definitions(year)
    kept = {refused: {"values": typed(request.form), "errors": errors_of(exc)}} if exc is not None else {}
    return render_template("five_star/household_stars.html", year=year, source=source, rows=rows,
                           editable=year >= this_year(), can_edit=_can_edit(), kept=kept), 200 if exc is None else 422


def _can_edit() -> bool:
    from flask import g

    return g.access.can(REVIEW)


def _form() -> dict:
    """The form's fields, blanks left out; numbers kept as typed when they are not numbers (the
    schema names the field)."""
    out: dict = {}
    for key in ("code", "name", "category", "description", "max_score", "pass_score"):
        value = (request.form.get(key) or "").strip()
        if key == "category" and key in request.form:
            out[key] = value
        elif value:
            try:
                out[key] = float(value) if key in ("max_score", "pass_score") else value
            except ValueError:
                out[key] = value
    return out


@bp.post("/")
@requires(REVIEW)
def create():
    year = year_arg()
    try:
        data = HouseholdStarIn().load({**_form(), "year": year})
        star = defs.create_star(data.pop("year"), data)
        db.session.commit()
        flash(_("已新增「%(name)s」", name=star.name), "ok")
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _page(year, "new", exc)
    return redirect(url_for(".index", year=year))


def _star(star_id: int) -> HouseholdStar:
    row = db.session.get(HouseholdStar, star_id)
    if row is None:
        raise ApiError(404)
    return row


@bp.post("/<int:star_id>")
@requires(REVIEW)
def update(star_id: int):
    year, star = year_arg(), _star(star_id)
    try:
        star = defs.in_year(star, year)
        data = _form()
        data.pop("code", None)
        defs.update_star(star, HouseholdStarPatch().load(data))
        db.session.commit()
        flash(_("已保存「%(name)s」", name=star.name), "ok")
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _page(year, str(star_id), exc)
    return redirect(url_for(".index", year=year))


@bp.post("/<int:star_id>/retire")
@requires(REVIEW)
def retire(star_id: int):
    year = year_arg()
    star = _star(star_id)
    confirm_first(_("确认停用「%(name)s」？", name=star.name),
                  [_("从现在起不再为这颗星评分；已有的评分和已获的星保留。"), _("往年的星级不受影响。")],
                  _("确认停用"), url_for(".index", year=year))
    try:
        star = defs.in_year(star, year)
        defs.retire_star(star)
        db.session.commit()
        flash(_("已停用「%(name)s」", name=star.name), "ok")
    except ApiError as exc:
        _fail(exc)
    return redirect(url_for(".index", year=year))
