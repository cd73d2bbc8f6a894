"""The five-star REST API (五星支部接口) under ``/api/v1/t/<tenant>/five_star``: standards, plans,
filing, evidence, assessments, stars. Views load → check access → call a service → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, send_file
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, load, requires
from core.toolkit import reads_replica
from plugins.five_star import assessment as flow
from plugins.five_star import plans, shapes, standards, stats
from plugins.five_star.branches import branch_or_404, visible_branches
from plugins.five_star.evidence import add_evidence, evidence_dict, evidence_of, file_path, numbers
from plugins.five_star.models import Assessment, Award, Criterion, Evidence, Plan, Star, Task
from plugins.five_star.permissions import PLAN, READ, REVIEW, require_act_for
from plugins.five_star.schemas import (AssessmentIn, CommentIn, CriterionPatch, EvidenceIn, PlanIn, RemindIn, StepIn,
                                       TaskIn, WithdrawIn)
from plugins.five_star.web import payload, year_arg
from core.toolkit import gettext as _

bp = Blueprint("five_star", __name__, url_prefix="/api/v1/t/<tenant>/five_star")


def _get(model, row_id: int, what: str):
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found", _("%(what)s不存在", what=what))
    return row


def _star_of_task(task: Task) -> Star:
    return db.session.get(Star, task.star_id)


@bp.get("/standards/<int:year>")
@requires(READ)
@doc("The standard of a year: stars, key tasks, criteria", tags=["five_star"])
def get_standard(year: int):
    standard = standards.standard_of(year)
    if standard is None:
        raise ApiError(404, "not_found", _("该年度没有标准"))
    return jsonify(standards.standard_dict(standard))


@bp.post("/standards/<int:year>")
@requires(REVIEW)
@doc("Adopt the standard of a new year (the county's default; 409 if the year has one)", tags=["five_star"], status=201)
def adopt_standard(year: int):
    if not 2000 <= year <= 2100:
        raise ApiError(422, "validation_error", _("年度须为 2000 到 2100"), {"year": [_("须为年份")]})
    from plugins.five_star.defaults import default_standard

    standard = standards.adopt_standard(default_standard(year))
    db.session.commit()
    return jsonify(standards.standard_dict(standard)), 201


@bp.post("/standards/<int:year>/stars/<code>/tasks")
@requires(REVIEW)
@doc("Add a township task under a star", request_schema=TaskIn, tags=["five_star"], status=201)
def add_task(year: int, code: str):
    standard = standards.standard_of(year)
    star = standards.star_by_code(standard, code) if standard else None
    if star is None:
        raise ApiError(404, "not_found", _("该年度标准中没有这颗星"))
    task = standards.add_task(star, load(TaskIn))
    db.session.commit()
    return jsonify({"id": task.id, "code": task.code, "title": task.title, "locked": task.locked}), 201


@bp.delete("/tasks/<int:task_id>")
@requires(REVIEW)
@doc("Drop a township task (county tasks are locked)", tags=["five_star"])
def delete_task(task_id: int):
    standards.delete_task(_get(Task, task_id, "任务"))
    db.session.commit()
    return "", 204


@bp.patch("/criteria/<int:criterion_id>")
@requires(REVIEW)
@doc("Change a criterion (a county task's only stricter)", request_schema=CriterionPatch, tags=["five_star"])
def patch_criterion(criterion_id: int):
    criterion = _get(Criterion, criterion_id, "评价标准")
    data = load(CriterionPatch)
    standards.update_criterion(criterion, db.session.get(Task, criterion.task_id), data)
    db.session.commit()
    return jsonify({"id": criterion.id, "kind": criterion.kind, "title": criterion.title, "max_score": criterion.max_score,
                    "metric_key": criterion.metric_key, "threshold": criterion.threshold, "items": criterion.items})


@bp.get("/branches")
@requires(READ)
@doc("Village branches with the stars they hold", tags=["five_star"],
     query={"year": "year"}, items=True, response_schema=shapes.BRANCH)
def list_branches():
    year = year_arg()
    have = stats.held(year)
    return jsonify({"items": [{"id": b.id, "name": b.name, "grid_id": b.grid_id, "grid_name": b.grid.name,
                               "stars": sorted(have.get(b.id, ()))} for b in visible_branches(READ)]})


@bp.get("/plans")
@requires(READ)
@doc("Creation plans of a year", tags=["five_star"],
     query={"year": "year"}, items=True, response_schema=shapes.PLAN)
def list_plans():
    rows = db.session.scalars(select(Plan).where(Plan.year == year_arg()).order_by(Plan.id))
    return jsonify({"items": [plans.plan_dict(p) for p in rows]})


@bp.post("/plans")
@requires(PLAN)
@doc("File or change a branch's plan", request_schema=PlanIn, tags=["five_star"], status=201)
def save_plan():
    data = load(PlanIn)
    org = branch_or_404(data.pop("org_id"), field="org_id")
    require_act_for(org)
    plan = plans.save_plan(org, data.pop("year"), data)
    db.session.commit()
    return jsonify(plans.plan_dict(plan)), 201


@bp.get("/plans/<int:plan_id>")
@requires(READ)
@doc("A plan with its actions", tags=["five_star"])
def show_plan(plan_id: int):
    return jsonify(plans.plan_dict(_get(Plan, plan_id, "计划")))


@bp.post("/plans/<int:plan_id>/<any(submit, approve, return):action>")
@requires(PLAN)
@doc("Submit (branch), approve or return (township) a plan", request_schema=CommentIn, tags=["five_star"])
def move_plan(plan_id: int, action: str):
    plan = _get(Plan, plan_id, "计划")
    if action == "submit":
        require_act_for(branch_or_404(plan.org_id))
    elif not g.access.can(REVIEW):
        raise ApiError(403, "forbidden", _("只有乡镇可以审核计划"))
    plans.move_plan(plan, action, load(CommentIn, payload())["comment"])
    db.session.commit()
    return jsonify(plans.plan_dict(plan))


@bp.get("/filing")
@requires(REVIEW)
@doc("Which branches have filed this year's plan", tags=["five_star"],
     query={"year": "year"}, response_schema=shapes.FILING)
def filing():
    return jsonify(plans.filing(year_arg()))


@bp.post("/filing/remind")
@requires(REVIEW)
@doc("Remind branches that have not filed", request_schema=RemindIn, tags=["five_star"])
def remind():
    data = load(RemindIn)
    sent = plans.remind_missing(data["year"], data["org_ids"])
    db.session.commit()
    return jsonify({"reminded": sent})


@bp.get("/evidence")
@requires(READ)
@doc("A branch's evidence and live numbers for a year", tags=["five_star"],
     query={"org_id": "id"})
def list_evidence():
    raw = request.args.get("org_id", "")
    org = branch_or_404(int(raw) if raw.isdigit() else None, field="org_id")
    year = year_arg()
    return jsonify({"items": [evidence_dict(e) for e in evidence_of(org, year)],
                    "numbers": numbers(g.tenant, org, year)})


@bp.post("/evidence")
@requires(PLAN)
@doc("Add a note, document or photo to a key task (JSON or multipart with 'file')", request_schema=EvidenceIn,
     tags=["five_star"], status=201)
def post_evidence():
    data = load(EvidenceIn, payload())
    org = branch_or_404(data.pop("org_id"), field="org_id")
    require_act_for(org)
    task = db.session.get(Task, data.pop("task_id"))
    if task is None or task.star_id not in {s.id for s in standards.ensure_standard(data["year"]).stars}:
        raise ApiError(422, "validation_error", _("不是该年度标准的任务"),
                       {"task_id": [_("任务不存在")]})
    row = add_evidence(g.tenant, org, task, data.pop("year"), data, request.files.get("file") if request.files else None)
    db.session.commit()
    return jsonify(evidence_dict(row)), 201


@bp.get("/evidence/<int:evidence_id>/file")
@requires(READ)
@doc("The file of a document or photo", tags=["five_star"])
def evidence_file(evidence_id: int):
    row = _get(Evidence, evidence_id, "材料")
    return send_file(file_path(row), mimetype=row.content_type, download_name=row.file_name, max_age=3600)


def _assessment(assessment_id: int):
    row = _get(Assessment, assessment_id, "评星")
    return row, branch_or_404(row.org_id), db.session.get(Star, row.star_id)


@bp.post("/assessments")
@requires(PLAN)
@doc("Open a branch's assessment of a star", request_schema=AssessmentIn, tags=["five_star"], status=201)
def start_assessment():
    data = load(AssessmentIn)
    org = branch_or_404(data["org_id"], field="org_id")
    require_act_for(org)
    standard = standards.standard_of(data["year"])
    star = standards.star_by_code(standard, data["star_code"]) if standard else None
    if star is None:
        raise ApiError(422, "validation_error", _("该年度标准中没有这颗星"), {"star_code": [_("未定义")]})
    row = flow.start_assessment(org, star, data["year"])
    db.session.commit()
    return jsonify(flow.assessment_dict(row, star)), 201


@bp.get("/assessments/<int:assessment_id>")
@requires(READ)
@doc("An assessment with its steps", tags=["five_star"])
def show_assessment(assessment_id: int):
    row, _org, star = _assessment(assessment_id)
    return jsonify(flow.assessment_dict(row, star))


@bp.post("/assessments/<int:assessment_id>/<any(submit, return):verb>")
@requires(PLAN)
@doc("The branch submits its self-assessment; the township submits its review or returns it one step",
     request_schema=StepIn, tags=["five_star"])
def assessment_step(assessment_id: int, verb: str):
    row, org, star = _assessment(assessment_id)
    if row.state in ("county", "confirmed"):
        raise flow._conflict(row, verb)  # the county acts from its own console
    if row.state == "self":
        if verb == "return":
            raise flow._conflict(row, "return")
        require_act_for(org)
    elif not g.access.can(REVIEW):
        raise ApiError(403, "forbidden", _("只有乡镇可以审核评星"))
    data = load(StepIn, payload())
    flow.step(g.tenant, row, org, star, flow.action_for(row.state, verb), data["scores"], data["comment"])
    db.session.commit()
    return jsonify(flow.assessment_dict(row, star))


@bp.get("/awards")
@requires(READ)
@doc("Published stars of a year, withdrawn ones included", tags=["five_star"],
     query={"year": "year"}, items=True, response_schema=shapes.AWARD)
def list_awards():
    rows = db.session.scalars(select(Award).where(Award.year == year_arg()).order_by(Award.id))
    return jsonify({"items": [flow.award_dict(a) for a in rows]})


@bp.post("/awards/<int:award_id>/withdraw")
@requires(REVIEW)
@doc("Withdraw a star with a reason and the tasks to redo", request_schema=WithdrawIn, tags=["five_star"])
def withdraw(award_id: int):
    award = _get(Award, award_id, "星级")
    data = load(WithdrawIn, payload())
    flow.withdraw(award, db.session.get(Star, award.star_id), data["reason"], data["redo_task_ids"])
    db.session.commit()
    return jsonify(flow.award_dict(award))


@bp.get("/ranking")
@reads_replica
@requires(READ)
@doc("The township's branches by stars held", tags=["five_star"],
     query={"year": "year"}, items=True, response_schema=shapes.RANK)
def ranking():
    return jsonify({"year": year_arg(), "items": stats.ranking(year_arg())})
