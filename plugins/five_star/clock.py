"""Local time (北京时间) for the module, on core's helpers: a township's year and month bounds in
UTC, this year and month in its zone, and stored UTC times shown in its zone."""
from __future__ import annotations

import datetime as dt

from core.toolkit import format_local, iso_local, local_now, period_bounds


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January, next 1 January) of ``year`` in the township's zone, as UTC."""
    return period_bounds(f"{year:04d}")


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The local month ``YYYY-MM`` as UTC bounds."""
    return period_bounds(month)


def this_year() -> int:
    return local_now().year


def this_month() -> str:
    return local_now().strftime("%Y-%m")


def fmt(moment: dt.datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return format_local(moment, pattern)


def iso(moment: dt.datetime | None) -> str | None:
    return iso_local(moment)
