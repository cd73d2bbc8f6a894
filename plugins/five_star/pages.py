"""Console pages (五星支部页面) of a township: the overview with the villages × stars table, a
branch's page (plan, evidence, assessments, stars), the plan form, filing and reminders, the
standard and the ranking. Forms that are refused are shown again with the reasons beside the
fields and what was typed kept."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, flash, g, redirect, render_template, request, send_from_directory, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import N_, ApiError, db, form_errors, gettext as _, public, refusal_message, requires, typed
from core.toolkit import reads_replica
from plugins.five_star import assessment as flow
from plugins.five_star import plans, stats
from plugins.five_star.branches import branch_or_404, visible_branches
from plugins.five_star.clock import fmt
from plugins.five_star.evidence import add_evidence, evidence_of, numbers
from plugins.five_star.models import Assessment, Star, Task
from plugins.five_star.permissions import PLAN, READ, REVIEW, can_act_for, require_act_for
from plugins.five_star.schemas import EvidenceIn, PlanIn
from plugins.five_star.standards import ensure_standard, standard_of
from plugins.five_star.web import year_arg
from core.toolkit import localise_errors

bp = Blueprint("five_star_pages", __name__, url_prefix="/t/<tenant>/five_star", template_folder="templates")
STATIC = Path(__file__).parent / "static"

# Labels stay as keys in rows and the API; pages translate them: _(labels[state]).
STATE_LABELS = {"draft": N_("草稿"), "submitted": N_("已报送待审"), "approved": N_("已审核通过"), "returned": N_("已退回"),
                "missing": N_("未报送"), "self": N_("支部自评"), "township": N_("乡镇审核"), "county": N_("县级评定"),
                "confirmed": N_("已评定")}


@bp.app_template_filter("local_time")
def local_time(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (or an API row's ISO time) in the township's zone."""
    if isinstance(moment, str):
        import datetime as dt

        moment = dt.datetime.fromisoformat(moment)
    return fmt(moment, pattern)


def field_errors(exc) -> dict[str, list[str]]:
    """Reasons per field of a refused form (marshmallow's or the service's), flattened."""
    if isinstance(exc, ValidationError):
        out: dict[str, list[str]] = {}

        def walk(prefix, value):
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)
            else:
                out[prefix] = [str(v) for v in (value if isinstance(value, list) else [value])]
        walk("", localise_errors(exc.messages))
        return out
    return {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in localise_errors(exc.fields or {}).items()} or {
        "_form": [exc.message]}


def _fail(exc) -> None:
    """Flash why an action that has no form to show again was refused, in the page's language
    and without the machine's field names."""
    db.session.rollback()
    flash(refusal_message(exc), "error")


def errors_of(exc: Exception) -> dict[str, list[str]]:
    """:func:`form_errors`, and a service's refusal that names fields says its sentence above the
    form too (its field messages are short: "必填", "0-100")."""
    errors = form_errors(exc)
    if isinstance(exc, ApiError) and exc.fields and exc.message:
        errors.setdefault("_form", []).insert(0, _(exc.message))
    return errors


def kept(name: str, exc: Exception, **extra) -> dict:
    """A refused form of a page that holds several, to show again: ``{name: {"values": what was
    typed, "errors": each problem by field, in the page's language}}``; the template picks its
    form's entry (``kept.get('evidence')``)."""
    db.session.rollback()
    return {name: {"values": typed(request.form), "errors": errors_of(exc), **extra}}


@bp.get("/five_star.css")
@public
def stylesheet():
    """The module's stylesheet (served here: core's static folder is core's)."""
    return send_from_directory(STATIC, "five_star.css", mimetype="text/css", max_age=3600)


@bp.get("/")
@requires(READ)
def index():
    if g.tenant.kind.value == "county":
        return redirect(url_for("five_star_county_pages.wall_map"))
    year = year_arg()
    return render_template("five_star/index.html", year=year, table=stats.star_table(year), summary=stats.summary(year),
                           filing=plans.filing(year) if g.access.can(REVIEW) else None,
                           mine=visible_branches(PLAN) if g.access.can(PLAN) else [],
                           lost=_lost(year), labels=STATE_LABELS)


def _lost(year: int) -> list[dict]:
    """Branches in re-cultivation (失星再培育) with the star and the reason."""
    names = {b.id: b.name for b in visible_branches(READ)}
    standard = standard_of(year)
    stars = {s.id: s.name for s in standard.stars} if standard else {}
    return [{"org_id": a.org_id, "name": names.get(a.org_id, ""), "star": stars.get(a.star_id, a.star_code),
             "reason": a.withdraw_reason, "redo": flow.task_titles(a.redo_task_ids), "county": a.withdrawn_level == "county"}
            for a in flow.recultivating(year) if a.org_id in names]


def _standard_tasks(year: int):
    standard = ensure_standard(year)
    return standard, [(s, t) for s in standard.stars for t in s.tasks]


@bp.get("/branches/<int:org_id>")
@requires(READ)
def branch(org_id: int):
    org = branch_or_404(org_id)
    year = year_arg()
    return _branch_page(org, year)


def _branch_page(org, year, form=None, errors=None, status=200, refused=None):
    standard, tasks = _standard_tasks(year)
    plan = plans.plan_of(org, year)
    assessments = db.session.scalars(select(Assessment).where(Assessment.org_id == org.id, Assessment.year == year)
                                     .order_by(Assessment.id)).all()
    stars = {s.id: s for s in standard.stars}
    from plugins.five_star.models import Award

    awards = db.session.scalars(select(Award).where(Award.org_id == org.id, Award.year == year).order_by(Award.id)).all()
    if form is None and plan is not None:
        form = {"star_codes": plan.star_codes, "rows": [
            {"task_id": a.task_id, "action": a.action, "owner": a.owner, "start_on": a.start_on.isoformat() if a.start_on else "",
             "due_on": a.due_on.isoformat() if a.due_on else ""} for a in plan.actions]}
    form = form or {"star_codes": [], "rows": []}
    form["rows"] = list(form["rows"]) + [{} for _ in range(max(0, 3 - len(form["rows"])))]
    return render_template("five_star/branch.html", org=org, year=year, standard=standard, tasks=tasks, plan=plan,
                           form=form, errors=errors or {}, assessments=assessments, stars=stars, awards=awards,
                           evidence=evidence_of(org, year), numbers=numbers(g.tenant, org, year),
                           task_titles={t.id: t.title for _s, t in tasks}, can_act=can_act_for(org),
                           can_review=g.access.can(REVIEW), editable=plan is None or plan.state in plans.EDITABLE,
                           labels=STATE_LABELS, redo=flow.task_titles, kept=refused or {}), status


def _plan_form() -> dict:
    rows = []
    for i in range(int(request.form.get("rows") or 0)):
        row = {k: (request.form.get(f"actions.{i}.{k}") or "").strip() for k in ("task_id", "action", "owner", "start_on", "due_on")}
        if any(row.values()):
            rows.append(row)
    return {"star_codes": request.form.getlist("star_codes"), "rows": rows}


@bp.post("/branches/<int:org_id>/plan")
@requires(PLAN)
def save_plan(org_id: int):
    org = branch_or_404(org_id)
    year = year_arg()
    form = _plan_form()
    try:
        require_act_for(org)
        actions = [{k: v for k, v in r.items() if v} for r in form["rows"]]
        for a in actions:
            if str(a.get("task_id", "")).isdigit():
                a["task_id"] = int(a["task_id"])
        data = PlanIn().load({"org_id": org.id, "year": year, "star_codes": form["star_codes"], "actions": actions})
        data.pop("org_id")
        plan = plans.save_plan(org, data.pop("year"), data)
        if request.form.get("then") == "submit":
            plans.move_plan(plan, "submit")
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        errors = field_errors(exc)
        errors.setdefault("_form", []).insert(0, exc.message if isinstance(exc, ApiError) else _("输入有误，请检查标红的项"))
        return _branch_page(org, year, form, errors, 422)
    flash(_("计划已报送") if plan.state == "submitted" else _("计划已保存"), "ok")
    return redirect(url_for(".branch", org_id=org.id, year=year))


@bp.post("/plans/<int:plan_id>/<any(submit, approve, return):action>")
@requires(PLAN)
def move_plan(plan_id: int, action: str):
    from plugins.five_star.models import Plan

    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise ApiError(404)
    org = branch_or_404(plan.org_id)
    try:
        if action == "submit":
            require_act_for(org)
        elif not g.access.can(REVIEW):
            raise ApiError(403, "forbidden", _("只有乡镇可以审核计划"))
        plans.move_plan(plan, action, request.form.get("comment") or "")
        db.session.commit()
        flash({"submit": _("计划已报送"), "approve": _("计划已审核通过"), "return": _("计划已退回")}[action], "ok")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        if action == "return" and exc.status == 422:  # the comment form again, what was typed kept
            return _branch_page(org, plan.year, status=422, refused=kept("return", exc))
        _fail(exc)
    return redirect(request.form.get("next") or url_for(".branch", org_id=org.id, year=plan.year))


@bp.post("/branches/<int:org_id>/evidence")
@requires(PLAN)
def post_evidence(org_id: int):
    org = branch_or_404(org_id)
    year = year_arg()
    try:
        require_act_for(org)
        values = {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
        data = EvidenceIn().load({**values, "org_id": org.id, "year": year})
        task = db.session.get(Task, data["task_id"])
        if task is None:
            raise ApiError(422, "validation_error", _("任务不存在"), {"task_id": [_("任务不存在")]})
        add_evidence(g.tenant, org, task, year, data, request.files.get("file") if request.files.get("file") else None)
        db.session.commit()
        flash(_("佐证材料已添加"), "ok")
    except (ValidationError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        dropped = bool(request.files.get("file") and request.files["file"].filename)
        return _branch_page(org, year, status=422, refused=kept("evidence", exc, file_dropped=dropped))
    return redirect(url_for(".branch", org_id=org.id, year=year) + "#evidence")


@bp.route("/filing", methods=["GET", "POST"])
@requires(REVIEW)
def filing():
    year = year_arg()
    if request.method == "POST":
        sent = plans.remind_missing(year)
        db.session.commit()
        flash(_("已催报 %(n)s 个支部，5分钟内送达", n=len(sent)) if sent
              else _("没有新的催报：未报送的支部都已在发送队列中"), "ok")
        return redirect(url_for(".filing", year=year))
    return render_template("five_star/filing.html", year=year, filing=plans.filing(year), labels=STATE_LABELS)


@bp.get("/standard")
@requires(READ)
def standard():
    year = year_arg()
    return render_template("five_star/standard.html", year=year, standard=standard_of(year), template=_template())


def _template() -> dict | None:
    """Where the township stands with its county's key tasks (adopted version, newer one)."""
    from core.toolkit import county_template

    if not g.access.can("templates.read"):
        return None
    try:
        status = county_template(g.tenant, "five_star.tasks")
    except ApiError:
        return None
    adoption = status.get("adoption") or {}
    return {"adopted": adoption.get("version"), "county": (status.get("county") or {}).get("version"),
            "update": bool(status.get("update_available"))}


@bp.get("/ranking")
@reads_replica
@requires(READ)
def ranking():
    year = year_arg()
    return render_template("five_star/ranking.html", year=year, rows=stats.ranking(year),
                           stars=stats.star_table(year)["stars"])


def star_of(assessment: Assessment) -> Star:
    return db.session.get(Star, assessment.star_id)


@bp.get("/plans.xlsx")
@requires(READ)
def plans_export():
    from plugins.five_star.exports import plans_xlsx, response

    year = year_arg()
    return response(plans_xlsx(year), f"five-star-plans-{year}.xlsx")


@bp.get("/results.xlsx")
@requires(READ)
def results_export():
    from plugins.five_star.exports import response, results_xlsx

    year = year_arg()
    return response(results_xlsx(year), f"five-star-results-{year}.xlsx")
