"""Assessment pages (评星页面): open an assessment, the scoring form of each level with the
numbers seen now and the history of steps, withdraw a star, and the printable certificate."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from core.toolkit import ApiError, confirm_first, db, gettext as _, requires
from plugins.five_star import assessment as flow
from plugins.five_star.branches import branch_or_404
from plugins.five_star.evidence import numbers
from plugins.five_star.models import Assessment, Award, Star
from plugins.five_star.pages import STATE_LABELS, _branch_page, _fail, field_errors, kept
from plugins.five_star.permissions import PLAN, READ, REVIEW, can_act_for, require_act_for
from plugins.five_star.standards import max_total, standard_of, star_by_code

bp = Blueprint("five_star_assess_pages", __name__, url_prefix="/t/<tenant>/five_star", template_folder="templates")


@bp.post("/branches/<int:org_id>/assessments")
@requires(PLAN)
def start(org_id: int):
    org = branch_or_404(org_id)
    year = int(request.form.get("year") or 0)
    standard = standard_of(year)
    star = star_by_code(standard, request.form.get("star_code") or "") if standard else None
    try:
        require_act_for(org)
        if star is None:
            raise ApiError(422, "validation_error", _("该年度标准中没有这颗星"), {"star_code": [_("未定义")]})
        row = flow.start_assessment(org, star, year)
        db.session.commit()
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        _fail(exc)
        return redirect(url_for("five_star_pages.branch", org_id=org.id, year=year or None))
    return redirect(url_for(".show", assessment_id=row.id))


def _load(assessment_id: int):
    row = db.session.get(Assessment, assessment_id)
    if row is None:
        raise ApiError(404)
    return row, branch_or_404(row.org_id), db.session.get(Star, row.star_id)


def _may_score(row, org) -> bool:
    if row.state == "self":
        return can_act_for(org)
    return row.state == "township" and g.access.can(REVIEW)


def page(row, org, star, form=None, errors=None, status=200):
    last = row.steps[-1].scores if row.steps else {}
    return render_template("five_star/assessment.html", a=row, org=org, star=star, max_score=max_total(star),
                           numbers=numbers(g.tenant, org, row.year), form=form or {k: f"{v:g}" for k, v in last.items()},
                           errors=errors or {}, can_score=_may_score(row, org), labels=STATE_LABELS,
                           criteria={str(c.id): c for c in flow.criteria_of(star)}), status


@bp.get("/assessments/<int:assessment_id>")
@requires(READ)
def show(assessment_id: int):
    return page(*_load(assessment_id))


def _scores_from_form(star) -> tuple[dict, dict]:
    form, scores = {}, {}
    for c in flow.criteria_of(star):
        raw = (request.form.get(f"score_{c.id}") or "").strip()
        form[str(c.id)] = raw
        if raw:
            try:
                scores[str(c.id)] = float(raw)
            except ValueError:
                scores[str(c.id)] = raw  # refused by the service with the field named
    return form, scores


@bp.post("/assessments/<int:assessment_id>/<any(submit, return):verb>")
@requires(PLAN)
def step(assessment_id: int, verb: str):
    row, org, star = _load(assessment_id)
    form, scores = _scores_from_form(star)
    try:
        if row.state in ("county", "confirmed") or (row.state == "self" and verb == "return"):
            raise flow._conflict(row, verb)
        if not _may_score(row, org):
            raise ApiError(403, "forbidden", _("不在您的评星环节"))
        flow.step(g.tenant, row, org, star, flow.action_for(row.state, verb), scores, request.form.get("comment") or "")
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        row, org, star = _load(assessment_id)
        errors = {k.replace("scores.", "score_"): v for k, v in field_errors(exc).items()}
        errors.setdefault("_form", []).insert(0, exc.message)
        form["comment"] = request.form.get("comment") or ""
        return page(row, org, star, form, errors, 422)
    flash(_("已提交") if verb == "submit" else _("已退回"), "ok")
    return redirect(url_for(".show", assessment_id=row.id))


@bp.post("/awards/<int:award_id>/withdraw")
@requires(REVIEW)
def withdraw(award_id: int):
    award = db.session.get(Award, award_id)
    if award is None:
        raise ApiError(404)
    try:
        redo = [int(x) for x in request.form.getlist("redo_task_ids") if x.isdigit()]
        star = db.session.get(Star, award.star_id)
        flow.withdraw(award, star, request.form.get("reason") or "", redo)
        org = branch_or_404(award.org_id)
        confirm_first(_("确认摘除「%(org)s」的%(star)s？", org=org.name, star=star.name),
                      [_("该星从本年度星级中撤下，证书失效"), _("支部进入失星再培育，整改任务：%(tasks)s",
                                                        tasks=_("、").join(flow.task_titles(redo))),
                       _("重新评定通过后可再次获星")], _("确认摘星"))
        db.session.commit()
        flash(_("已摘星，支部进入失星再培育"), "ok")
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        return _branch_page(branch_or_404(award.org_id), award.year, status=exc.status if exc.status == 409 else 422,
                            refused=kept(f"withdraw-{award.id}", exc))
    return redirect(url_for("five_star_pages.branch", org_id=award.org_id, year=award.year))


@bp.get("/awards/<int:award_id>/certificate")
@requires(READ)
def certificate(award_id: int):
    award = db.session.get(Award, award_id)
    if award is None or award.withdrawn_at is not None:
        raise ApiError(404)
    org = branch_or_404(award.org_id)
    star = db.session.get(Star, award.star_id)
    return render_template("five_star/certificate.html", award=award, org=org, star=star, town=g.tenant)


@bp.get("/certificates")
@requires(READ)
def certificates():
    """Every held star of a year on one printable sheet, a certificate per page."""
    from plugins.five_star.web import year_arg

    year = year_arg()
    awards = db.session.scalars(select(Award).where(Award.year == year, Award.withdrawn_at.is_(None)).order_by(Award.org_id, Award.id))
    items = [(a, branch_or_404(a.org_id), db.session.get(Star, a.star_id)) for a in awards]
    return render_template("five_star/certificates.html", items=items, town=g.tenant, year=year)
