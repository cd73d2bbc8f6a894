"""Photos as a phone takes them, for the upload tests of every module: with the phone's EXIF
(maker, GPS position of where it was taken, orientation), or big and noisy."""
from __future__ import annotations

import io
import os

from PIL import ExifTags, Image

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 52.0, 12.5),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (117.0, 17.0, 3.25)}


def phone_jpeg(size=(64, 48), orientation: int = 1) -> bytes:
    """A small JPEG with EXIF: maker, GPS (a house in 合肥) and ``orientation`` (6: the phone was
    held upright, the pixels lie on their side)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    buf = io.BytesIO()
    Image.new("RGB", size, (40, 160, 40)).save(buf, "JPEG", exif=exif.tobytes(), quality=90)
    return buf.getvalue()


def big_jpeg(size=(1200, 900)) -> bytes:
    """Noise as a JPEG at quality 95: large for its size (about 1 MB at the default size), with
    GPS EXIF."""
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = GPS
    buf = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buf, "JPEG", quality=95,
                                                                        exif=exif.tobytes())
    return buf.getvalue()


def metadata_of(data: bytes) -> dict:
    """What a stored photo tells besides its pixels: its EXIF tags, GPS, and ``info`` keys."""
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        return {"format": img.format, "size": img.size, "exif": dict(exif), "gps": dict(exif.get_ifd(ExifTags.IFD.GPSInfo)),
                "info": sorted(k for k in img.info if k not in ("jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"))}
