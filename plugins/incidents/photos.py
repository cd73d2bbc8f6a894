"""Photo uploads (现场照片): size and type checked with Pillow before anything is saved.

Files are stored under the key ``incidents/<tenant id>/<random>.<ext>`` (the toolkit's
``storage()``: ``UPLOAD_DIR`` or an S3-compatible store); rows keep the part after ``incidents/``.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from core.toolkit import ApiError, StoredFileMissing, db, module_settings, storage
from plugins.incidents.models import Photo
from core.toolkit import gettext as _

FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MAX_PHOTOS = 6


@dataclass(frozen=True)
class Upload:
    data: bytes
    ext: str
    content_type: str


def check_uploads(tenant, files, field: str = "photos") -> list[Upload]:
    """Validate uploaded files (werkzeug ``FileStorage``); 413/422 naming ``field`` if any is bad."""
    files = [f for f in files if f is not None and (f.filename or "")]
    if len(files) > MAX_PHOTOS:
        raise ApiError(422, "too_many_photos", f"最多上传 {MAX_PHOTOS} 张照片",
                       {field: [_("最多 %(MAX_PHOTOS)s 张", MAX_PHOTOS=MAX_PHOTOS)]})
    limit_kb = module_settings(tenant, "incidents")["max_photo_kb"]
    out = []
    for f in files:
        data = f.read(limit_kb * 1024 + 1)
        name = f.filename
        if len(data) > limit_kb * 1024:
            raise ApiError(413, "photo_too_large", f"照片 {name} 超过 {limit_kb} KB",
                           {field: [_("%(name)s: 超过 %(limit_kb)s KB", name=name, limit_kb=limit_kb)]})
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            fmt = None
        if fmt not in FORMATS:
            raise ApiError(422, "photo_not_image", f"{name} 不是 JPEG/PNG/WebP 图片",
                           {field: [_("%(name)s: 不是 JPEG/PNG/WebP 图片", name=name)]})
        ext, content_type = FORMATS[fmt]
        out.append(Upload(data, ext, content_type))
    return out


def store(tenant, incident, step, uploads: list[Upload]) -> list[Photo]:
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
