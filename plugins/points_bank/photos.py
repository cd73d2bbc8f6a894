"""Evidence photos (照片佐证): each checked by the toolkit's ``check_image`` before anything is
saved (type read from the content, EXIF/GPS dropped, a photo over the township's
``max_photo_kb`` shrunk to fit).

Files are stored under the key ``points_bank/<tenant id>/<random>.<ext>`` (the toolkit's
``storage()``); rows keep the part after ``points_bank/``. A photo is served only to those who
may see its account's passbook.
"""
from __future__ import annotations

import secrets

from sqlalchemy import insert
from sqlalchemy.orm.attributes import set_committed_value

from core.toolkit import gettext as _
from core.toolkit import (ApiError, CheckedImage, StoredFileMissing, check_image, current_tenant_id, db,
                          module_settings, storage)
from plugins.points_bank.models import EvidencePhoto

MAX_PHOTOS = 4
FIELD = "photos"


def check_uploads(tenant, files) -> list[CheckedImage]:
    """Validate uploaded files (werkzeug ``FileStorage``): 422 when one is not a JPEG, PNG or
    WebP image or there are too many, 413 when one is beyond what is read at all; the field
    ``photos`` is named either way. A photo over the township's limit is shrunk to fit."""
    files = [f for f in files if f is not None and (f.filename or "")]
    if len(files) > MAX_PHOTOS:
        raise ApiError(422, "too_many_photos", _("最多上传 %(n)s 张照片", n=MAX_PHOTOS),
                       {FIELD: [_("最多 %(n)s 张", n=MAX_PHOTOS)]})
    limit_kb = module_settings(tenant, "points_bank")["max_photo_kb"]
    return [check_image(f, FIELD, limit_kb) for f in files]


def store(tenant, txns, uploads: list[CheckedImage]) -> None:
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
