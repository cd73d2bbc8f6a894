"""Beijing time (the township's zone) for this module's pages, forms and periods, in one place.

Rows store aware UTC (``UTCDateTime``, ``utcnow()``); this module's pages and exports show local
wall time and its periods are local calendar years and quarters. Everything goes through core's
local-time helpers (``core.toolkit``: ``to_local``, ``from_local``, ``local_period``, ...); these
wrappers only name the periods this module uses.
"""
from __future__ import annotations

import datetime as dt

from core.toolkit import format_local, from_local, local_now, local_period, to_local

__all__ = ["fmt", "from_local", "local_day_start", "local_now", "quarter_bounds", "to_local", "to_utc", "year_bounds"]


def to_utc(value: dt.datetime) -> dt.datetime:
    """A wall time typed in the township's zone (naive, or aware in any zone) as aware UTC."""
    return from_local(value)


def fmt(value: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return format_local(value, pattern)


def local_day_start(day: dt.date) -> dt.datetime:
    """The UTC instant a local calendar day starts."""
    return local_period("day", day)[0]


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return local_period("year", dt.date(year, 1, 1))


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    return local_period("quarter", dt.date(year, 3 * (quarter - 1) + 1, 1))
