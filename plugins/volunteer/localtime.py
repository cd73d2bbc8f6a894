"""Beijing time (Asia/Shanghai) for pages, forms and periods, in one place.

Rows store naive UTC (``utcnow()``). Until core's local-time helpers land in the toolkit, every
conversion of this module goes through these functions, so switching to core's is one edit here.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) time as naive Beijing time, for display."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(ZONE).replace(tzinfo=None)


def to_utc(value: dt.datetime) -> dt.datetime:
    """A time entered in Beijing time (naive, or aware in any zone) as naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZONE)
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def fmt(value: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(pattern) if local else ""


def local_day_start(day: dt.date) -> dt.datetime:
    """The UTC instant a Beijing calendar day starts."""
    return to_utc(dt.datetime.combine(day, dt.time()))


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return local_day_start(dt.date(year, 1, 1)), local_day_start(dt.date(year + 1, 1, 1))


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    nxt = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return local_day_start(first), local_day_start(nxt)


def local_now() -> dt.datetime:
    return dt.datetime.now(ZONE).replace(tzinfo=None)
