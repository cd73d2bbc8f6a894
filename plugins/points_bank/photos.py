"""Evidence photos (照片佐证): checked with Pillow (type, size) before anything is saved.

Files are stored under the key ``points_bank/<tenant id>/<random>.<ext>`` (the toolkit's
``storage()``); rows keep the part after ``points_bank/``. Same formats and checks as incidents'
photos; a photo is served only to those who may see its account's passbook.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import insert
from sqlalchemy.orm.attributes import set_committed_value

from core.toolkit import gettext as _
from core.toolkit import ApiError, StoredFileMissing, current_tenant_id, db, module_settings, storage
from plugins.points_bank.models import EvidencePhoto

FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MAX_PHOTOS = 4
FIELD = "photos"


@dataclass(frozen=True)
class Upload:
    data: bytes
    ext: str
    content_type: str


def check_uploads(tenant, files) -> list[Upload]:
    """Validate uploaded files (werkzeug ``FileStorage``): 413 when one is larger than the
    township's limit, 422 when one is not a JPEG, PNG or WebP image or there are too many; the
    field ``photos`` is named either way."""
    files = [f for f in files if f is not None and (f.filename or "")]
    if len(files) > MAX_PHOTOS:
        raise ApiError(422, "too_many_photos", _("最多上传 %(n)s 张照片", n=MAX_PHOTOS),
                       {FIELD: [_("最多 %(n)s 张", n=MAX_PHOTOS)]})
    limit_kb = module_settings(tenant, "points_bank")["max_photo_kb"]
    out = []
    for f in files:
        data, name = f.read(limit_kb * 1024 + 1), f.filename
        if len(data) > limit_kb * 1024:
            raise ApiError(413, "photo_too_large", _("照片 %(name)s 超过 %(kb)s KB", name=name, kb=limit_kb),
                           {FIELD: [_("%(name)s：超过 %(kb)s KB", name=name, kb=limit_kb)]})
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            fmt = None
        if fmt not in FORMATS:
            raise ApiError(422, "photo_not_image", _("%(name)s 不是 JPEG/PNG/WebP 图片", name=name),
                           {FIELD: [_("%(name)s 不是 JPEG/PNG/WebP 图片", name=name)]})
        ext, content_type = FORMATS[fmt]
        out.append(Upload(data, ext, content_type))
    return out


def store(tenant, txns, uploads: list[Upload]) -> None:
    """Store checked uploads once and add a row per transaction and photo (one INSERT)."""
    if not uploads or not txns:
        return
    rows = []
    for up in uploads:
        rel = f"{tenant.id}/{secrets.token_hex(12)}.{up.ext}"
        storage().save("points_bank/" + rel, up.data, up.content_type)
        rows += [{"tenant_id": current_tenant_id(), "txn_id": t.id, "path": rel, "content_type": up.content_type,
                  "size": len(up.data)} for t in txns]
    stored = db.session.scalars(insert(EvidencePhoto).returning(EvidencePhoto), rows).all()
    for txn in txns:  # what the answer shows, without reading it back
        set_committed_value(txn, "photos", sorted((p for p in stored if p.txn_id == txn.id), key=lambda p: p.id))


def file_path(photo: EvidencePhoto):
    """The stored photo as a readable stream (for ``send_file``); 404 when it is gone."""
    try:
        return storage().open("points_bank/" + photo.path)
    except (StoredFileMissing, ValueError):
        raise ApiError(404, "photo_missing", _("照片文件不存在")) from None
