"""Local time for the points bank (北京时间), in one place.

Times are stored in UTC (naive, as :func:`core.toolkit.utcnow` gives them); periods are local
months and rankings local years. When core's local-time helpers land in the toolkit, these
functions become one call each.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.toolkit import utcnow

ZONE = ZoneInfo("Asia/Shanghai")


def to_local(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.timezone.utc).astimezone(ZONE)


def to_utc(local: dt.datetime) -> dt.datetime:
    """A naive local (Beijing) time, or an aware one, as naive UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZONE)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_now() -> dt.datetime:
    return to_local(utcnow())


def month_key(when: dt.datetime) -> str:
    """The local month of a UTC time: ``"2026-11"``."""
    return to_local(when).strftime("%Y-%m")


def year_key(when: dt.datetime) -> str:
    return to_local(when).strftime("%Y")


def month_bounds(key: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC start (inclusive) and end (exclusive) of local month ``key``."""
    year, month = (int(x) for x in key.split("-"))
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1)
    return to_utc(start), to_utc(end)


def shown(when: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if when is None else to_local(when).strftime(fmt)
