"""Spreadsheet endpoints (表格导入导出接口): import residents (at once, or in the background with
progress), export the register."""
from __future__ import annotations

import io
import json

from flask import Blueprint, jsonify, request, url_for

from core.api import doc
from core.auth import current_access, requires
from core.db import db
from core.errors import ApiError, error_payload
from core.exports import xlsx_response
from core.people import import_jobs
from core.people.access import reach_ids
from core.people.export import write_workbook
from core.people.importer import run_import
from flask_babel import gettext as _

bp = Blueprint("people_files", __name__, url_prefix="/api/v1/t/<tenant>/people")


def parse_mapping(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ApiError(422, "validation_error", _("列映射须为 JSON 对象"),
                       {"mapping": [_('须为 {"表头": "字段"} 形式的 JSON 对象')]})
    return mapping


def import_response(report):
    body = report.as_dict()
    if report.mode == "all" and report.errors:
        payload = error_payload(422, "import_rejected", _("有 %(bad)s 行有误，未导入任何数据", bad=report.bad),
                                {"rows": report.errors})
        return jsonify({**payload, "report": body}), 422
    return jsonify(body), 200


@bp.post("/import")
@requires("people.import")
@doc("Import residents from .xlsx/.csv within the request (multipart: file, mode=dry_run|all|good, mapping "
     "JSON); for small files: a large one outlasts the server's request timeout, so use POST .../people/imports",
     tags=["people"])
def import_people():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(422, "validation_error", _("请上传文件"), {"file": [_("请上传 .xlsx 或 .csv 文件")]})
    mode = request.form.get("mode", "dry_run")
    report = run_import(upload.filename, io.BytesIO(upload.read()), mode=mode,
                        mapping=parse_mapping(request.form.get("mapping")), reach=reach_ids("people.import"),
                        sensitive=reach_ids("people.read_sensitive"))
    if report.imported:
        db.session.commit()
    else:
        db.session.rollback()
    return import_response(report)


@bp.post("/imports")
@requires("people.import")
@doc("Start importing residents in the background (multipart: file, mode=dry_run|all|good, mapping JSON); "
     "202 with the job, whose Location reports progress and then the row report", tags=["people"], status=202)
def start_import_job():
    mode = import_jobs.check_mode(request.form.get("mode", "dry_run"))
    mapping = parse_mapping(request.form.get("mapping"))
    upload = request.files.get("file")
    token = import_jobs.save_upload(upload)
    job = import_jobs.start_import(token, upload.filename, mode, mapping)
    response = jsonify(import_jobs.job_body(job))
    response.headers["Location"] = url_for("people_files.import_job", job_id=job.id)
    return response, 202


@bp.get("/imports/<job_id>")
@requires("people.import")
@doc("A background import: status (queued/running/succeeded/failed), phase (check/write), rows done and "
     "total, percent, error; once finished the row report. Only its starter sees it", tags=["people"])
def import_job(job_id):
    return jsonify(import_jobs.job_body(import_jobs.import_job_or_404(job_id)))


@bp.get("/export.xlsx")
@requires("people.export")
@doc("Export grids, households and residents in reach to .xlsx (unmasked only with people.read_sensitive)",
     tags=["people"])
def export_people():
    roots = current_access().grids_for("people.export")
    sensitive, reach = reach_ids("people.read_sensitive"), reach_ids("people.export")
    masked = not (sensitive is None or (reach is not None and reach <= sensitive))
    stream = io.BytesIO()
    write_workbook(stream, masked=masked, roots=roots)
    db.session.commit()
    stream.seek(0)
    return xlsx_response(stream, "居民名册.xlsx")
