"""The assessment REST API (网格考核接口) under ``/api/v1/t/<tenant>/assessment``: quarters and
their checklists, deductions, closing and publishing, the ranking, a grid's sheet, leaders and
instructors, the year, and the .xlsx exports. Views load → check access → call a service → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from core.toolkit import ApiError, Grid, db, doc, int_arg, known_args, load, requires, xlsx_response
from core.toolkit import gettext as _

from gridgov_assessment import exports, scores, services, shapes
from gridgov_assessment.permissions import MANAGE, SCORE, VIEW, can_see_unpublished, require_score_on
from gridgov_assessment.schemas import DeductionIn, QuarterIn, RuleFields, ChecklistRuleIn, DeductionWithdrawIn
from gridgov_assessment.web import deduction_or_404, quarter_dict, quarter_or_404, rule_or_404, visible_quarters

bp = Blueprint("assessment", __name__, url_prefix="/api/v1/t/<tenant>/assessment")
TAGS = ["assessment"]


@bp.get("/quarters")
@requires(VIEW)
@doc("Quarters, newest first; published ones only for viewers", tags=TAGS, items=True, response_schema=shapes.QUARTER)
def list_quarters():
    return jsonify({"items": [quarter_dict(q) for q in visible_quarters()]})


@bp.post("/quarters")
@requires(MANAGE)
@doc("Open a quarter with the checklist of the quarter before (or the default one)", request_schema=QuarterIn,
     tags=TAGS, status=201)
def open_quarter():
    quarter = services.open_quarter(load(QuarterIn)["period"])
    db.session.commit()
    return jsonify({**quarter_dict(quarter), "rules": [services.rule_dict(r) for r in scores.rules_of(quarter, False)]}), 201


@bp.get("/quarters/<period>")
@requires(VIEW)
@doc("A quarter and its checklist", tags=TAGS)
def get_quarter(period: str):
    quarter = quarter_or_404(period)
    return jsonify({**quarter_dict(quarter), "rules": [services.rule_dict(r) for r in scores.rules_of(quarter, False)]})


@bp.post("/quarters/<period>/rules")
@requires(MANAGE)
@doc("Add a rule to an open quarter's checklist", request_schema=ChecklistRuleIn, tags=TAGS, status=201)
def add_rule(period: str):
    quarter = quarter_or_404(period, writing=True)
    rule = services.add_rule(quarter, load(ChecklistRuleIn))
    db.session.commit()
    return jsonify(services.rule_dict(rule)), 201


@bp.patch("/quarters/<period>/rules/<int:rule_id>")
@requires(MANAGE)
@doc("Change a rule of an open quarter (fields the county locked are refused)", request_schema=RuleFields, tags=TAGS)
def change_rule(period: str, rule_id: int):
    quarter = quarter_or_404(period, writing=True)
    rule = rule_or_404(quarter, rule_id)
    services.update_rule(g.tenant, quarter, rule, load(RuleFields))
    db.session.commit()
    return jsonify(services.rule_dict(rule))


@bp.get("/quarters/<period>/deductions")
@requires(SCORE)
@doc("Deductions recorded in a quarter, optionally of one grid (?grid_id=)", tags=TAGS)
def list_deductions(period: str):
    quarter = quarter_or_404(period)
    known_args("grid_id")
    grid_id = int_arg("grid_id")
    rows = [line_d for row in scores.ranking(g.tenant, quarter) if grid_id in (None, row["grid_id"])
            for line in row["lines"] for line_d in line["deductions"]]
    return jsonify({"items": sorted(rows, key=lambda d: d["id"])})


@bp.post("/quarters/<period>/deductions")
@requires(SCORE)
@doc("Record points a grid lost on a rule at an inspection (who, when, evidence)", request_schema=DeductionIn,
     tags=TAGS, status=201)
def add_deduction(period: str):
    quarter = quarter_or_404(period, writing=True)
    data = load(DeductionIn)
    grid = db.session.get(Grid, data["grid_id"])
    if grid is not None:
        require_score_on(grid)
    deduction = services.record_deduction(g.tenant, quarter, data)
    db.session.commit()
    return jsonify(scores.deduction_dict(deduction)), 201


@bp.post("/quarters/<period>/deductions/<int:deduction_id>/withdraw")
@requires(SCORE)
@doc("Withdraw a deduction of an open quarter, saying why", request_schema=DeductionWithdrawIn, tags=TAGS)
def withdraw_deduction(period: str, deduction_id: int):
    quarter = quarter_or_404(period, writing=True)
    deduction = deduction_or_404(quarter, deduction_id)
    require_score_on(db.session.get(Grid, deduction.grid_id))
    services.withdraw_deduction(quarter, deduction, load(DeductionWithdrawIn)["reason"])
    db.session.commit()
    return jsonify({"withdrawn": deduction_id})


@bp.post("/quarters/<period>/close")
@requires(MANAGE)
@doc("Close a quarter: no more scoring; the other modules' numbers are frozen", tags=TAGS)
def close_quarter(period: str):
    quarter = quarter_or_404(period, writing=True)
    kept = services.close_quarter(g.tenant, quarter)
    db.session.commit()
    return jsonify({**quarter_dict(quarter), "numbers_kept": kept})


@bp.post("/quarters/<period>/publish")
@requires(MANAGE)
@doc("Publish a closed quarter's ranking to the township", tags=TAGS)
def publish_quarter(period: str):
    quarter = quarter_or_404(period, writing=True)
    services.publish_quarter(quarter)
    db.session.commit()
    return jsonify(quarter_dict(quarter))


@bp.get("/quarters/<period>/ranking")
@requires(VIEW)
@doc("The quarter's ranking: each grid's score, stars, lost points rule by rule and the gap to the grid above",
     tags=TAGS)
def ranking(period: str):
    quarter = quarter_or_404(period)
    return jsonify({**quarter_dict(quarter), "grids": scores.ranking(g.tenant, quarter)})


@bp.get("/quarters/<period>/grids/<int:grid_id>")
@requires(VIEW)
@doc("One grid's score sheet of a quarter: where it lost points, and compared with the grid above", tags=TAGS)
def grid_sheet(period: str, grid_id: int):
    quarter = quarter_or_404(period)
    row = next((r for r in scores.ranking(g.tenant, quarter) if r["grid_id"] == grid_id), None)
    if row is None:
        raise ApiError(404, "not_found", _("该季度没有考核这个网格"))
    return jsonify({**quarter_dict(quarter), "grid": row})


@bp.get("/quarters/<period>/people")
@requires(VIEW)
@doc("Grid leaders and grid instructors scored with their grids", tags=TAGS)
def people(period: str):
    quarter = quarter_or_404(period)
    return jsonify({**quarter_dict(quarter), **scores.people_scores(scores.ranking(g.tenant, quarter))})


@bp.get("/years/<int:year>")
@requires(VIEW)
@doc("The year's summary: quarters, averages, places and the grids proposed for awards", tags=TAGS)
def year(year: int):
    if not 2000 <= year <= 2100:
        raise ApiError(404, "not_found", _("没有这个年度"))
    return jsonify(scores.year_summary(g.tenant, year, published_only=not can_see_unpublished(g.get("access"))))


@bp.get("/quarters/<period>/export/<any(checklist,scores,ranking):what>.xlsx")
@requires(VIEW)
@doc("The quarter's checklist, scores or ranking as .xlsx", tags=TAGS)
def export(period: str, what: str):
    quarter = quarter_or_404(period)
    if what == "checklist":
        book = exports.checklist_book(quarter)
    else:
        rows = scores.ranking(g.tenant, quarter)
        book = exports.scores_book(quarter, rows) if what == "scores" else exports.ranking_book(quarter, rows)
    return xlsx_response(book.to_bytes(), f"assessment-{quarter.period}-{what}.xlsx")
