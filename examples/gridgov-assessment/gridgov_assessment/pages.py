"""Console pages (网格考核页面): the quarters, a quarter's checklist with the inspection form, the
published ranking with every grid's lost points on one page, a grid's sheet, a rule's edit form and
the year. A refused form is shown again (422) with what was typed and each problem beside its
field, in the page's language; nothing is saved."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from core.toolkit import (ApiError, Grid, confirm_first, db, form_errors, gettext as _, local_today, refusal_message, requires,
                          typed)

from gridgov_assessment import scores, services
from gridgov_assessment.permissions import MANAGE, SCORE, VIEW, can_see_unpublished, require_score_on
from gridgov_assessment.schemas import ChecklistRuleIn, DeductionIn, QuarterIn, RuleFields, DeductionWithdrawIn
from gridgov_assessment.web import deduction_or_404, quarter_or_404, rule_or_404, visible_quarters

bp = Blueprint("assessment_pages", __name__, url_prefix="/t/<tenant>/assessment", template_folder="templates")


def _form() -> dict:
    return {k: v for k, v in request.form.items() if v != "" and k not in ("csrf_token", "confirmed")}


def _refused(exc) -> None:
    """Flash why an action without a form of its own (closing, publishing) was refused."""
    db.session.rollback()
    flash(refusal_message(exc), "error")


def _kept(name: str, exc) -> dict:
    """``{name: {"values": what was typed, "errors": each problem by field}}``, the service's
    sentence above the form; what the refused form began is rolled back."""
    db.session.rollback()
    errors = form_errors(exc)
    if isinstance(exc, ApiError) and exc.fields and exc.message:
        errors.setdefault("_form", []).insert(0, exc.message)
    return {name: {"values": typed(request.form), "errors": errors}}


def _status(exc) -> int:
    return 409 if getattr(exc, "status", 422) == 409 else 422


def _back(period: str | None = None):
    target = url_for(".quarter", period=period) if period else url_for(".index")
    return redirect(target, 303)


@bp.get("/")
@requires(VIEW)
def index():
    return _index()


def _index(kept: dict | None = None, status: int = 200):
    return render_template("assessment/index.html", quarters=visible_quarters(), year=local_today().year,
                           can_manage=g.access.can(MANAGE), kept=kept or {}), status


@bp.post("/quarters")
@requires(MANAGE)
def open_quarter():
    try:
        quarter = services.open_quarter(QuarterIn().load(_form())["period"])
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _index(_kept("quarter", exc), _status(exc))
    db.session.commit()
    flash(_("已建立 %(period)s 考核", period=quarter.period), "success")
    return _back(quarter.period)


@bp.get("/quarters/<period>")
@requires(VIEW)
def quarter(period: str):
    return _quarter(quarter_or_404(period))


def _quarter(q, kept: dict | None = None, status: int = 200):
    """A quarter's page; after a refused form (``kept["rule"]``, ``kept["deduction"]``,
    ``kept["withdraw<id>"]``) that form again with what was typed and each problem beside it."""
    rules = scores.rules_of(q, active_only=False)
    scoring = g.access.can(SCORE) and q.state == "open"
    recent = []
    if can_see_unpublished(g.access):
        titles = {r.id: r.title for r in rules}
        recent = [{**d, "rule": titles.get(d["rule_id"], ""), "grid": row["grid_label"]}
                  for row in scores.ranking(g.tenant, q) for line in row["lines"] for d in line["deductions"]]
        recent.sort(key=lambda d: -d["id"])
    return render_template("assessment/quarter.html", q=q, rules=rules, scoring=scoring, recent=recent[:50],
                           grids=scores.assessed_grids(g.tenant) if scoring else [], can_manage=g.access.can(MANAGE),
                           today=local_today().isoformat(), kept=kept or {}), status


@bp.post("/quarters/<period>/deductions")
@requires(SCORE)
def add_deduction(period: str):
    q = quarter_or_404(period, writing=True)
    try:
        data = DeductionIn().load({**_form(), **{k: int(v) for k, v in _form().items()
                                                 if k in ("grid_id", "rule_id") and v.isdigit()}})
        grid = db.session.get(Grid, data["grid_id"])
        if grid is not None:
            require_score_on(grid)
        services.record_deduction(g.tenant, q, data)
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _quarter(q, _kept("deduction", exc), _status(exc))
    db.session.commit()
    flash(_("扣分已记录"), "success")
    return _back(period)


@bp.post("/quarters/<period>/deductions/<int:deduction_id>/withdraw")
@requires(SCORE)
def withdraw_deduction(period: str, deduction_id: int):
    q = quarter_or_404(period, writing=True)
    deduction = deduction_or_404(q, deduction_id)
    try:
        require_score_on(db.session.get(Grid, deduction.grid_id))
        services.withdraw_deduction(q, deduction, DeductionWithdrawIn().load(_form())["reason"])
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _quarter(q, _kept(f"withdraw{deduction_id}", exc), _status(exc))
    db.session.commit()
    flash(_("扣分已撤销"), "success")
    return _back(period)


@bp.post("/quarters/<period>/<any(close,publish):action>")
@requires(MANAGE)
def move_quarter(period: str, action: str):
    q = quarter_or_404(period, writing=True)
    if action == "close":
        confirm_first(_("确认关闭 %(period)s 考核？", period=q.period),
                      [_("关闭后不能再打分或修改细则"), _("各模块提供的数据按现在的数值固定")], _("确认关闭"))
    else:
        confirm_first(_("确认公布 %(period)s 季排队？", period=q.period),
                      [_("全乡镇的网格长、网格员和网格指导员都能看到排名和失分明细")], _("确认公布"))
    try:
        services.close_quarter(g.tenant, q) if action == "close" else services.publish_quarter(q)
    except ApiError as exc:
        _refused(exc)
        return _back(period)
    db.session.commit()
    flash(_("已关闭") if action == "close" else _("已公布"), "success")
    return _back(period)


@bp.post("/quarters/<period>/rules")
@requires(MANAGE)
def add_rule(period: str):
    q = quarter_or_404(period, writing=True)
    try:
        services.add_rule(q, ChecklistRuleIn().load(_form()))
    except (ApiError, ValidationError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        return _quarter(q, _kept("rule", exc), _status(exc))
    db.session.commit()
    flash(_("细则已添加"), "success")
    return _back(period)


@bp.route("/quarters/<period>/rules/<int:rule_id>", methods=["GET", "POST"])
@requires(MANAGE)
def rule(period: str, rule_id: int):
    q = quarter_or_404(period, writing=True)
    r = rule_or_404(q, rule_id)
    if request.method == "POST":
        try:
            form = _form()
            form["active"] = "active" in request.form
            for optional in ("metric_key", "target"):
                form.setdefault(optional, None)
            services.update_rule(g.tenant, q, r, RuleFields().load(form))
        except (ApiError, ValidationError) as exc:
            if isinstance(exc, ApiError) and exc.status in (403, 404):
                raise
            kept = _kept("rule", exc)["rule"]
            return render_template("assessment/rule.html", q=q, r=rule_or_404(q, rule_id), values=kept["values"],
                                   errors=kept["errors"]), _status(exc)
        db.session.commit()
        flash(_("细则已保存"), "success")
        return _back(period)
    values = {"item": r.item, "title": r.title, "max_points": r.max_points, "method": r.method or "",
              "metric_key": r.metric_key or "", "target": r.target if r.target is not None else ""}
    if r.active:
        values["active"] = "1"
    return render_template("assessment/rule.html", q=q, r=r, values=values, errors={})


@bp.get("/quarters/<period>/ranking")
@requires(VIEW)
def ranking(period: str):
    q = quarter_or_404(period)
    rows = scores.ranking(g.tenant, q)
    return render_template("assessment/ranking.html", q=q, rows=rows, people=scores.people_scores(rows))


@bp.get("/quarters/<period>/grids/<int:grid_id>")
@requires(VIEW)
def grid(period: str, grid_id: int):
    q = quarter_or_404(period)
    row = next((r for r in scores.ranking(g.tenant, q) if r["grid_id"] == grid_id), None)
    if row is None:
        raise ApiError(404, "not_found", _("该季度没有考核这个网格"))
    return render_template("assessment/grid.html", q=q, row=row)


@bp.get("/years/<int:year>")
@requires(VIEW)
def year(year: int):
    if not 2000 <= year <= 2100:
        raise ApiError(404, "not_found", _("没有这个年度"))
    return render_template("assessment/year.html", summary=scores.year_summary(g.tenant, year, not can_see_unpublished(g.access)))
