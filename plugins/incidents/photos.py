"""Photo uploads (现场照片): type checked with Pillow before anything is saved; a photo over the
township's ``max_photo_kb`` is shrunk to fit (phones take big photos), one over
:data:`MAX_ORIGINAL_BYTES` refused.

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
# what is read of one upload at most; above the township's max_photo_kb a photo is shrunk to fit
MAX_ORIGINAL_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a phone's 48-megapixel photo passes; more is not a photo of a pothole


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
    limit = module_settings(tenant, "incidents")["max_photo_kb"] * 1024
    out = []
    for f in files:
        data = f.read(MAX_ORIGINAL_BYTES + 1)
        name = f.filename
        if len(data) > MAX_ORIGINAL_BYTES:
            mb = MAX_ORIGINAL_BYTES // (1024 * 1024)
            raise ApiError(413, "photo_too_large", _("照片 %(name)s 超过 %(mb)s MB", name=name, mb=mb),
                           {field: [_("%(name)s: 超过 %(mb)s MB", name=name, mb=mb)]})
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            fmt = None
        if fmt not in FORMATS:
            raise ApiError(422, "photo_not_image", f"{name} 不是 JPEG/PNG/WebP 图片",
                           {field: [_("%(name)s: 不是 JPEG/PNG/WebP 图片", name=name)]})
        ext, content_type = FORMATS[fmt]
        if len(data) > limit:
            data, ext, content_type = shrink(data, limit), "jpg", "image/jpeg"
        out.append(Upload(data, ext, content_type))
    return out


def shrink(data: bytes, limit: int) -> bytes:
    """A phone photo over the township's limit, made to fit instead of refused: turned upright
    (EXIF), EXIF dropped (it may carry the place), scaled down and re-encoded as JPEG until it
    is at most ``limit`` bytes."""
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as img:
        if img.width * img.height > MAX_PIXELS:
            raise ApiError(413, "photo_too_large", _("照片像素过多"),
                           {"photos": [_("超过 %(n)s 百万像素", n=MAX_PIXELS // 1_000_000)]})
        img.draft("RGB", (2048, 2048))  # a JPEG decodes straight at a reduced size
        img = ImageOps.exif_transpose(img).convert("RGB")
    side = min(max(img.size), 2048)
    quality = 85
    while True:
        copy = img.copy()
        copy.thumbnail((side, side))
        buf = io.BytesIO()
        copy.save(buf, format="JPEG", quality=quality, optimize=True)
        if buf.tell() <= limit or side <= 64:
            return buf.getvalue()
        if quality > 60:
            quality -= 10
        else:
            side = int(side * 0.75)


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
