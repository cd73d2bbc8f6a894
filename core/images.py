"""Uploaded photos (上传照片): one check for every module that takes a photo, before anything is
saved. :func:`check_image` reads the upload and answers the bytes to store:

* the type is read from the content with Pillow (JPEG, PNG or WebP), never from the file name or
  the browser's ``Content-Type``: anything else is 422 naming the field and the file;
* more than ``PHOTO_UPLOAD_MAX_MB`` is not read at all, more than :data:`MAX_PIXELS` not decoded:
  413 naming the field;
* a photo over the size limit (the township's ``max_photo_kb`` when the module has that setting,
  else ``PHOTO_MAX_KB``) is shrunk to fit rather than refused (phones take big photos, issue #17
  item 15): turned upright, at most ``PHOTO_MAX_SIDE`` pixels on its long side, re-encoded as JPEG
  at falling quality, then smaller, until it fits;
* what a photo carries besides its pixels is dropped: EXIF (a phone's GPS position of the
  resident's house, the phone's model, the time), XMP, comments and PNG text. A photo that
  carries none is kept byte for byte; one that does is re-encoded in its own format, turned
  upright first since the orientation tag goes with the rest. The colour profile stays.

Only the first frame of an animated PNG or WebP is kept when one is re-encoded.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ApiError

FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MAX_PIXELS = 50_000_000  # a phone's 48-megapixel photo passes; more is not a photo of a pothole
# what Pillow reads into ``info`` that says nothing about the place or the person: kept, and a
# photo with only these is stored as uploaded
_HARMLESS = {"icc_profile", "transparency", "dpi", "gamma", "srgb", "chromaticity", "aspect", "interlace",
             "jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive", "progression", "adobe",
             "adobe_transform", "loop", "duration", "background", "bbox", "default_image"}
_KEPT_ON_REENCODE = ("icc_profile", "transparency")


@dataclass(frozen=True)
class CheckedImage:
    """A checked photo: the bytes to store, their extension (``jpg``, ``png``, ``webp``) and
    content type, and the name it was uploaded with."""
    data: bytes
    ext: str
    content_type: str
    name: str


def check_image(upload, field: str, limit_kb: int | None = None) -> CheckedImage:
    """Check one uploaded photo (a werkzeug ``FileStorage``) for the form or API field ``field``
    and answer what to store: shrunk when over ``limit_kb`` (default ``PHOTO_MAX_KB``), without
    EXIF/GPS or other metadata. 422 when it is not a JPEG, PNG or WebP image, 413 when it is beyond
    what is read or decoded at all; both name ``field`` and the file."""
    name = upload.filename or "photo"
    most_mb = int(current_app.config["PHOTO_UPLOAD_MAX_MB"])
    data = upload.read(most_mb * 1024 * 1024 + 1)
    if len(data) > most_mb * 1024 * 1024:
        raise ApiError(413, "photo_too_large", _("照片 %(name)s 超过 %(mb)s MB", name=name, mb=most_mb),
                       {field: [_("%(name)s：超过 %(mb)s MB", name=name, mb=most_mb)]})
    fmt = _format(data)
    if fmt not in FORMATS:
        raise ApiError(422, "photo_not_image", _("%(name)s 不是 JPEG/PNG/WebP 图片", name=name),
                       {field: [_("%(name)s：不是 JPEG/PNG/WebP 图片", name=name)]})
    limit = (limit_kb if limit_kb is not None else int(current_app.config["PHOTO_MAX_KB"])) * 1024
    with Image.open(io.BytesIO(data)) as img:
        if img.width * img.height > MAX_PIXELS:
            raise ApiError(413, "photo_too_large", _("照片 %(name)s 像素过多", name=name),
                           {field: [_("%(name)s：超过 %(n)s 百万像素", name=name, n=MAX_PIXELS // 1_000_000)]})
        if len(data) > limit:
            return CheckedImage(_shrink(img, limit), "jpg", "image/jpeg", name)
        if set(img.info) - _HARMLESS or img.getexif():
            data = _without_metadata(img, fmt)
    ext, content_type = FORMATS[fmt]
    return CheckedImage(data, ext, content_type, name)


def _format(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return fmt


def _upright(img: Image.Image) -> Image.Image:
    """The pixels turned as the EXIF orientation says, in a new image whose ``info`` keeps only
    the colour profile and transparency."""
    clean = ImageOps.exif_transpose(img)  # a copy, also when there is nothing to turn
    clean.info = {k: img.info[k] for k in _KEPT_ON_REENCODE if k in img.info}
    return clean


def _without_metadata(img: Image.Image, fmt: str) -> bytes:
    clean = _upright(img)
    buf = io.BytesIO()
    if fmt == "JPEG":
        clean.save(buf, format="JPEG", quality=92, icc_profile=clean.info.get("icc_profile"))
    elif fmt == "WEBP":
        clean.save(buf, format="WEBP", quality=92, icc_profile=clean.info.get("icc_profile"))
    else:
        clean.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _shrink(img: Image.Image, limit: int) -> bytes:
    """A photo over ``limit`` bytes made to fit: upright, metadata dropped, at most
    ``PHOTO_MAX_SIDE`` on its long side, JPEG at quality 85 down to 55, then smaller."""
    max_side = int(current_app.config["PHOTO_MAX_SIDE"])
    img.draft("RGB", (max_side, max_side))  # a JPEG decodes straight at a reduced size
    clean = _upright(img)
    icc = clean.info.get("icc_profile")  # a phone's colour space (Display P3) stays with the pixels
    clean = clean.convert("RGB")
    side = min(max(clean.size), max_side)
    quality = 85
    while True:
        copy = clean.copy()
        copy.thumbnail((side, side))
        buf = io.BytesIO()
        copy.save(buf, format="JPEG", quality=quality, optimize=True, icc_profile=icc)
        if buf.tell() <= limit or side <= 64:
            return buf.getvalue()
        if quality > 60:
            quality -= 10
        else:
            side = int(side * 0.75)
