"""People pages (居民页面): list with filters, person page, household page, import wizard.

The pages' own messages are translated, labels where they are shown (templates, :func:`tag_name`);
messages that the API gives too are shown as they are (bilingual)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from core import jobs
from core.api import CappedPage, page_args
from core.auth import requires
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid
from core.grid.scope import visible
from core.people import access, centers, import_jobs
from core.people.models import BUILTIN_TAG_NAMES, STATUS_LABELS, Person, PersonStatus, Tag
from core.people.search import people_order, people_query

bp = Blueprint("people", __name__, url_prefix="/t/<tenant>/people")
FILTER_LEVELS = 3  # grid levels the list's grid filter offers


def tag_name(name: str) -> str:
    """A tag's name as pages show it (the ``tag_name`` filter): the built-in tags' (独居老人...) in
    the reader's language, the ones a township made as it wrote them (they are its data)."""
    return _(name) if name in BUILTIN_TAG_NAMES else name


@bp.get("/")
@requires("people.read")
def people_list():
    number, per_page = page_args()
    # a township has 100,000 residents: counted up to 1,000 on a page view ("1,000+")
    result = CappedPage(people_query(request.args).order_by(people_order(request.args)), number, per_page)
    # the filter offers the top FILTER_LEVELS levels (130 of a township's 1,000 grids: 1,000
    # options were most of the page) and the grid chosen; a deeper grid's page links here with it
    chosen = request.args.get("grid_id", "")
    shown = Grid.level <= FILTER_LEVELS
    if chosen.isdigit():
        shown = or_(shown, Grid.id == int(chosen))
    grids = db.session.execute(select(Grid.id, Grid.name, Grid.level).where(visible(Grid.id, "people.read"), shown)
                               .order_by(Grid.path)).all()
    tags = db.session.scalars(select(Tag).order_by(Tag.id)).all()
    rows = [access.person_dict(p) for p in result.items]
    return render_template("people/list.html", rows=rows, result=result, grids=grids, tags=tags,
                           args=request.args, statuses=STATUS_LABELS)


@bp.get("/<int:person_id>")
@requires("people.read")
def person_page(person_id):
    from core.modules import hooks

    person = access.person_or_404(person_id)
    unmasked = bool(access.reveal_audited([person]))
    data = access.person_dict(person, unmasked=unmasked, detail=True)
    sections = [s for batch in hooks().person_sections(tenant=g.tenant, person=person, user=current_user)
                for s in (batch or [])]
    members = []
    if person.household_id:
        members = db.session.scalars(select(Person).where(Person.household_id == person.household_id,
                                                          Person.id != person.id).order_by(Person.id)).all()
    can_edit = access.in_reach(person.grid_id, "people.edit") and g.access.can("people.edit")
    html = render_template("people/person.html", p=data, person=person, sections=sections, members=members,
                           household=person.household, can_edit=can_edit and person.anonymised_at is None,
                           can_anonymise=can_edit and person.anonymised_at is None
                           and access.township_wide("people.edit"))
    db.session.commit()  # the audit entry of an unmasked read
    return html


@bp.get("/households/<int:household_id>")
@requires("people.read")
def household_page(household_id):
    household = access.household_or_404(household_id)
    members = db.session.scalars(select(Person).where(Person.household_id == household.id).order_by(Person.id)).all()
    can_edit = g.access.can("people.edit") and access.in_reach(household.grid_id, "people.edit")
    center = centers.center_of(household)
    from core.residents.cards import card_summary

    can_cards = g.access.can("people.cards") and access.in_reach(household.grid_id, "people.cards")
    return render_template("people/household.html", h=access.household_dict(household),
                           card=card_summary(household) if can_cards else None, can_cards=can_cards,
                           members=[access.person_dict(p) for p in members], can_edit=can_edit,
                           center=centers.center_dict(center) if center is not None else None,
                           linked_center=centers.linked_center(household),
                           candidates=[p for p in members if p.is_party_member and p.status == PersonStatus.living])


@bp.route("/import", methods=["GET", "POST"])
@requires("people.import")
def import_page():
    """Upload a file; its check (dry run) starts in the background and its page shows progress."""
    if request.method == "GET":
        return render_template("people/import.html", step="upload")
    try:
        upload = request.files.get("file")
        token = import_jobs.save_upload(upload)
        job = import_jobs.start_import(token, upload.filename, "dry_run")
    except ApiError as exc:
        return render_template("people/import.html", step="upload", error=exc.message, fields=exc.fields), exc.status
    return redirect(url_for("people.import_job_page", job_id=job.id), 303)


@bp.get("/import/<job_id>")
@requires("people.import")
def import_job_page(job_id):
    """A check or import job: its progress while it runs (refreshing itself), then the row report
    with the confirm buttons (after a check) or the counts (after an import)."""
    job = import_jobs.import_job_or_404(job_id)
    report = jobs.result(job) if job.finished else None
    mode = job.params.get("mode")
    if not job.finished:
        step = "checking" if mode == "dry_run" else "writing"
    elif job.status == jobs.SUCCEEDED and report is not None:
        step = "done" if report["imported"] else "report"
    elif report is not None and job.error["code"] == "import_rejected":
        step = "rejected"
    else:
        step = "failed"
    can_confirm = (step in ("report", "rejected") and report["good"] > 0
                   and import_jobs.saved_upload(job.params["token"]) is not None)
    can_download_bad = bool(report and report.get("errors")) and import_jobs.saved_upload(job.params["token"]) is not None
    return render_template("people/import.html", step=step, job=job, report=report, can_confirm=can_confirm,
                           can_download_bad=can_download_bad,
                           phases={key: _(label) for key, label in import_jobs.PHASES.items()},
                           errors=(report or {}).get("errors", [])[:1000])


@bp.get("/import/template.xlsx")
@requires("people.import")
def import_template():
    """The residents template (导入模板): every header the importer knows, and a 说明 sheet."""
    from core.exports import xlsx_response
    from core.people.import_files import template_xlsx

    return xlsx_response(template_xlsx(), "居民导入模板.xlsx")


@bp.get("/import/<job_id>/bad-rows.xlsx")
@requires("people.import")
def import_bad_rows(job_id):
    """The rows the check refused, as uploaded, with a 错误原因 column: fix and upload again."""
    from core.exports import xlsx_response
    from core.people.import_files import bad_rows_xlsx

    job = import_jobs.import_job_or_404(job_id)
    report = jobs.result(job) if job.finished else None
    key = import_jobs.saved_upload(job.params["token"])
    if report is None or not report.get("errors") or key is None:
        raise ApiError(404, "not_found", _("没有可下载的错误行（文件已过期或没有错误）"))
    return xlsx_response(bad_rows_xlsx(job.params["filename"], key, report["errors"]), "居民导入-错误行.xlsx")


@bp.get("/import/<job_id>/progress")
@requires("people.import")
def import_job_progress(job_id):
    """The job's progress as JSON, polled by ``core/static/jobs.js``."""
    return jsonify(import_jobs.import_job_or_404(job_id).progress_dict())


@bp.post("/import/<job_id>/confirm")
@requires("people.import")
def import_confirm(job_id):
    """Import the checked file: ``mode=all`` (all-or-nothing) or ``good`` (the good rows only)."""
    job = import_jobs.import_job_or_404(job_id)
    mode = request.form.get("mode")
    if mode not in ("all", "good"):
        raise ApiError(422, "validation_error", _("导入方式有误"), {"mode": [_("须为 all 或 good")]})
    report = jobs.result(job) if job.finished else None
    if report is None or report["imported"] or not report["good"]:
        raise ApiError(422, "validation_error", _("该文件没有可导入的行"))
    if mode == "all" and report["bad"]:
        message = _("检查发现有误的行，不能全部导入：请只导入正确的行，或修正后重新上传")
        raise ApiError(422, "validation_error", message, {"mode": [message]})
    if import_jobs.saved_upload(job.params["token"]) is None:
        message = _("上传的文件已失效，请重新上传")
        return render_template("people/import.html", step="upload", error=message), 422
    new = import_jobs.start_import(job.params["token"], job.params["filename"], mode, job.params.get("mapping"))
    return redirect(url_for("people.import_job_page", job_id=new.id), 303)
