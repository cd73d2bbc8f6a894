"""Residents import in the background (后台导入居民), for the wizard and the API.

The uploaded file is stored under the key ``people-imports/<tenant id>/<token>`` (:mod:`core.storage`) and a
:mod:`core.jobs` job of kind ``people.import`` runs :func:`core.people.importer.run_import` on it
with the importing user's reach, reporting the phases ``check`` and ``write``. Its result is the
row report (:meth:`ImportReport.as_dict`). An all-or-nothing import with bad rows fails with
``import_rejected`` and keeps the report; a file that cannot be read fails with ``invalid_file``.
A job is seen only by the user who started it (anyone else: 404, as for another tenant's).
Uploads older than a day are removed when the next one arrives (abandoned wizards).

The job may be retried after a transient failure (database busy): its transaction was rolled
back and the upload is kept until an import commits, so a second run starts from the same file.
Uploads are in the app's storage (a shared ``UPLOAD_DIR`` or an S3-compatible store), so a
consumer on any host reads what any app host saved.
"""
from __future__ import annotations

import io
import re
import time
import uuid
from typing import Any

from flask import g
from flask_login import current_user

from core import jobs
from core.db import db
from core.errors import ApiError
from core.i18n import N_
from core.people.access import reach_ids
from core.people.importer import MODES, run_import
from core.people.sheets import check_mapping
from core.storage import Storage, StoredFileMissing, storage
from flask_babel import gettext as _

KIND = "people.import"
TOKEN = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")
PHASES = {"check": N_("检查"), "write": N_("写入")}  # translated by the wizard page


ROOT = "people-imports"


def upload_key(token: str) -> str | None:
    """The storage key of the current tenant's saved upload ``token``, or ``None`` when the token
    is malformed."""
    if not TOKEN.match(token or ""):
        return None
    return f"{ROOT}/{g.tenant.id}/{token}"


def saved_upload(token: str) -> str | None:
    """The key of the current tenant's saved upload ``token``, or ``None`` when it is gone or
    malformed."""
    key = upload_key(token)
    return key if key and storage().exists(key) else None


def remove_old_files(store: Storage, prefix: str, older_than: float = jobs.KEEP_FOR) -> int:
    """Delete files under ``prefix`` last changed more than ``older_than`` seconds ago; returns how
    many. Other workers may be sweeping too, so files that vanish meanwhile are no error."""
    limit, removed = time.time() - older_than, 0
    for entry in list(store.entries(prefix)):
        if entry.modified < limit:
            store.delete(entry.key)
            removed += 1
    return removed


def save_upload(upload) -> str:
    """Keep an uploaded .xlsx/.csv for the jobs; returns its token. 422 naming ``file``."""
    if upload is None or not upload.filename:
        raise ApiError(422, "validation_error", _("请上传文件"), {"file": [_("请上传 .xlsx 或 .csv 文件")]})
    ext = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if ext not in ("xlsx", "csv"):
        raise ApiError(422, "validation_error", _("请上传 .xlsx 或 .csv 文件"),
                       {"file": [_("格式不支持，仅支持 .xlsx 或 .csv")]})
    store = storage()
    remove_old_files(store, ROOT)
    token = f"{uuid.uuid4().hex}.{ext}"
    store.save(upload_key(token), upload.stream, upload.mimetype)
    return token


def check_mode(mode: str | None) -> str:
    if mode not in MODES:
        raise ApiError(422, "validation_error", _("导入方式有误"),
                       {"mode": [_("须为 %(choices)s 之一", choices=', '.join(MODES))]})
    return mode


def start_import(token: str, filename: str, mode: str, mapping: dict[str, str] | None = None) -> jobs.Job:
    """Start checking (``dry_run``) or importing (``all``/``good``) the saved upload ``token``."""
    check_mode(mode)
    check_mapping(mapping)
    return jobs.start(KIND, _work, write=mode != "dry_run", retries=2,
                      params={"token": token, "filename": filename, "mode": mode, "mapping": mapping})


def _work(run: jobs.JobRun) -> dict[str, Any]:
    params = run.params
    key, store = upload_key(params["token"]), storage()
    try:
        data = io.BytesIO(store.read(key)) if key else None
    except StoredFileMissing:
        data = None
    if data is None:
        raise ApiError(422, "validation_error", _("上传的文件已失效，请重新上传"), {"file": [_("请重新上传")]})
    report = run_import(params["filename"], data, mode=params["mode"], mapping=params.get("mapping"),
                        reach=reach_ids("people.import"),
                        sensitive=reach_ids("people.read_sensitive"), progress=run.progress)
    body = report.as_dict()
    if params["mode"] == "all" and report.errors:
        run.result = body  # the failure keeps its report
        raise ApiError(422, "import_rejected", _("有 %(bad)s 行有误，未导入任何数据", bad=report.bad))
    if report.imported:
        db.session.commit()
        store.delete(key)  # written: the file is of no more use
    return body


def import_job_or_404(job_id: str) -> jobs.Job:
    """The import job ``job_id`` the current user started in this tenant; 404 otherwise."""
    job = jobs.get(job_id)
    if job is None or job.kind != KIND or job.user_id != current_user.id:
        raise ApiError(404)
    return job


def job_body(job: jobs.Job, with_report: bool = True) -> dict[str, Any]:
    """The API's view of an import job: progress, mode and file, and once finished the report."""
    body = job.progress_dict()
    body.update(mode=job.params.get("mode"), filename=job.params.get("filename"))
    if with_report:
        body["report"] = jobs.result(job) if job.finished else None
    return body
