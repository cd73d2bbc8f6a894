"""Photo uploads (现场照片): each checked by the toolkit's ``check_image`` before anything is
saved (type read from the content, EXIF/GPS dropped); a photo over the township's
``max_photo_kb`` is shrunk to fit (phones take big photos), one over ``PHOTO_UPLOAD_MAX_MB``
refused.

Files are stored under the key ``incidents/<tenant id>/<random>.<ext>`` (the toolkit's
``storage()``: ``UPLOAD_DIR`` or an S3-compatible store); rows keep the part after ``incidents/``.
"""
from __future__ import annotations

import secrets

from core.toolkit import ApiError, CheckedImage, StoredFileMissing, check_image, db, module_settings, storage
from plugins.incidents.models import Photo
from core.toolkit import gettext as _

MAX_PHOTOS = 6


def check_uploads(tenant, files, field: str = "photos") -> list[CheckedImage]:
    """Validate uploaded files (werkzeug ``FileStorage``); 413/422 naming ``field`` if any is bad."""
    files = [f for f in files if f is not None and (f.filename or "")]
    if len(files) > MAX_PHOTOS:
        raise ApiError(422, "too_many_photos", _("最多上传 %(count)s 张照片", count=MAX_PHOTOS),
                       {field: [_("最多 %(MAX_PHOTOS)s 张", MAX_PHOTOS=MAX_PHOTOS)]})
    limit_kb = module_settings(tenant, "incidents")["max_photo_kb"]
    return [check_image(f, field, limit_kb) for f in files]


def store(tenant, incident, step, uploads: list[CheckedImage]) -> list[Photo]:
    """Store checked uploads and add their rows (flushed)."""
    rows = []
    for up in uploads:
        rel = f"{tenant.id}/{secrets.token_hex(12)}.{up.ext}"
        storage().save("incidents/" + rel, up.data, up.content_type)
        row = Photo(incident_id=incident.id, step_id=step.id if step else None, path=rel,
                    content_type=up.content_type, size=len(up.data))
        db.session.add(row)
        rows.append(row)
    if rows:
        db.session.flush()
    return rows


def file_path(photo: Photo):
    """The stored photo as a readable stream (for ``send_file``); 404 when it is gone."""
    try:
        return storage().open("incidents/" + photo.path)
    except (StoredFileMissing, ValueError):
        raise ApiError(404, "photo_missing", _("照片文件不存在")) from None
