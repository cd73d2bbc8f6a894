"""The county's pages (县级页面): the wall map of villages × stars of every township, with colour,
and the assessments waiting for the county with their scoring forms."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.toolkit import ApiError, gettext as _, requires
from plugins.five_star import county
from plugins.five_star.exports import response, workbook
from plugins.five_star.pages import STATE_LABELS, _fail
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
    year = year_arg()
    return render_template("five_star/county_waiting.html", year=year, items=county.waiting(year), labels=STATE_LABELS)


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
        if exc.status == 404:
            raise
        _fail(exc)
    return redirect(url_for(".waiting", year=request.args.get("year") or None))
