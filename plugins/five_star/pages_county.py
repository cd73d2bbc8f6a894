"""The county's pages (县级页面): the wall map of villages × stars of every township, with colour,
and the assessments waiting for the county with their scoring forms."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.toolkit import ApiError, confirm_first, gettext as _, requires
from plugins.five_star import county
from plugins.five_star.exports import response, workbook
from plugins.five_star.pages import STATE_LABELS, kept
from plugins.five_star.permissions import CONFIRM, READ
from plugins.five_star.web import year_arg

bp = Blueprint("five_star_county_pages", __name__, url_prefix="/t/<tenant>/five_star/county", template_folder="templates")


@bp.get("/")
@requires(READ)
def wall_map():
    county.county()
    year = year_arg()
    towns = county.wall_map(year)
    return render_template("five_star/county_map.html", year=year, townships=towns, league=county.league(towns))


@bp.get("/map.xlsx")
@requires(READ)
def wall_map_xlsx():
    county.county()
    year = year_arg()
    words = {"held": _("已获星"), "lost": _("已摘星"), "aiming": _("争创中"), "none": ""}
    towns = county.wall_map(year)
    stars = towns[0]["stars"] if towns else []
    rows = [[t["name"], r["grid_name"], r["name"]] + [words[r["cells"].get(s["code"], "none")] for s in stars] + [r["stars"]]
            for t in towns for r in t["rows"]]
    header = [_("乡镇"), _("村"), _("支部")] + [s["name"] for s in stars] + [_("星数")]
    return response(workbook(_("%(year)s年星级图", year=year), header, rows), f"five-star-county-{year}.xlsx")


@bp.get("/assessments")
@requires(CONFIRM)
def waiting():
    county.county()
    return _waiting(year_arg())


def _waiting(year: int, refused: dict | None = None, status: int = 200):
    return render_template("five_star/county_waiting.html", year=year, items=county.waiting(year), labels=STATE_LABELS,
                           kept=refused or {}), status


@bp.post("/townships/<slug>/assessments/<int:assessment_id>/<any(confirm, return):verb>")
@requires(CONFIRM)
def act(slug: str, assessment_id: int, verb: str):
    county.county()
    scores = {}
    for key, value in request.form.items():
        if key.startswith("score_") and value.strip():
            try:
                scores[key[6:]] = float(value)
            except ValueError:
                scores[key[6:]] = value
    try:
        done = county.act(slug, assessment_id, verb, scores, request.form.get("comment") or "")
        flash(_("已评定：%(result)s", result=_("授星") if done.get("awarded") else _("未达标"))
              if verb == "confirm" else _("已退回乡镇"), "ok")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return _waiting(year_arg(), kept(f"{slug}-{assessment_id}", exc), 409 if exc.status == 409 else 422)
    return redirect(url_for(".waiting", year=request.args.get("year") or None))


@bp.get("/awards")
@requires(CONFIRM)
def awards():
    """A township's published stars (``?township=``), each with a withdraw form (县级摘星)."""
    county.county()
    return _awards(year_arg(), request.args.get("township"))


def _awards(year: int, slug: str | None, refused: dict | None = None, status: int = 200):
    """The awards page; after a refused withdrawal its form again with the reason typed and each
    problem beside its field."""
    towns = county.townships()
    slug = slug or (towns[0].slug if towns else None)
    listing = county.awards(year, slug) if slug else None
    return render_template("five_star/county_awards.html", year=year, towns=towns, listing=listing,
                           kept=refused or {}), status


@bp.post("/townships/<slug>/awards/<int:award_id>/withdraw")
@requires(CONFIRM)
def withdraw(slug: str, award_id: int):
    county.county()
    year = year_arg()
    town = county.township(slug)
    redo = [int(x) for x in request.form.getlist("redo_task_ids") if x.isdigit()]
    missing = {name: [_("必填")] for name, given in (("reason", (request.form.get("reason") or "").strip()),
                                                      ("redo_task_ids", redo)) if not given}
    if missing:  # refused before asking to confirm
        return _awards(year, slug, kept(f"withdraw-{award_id}", ApiError(
            422, "validation_error", _("摘星须说明原因并选择需要整改的任务"), missing)), 422)
    confirm_first(_("确认由县级摘除%(town)s的这颗星？", town=town.name),
                  [_("该支部将失去这颗星并进入失星再培育，须重新评定才能夺回。"), _("乡镇能看到县级摘星及原因。")],
                  _("确认摘星"), url_for(".awards", year=year, township=slug))
    try:
        county.withdraw(slug, award_id, request.form.get("reason") or "", redo)
        flash(_("已摘星，该支部进入失星再培育"), "ok")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return _awards(year, slug, kept(f"withdraw-{award_id}", exc), 409 if exc.status == 409 else 422)
    return redirect(url_for(".awards", year=year, township=slug))
