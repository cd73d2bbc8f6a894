"""People pages (居民页面): list with filters, person page, household page, import wizard."""
from __future__ import annotations

import io
import os
import re
import uuid

from flask import Blueprint, current_app, g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from core.api import page_args
from core.auth import requires
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid
from core.grid.scope import visible
from core.people import access
from core.people.importer import run_import
from core.people.models import STATUS_LABELS, Person, Tag
from core.people.search import people_order, people_query

bp = Blueprint("people", __name__, url_prefix="/t/<tenant>/people")
TOKEN = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")


@bp.get("/")
@requires("people.read")
def people_list():
    number, per_page = page_args()
    result = db.paginate(people_query(request.args).order_by(people_order(request.args)), page=number, per_page=per_page,
                         error_out=False, count=True)
    grids = db.session.execute(select(Grid.id, Grid.name, Grid.level).where(visible(Grid.id, "people.read"))
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
                           and access.reach_ids("people.edit") is None)
    db.session.commit()  # the audit entry of an unmasked read
    return html


@bp.get("/households/<int:household_id>")
@requires("people.read")
def household_page(household_id):
    household = access.household_or_404(household_id)
    members = db.session.scalars(select(Person).where(Person.household_id == household.id).order_by(Person.id)).all()
    can_edit = g.access.can("people.edit") and access.in_reach(household.grid_id, "people.edit")
    return render_template("people/household.html", h=access.household_dict(household),
                           members=[access.person_dict(p) for p in members], can_edit=can_edit)


def _upload_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "people-imports", str(g.tenant.id))
    os.makedirs(path, exist_ok=True)
    return path


@bp.route("/import", methods=["GET", "POST"])
@requires("people.import")
def import_page():
    """Upload → dry-run report → confirm (all-or-nothing, or the good rows only)."""
    if request.method == "GET":
        return render_template("people/import.html", step="upload")
    token = request.form.get("token", "")
    mode = request.form.get("mode", "dry_run")
    try:
        if token:
            if not TOKEN.match(token) or not os.path.exists(os.path.join(_upload_dir(), token)):
                raise ApiError(422, "validation_error", "上传的文件已失效，请重新上传 (upload again)", {"file": ["请重新上传"]})
            path = os.path.join(_upload_dir(), token)
        else:
            upload = request.files.get("file")
            ext = (upload.filename.rsplit(".", 1)[-1].lower() if upload and "." in upload.filename else "")
            if ext not in ("xlsx", "csv"):
                raise ApiError(422, "validation_error", "请上传 .xlsx 或 .csv 文件 (upload .xlsx or .csv)", {"file": ["格式不支持"]})
            token = f"{uuid.uuid4().hex}.{ext}"
            path = os.path.join(_upload_dir(), token)
            upload.save(path)
            mode = "dry_run"
        with open(path, "rb") as stream:
            report = run_import(path, io.BytesIO(stream.read()), mode=mode, reach=access.reach_ids("people.import"))
    except ApiError as exc:
        db.session.rollback()
        return render_template("people/import.html", step="upload", error=exc.message, fields=exc.fields), exc.status
    if report.imported:
        db.session.commit()
        os.remove(path)
    else:
        db.session.rollback()
    step = "done" if report.imported else ("rejected" if mode != "dry_run" else "report")
    return render_template("people/import.html", step=step, report=report, token=token,
                           errors=report.errors[:1000]), (422 if step == "rejected" else 200)
