"""Local time (北京时间) in one place: the township's year and month boundaries in UTC, and
stored UTC times shown in Beijing time. When core's local-time helpers land in the toolkit,
these become calls to them."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.toolkit import utcnow

ZONE = ZoneInfo("Asia/Shanghai")


def to_local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC time in Beijing time (naive, for display)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(ZONE).replace(tzinfo=None)


def _utc(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=ZONE).astimezone(dt.timezone.utc).replace(tzinfo=None)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January, next 1 January) of ``year`` in Beijing time, as naive UTC."""
    return _utc(dt.datetime(year, 1, 1)), _utc(dt.datetime(year + 1, 1, 1))


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """[first day, first day of the next month) of ``month`` ("YYYY-MM") in Beijing time, as UTC."""
    year, mon = int(month[:4]), int(month[5:7])
    nxt = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return _utc(dt.datetime(year, mon, 1)), _utc(dt.datetime(*nxt, 1))


def this_year() -> int:
    return to_local(utcnow()).year


def this_month() -> str:
    return to_local(utcnow()).strftime("%Y-%m")


def fmt(moment: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(moment)
    return local.strftime(pattern) if local else ""
