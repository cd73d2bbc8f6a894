"""Evidence (佐证材料): documents, photos and notes a branch keeps per key task, and the numbers
other modules answer through ``star_evidence`` for the village's subtree and year.

Files are stored under the key ``five_star/<tenant id>/<random>.<ext>`` (the toolkit's
``storage()``); rows keep the part after ``five_star/``.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from core.toolkit import ApiError, PartyOrg, StoredFileMissing, audit, check_image, db, hooks, storage
from plugins.five_star.clock import iso, year_bounds
from plugins.five_star.models import Evidence, Task
from plugins.five_star.web import actor_name
from core.toolkit import gettext as _

DOCUMENTS = {"application/pdf": ".pdf",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
MAX_BYTES = 10 * 1024 * 1024


def add_evidence(tenant, org: PartyOrg, task: Task, year: int, data: dict[str, Any], upload=None) -> Evidence:
    """Keep a note, or a document/photo with its file, for ``task`` of ``org`` in ``year``."""
    kind = data["kind"]
    if kind != "note" and upload is None:
        raise ApiError(422, "validation_error", _("请上传文件"), {"file": [_("必填")]})
    if kind == "note" and not (data.get("note") or "").strip():
        raise ApiError(422, "validation_error", _("请填写说明"), {"note": [_("必填")]})
    row = Evidence(org_id=org.id, task_id=task.id, year=year, kind=kind, title=data["title"],
                   note=data.get("note") or "", added_by=actor_name())
    if upload is not None:
        body, ext, content_type = _file(kind, upload)
        rel = f"{tenant.id}/{secrets.token_hex(16)}{ext}"
        storage().save("five_star/" + rel, body, content_type)
        row.file_name, row.content_type, row.stored_as = (upload.filename or "file")[:200], content_type, rel
    db.session.add(row)
    db.session.flush()
    audit("five_star.evidence_add", row, after={"org_id": org.id, "task_id": task.id, "kind": kind})
    return row


def _file(kind: str, upload) -> tuple[bytes, str, str]:
    """The bytes, extension and content type to store. A photo (or a document sent as an image)
    goes through the toolkit's ``check_image``: its type read from the content, EXIF/GPS dropped,
    shrunk when over ``PHOTO_MAX_KB``. Other documents are taken by their declared type."""
    if kind == "photo" or upload.mimetype.startswith("image/"):
        photo = check_image(upload, "file")
        return photo.data, "." + photo.ext, photo.content_type
    body = upload.read(MAX_BYTES + 1)
    ext = DOCUMENTS.get(upload.mimetype)
    if ext is None:
        raise ApiError(422, "validation_error", _("文件类型不支持"), {"file": [upload.mimetype]})
    if len(body) > MAX_BYTES or not body:
        raise ApiError(422, "validation_error", _("文件须在 10MB 以内且非空"), {"file": [_("大小不符")]})
    return body, ext, upload.mimetype


def file_path(row: Evidence):
    """The stored file as a readable stream (for ``send_file``); 404 when it is gone."""
    try:
        return storage().open("five_star/" + (row.stored_as or ""))
    except (StoredFileMissing, ValueError):
        raise ApiError(404, "not_found", _("文件不存在")) from None


def evidence_of(org: PartyOrg, year: int) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.org_id == org.id, Evidence.year == year)
                                   .order_by(Evidence.id)))


def numbers(tenant, org: PartyOrg, year: int) -> list[dict[str, Any]]:
    """What the enabled modules answer for the village's subtree in ``year`` (so far)."""
    start, end = year_bounds(year)
    out: list[dict[str, Any]] = []
    for answer in hooks(tenant).star_evidence(tenant=tenant, grid_id=org.grid_id, start=start, end=end):
        for item in answer or []:
            if isinstance(item, dict) and isinstance(item.get("key"), str) and isinstance(item.get("value"), (int, float)):
                value, unit = as_fraction(float(item["value"]), str(item.get("unit", "")))
                out.append({"key": item["key"], "value": value, "label_zh": str(item.get("label_zh", "")),
                            "label_en": str(item.get("label_en", "")), "unit": unit})
    return sorted(out, key=lambda i: i["key"])


def as_fraction(value: float, unit: str) -> tuple[float, str]:
    """Rates as one shape: a fraction with unit ``%``. Modules answer rates as a fraction with
    ``%`` (incidents), a fraction with ``ratio`` (points_bank) or a percentage with ``%``
    (mediation); a ``%`` value above 1 is read as a percentage."""
    if unit == "ratio":
        return value, "%"
    if unit == "%" and value > 1:
        return round(value / 100, 4), "%"
    return value, unit


def evidence_dict(row: Evidence) -> dict[str, Any]:
    return {"id": row.id, "org_id": row.org_id, "task_id": row.task_id, "year": row.year, "kind": row.kind,
            "title": row.title, "note": row.note, "file_name": row.file_name, "added_by": row.added_by,
            "created_at": iso(row.created_at)}
