"""Local time for the points bank (北京时间, or the township's zone), in one place.

Times are stored in UTC (aware, :func:`core.toolkit.utcnow`); periods are local months and
rankings local years. These are thin names over core's local-time helpers.
"""
from __future__ import annotations

import datetime as dt

from core.toolkit import bucket_key, format_local, from_local, local_now, period_bounds, to_local

__all__ = ["to_local", "to_utc", "local_now", "month_key", "year_key", "month_bounds", "shown"]


def to_utc(local: dt.datetime) -> dt.datetime:
    """A wall time typed in the township's zone (naive, or aware) as aware UTC."""
    return from_local(local)


def month_key(when: dt.datetime) -> str:
    """The local month of a moment: ``"2026-11"``."""
    return bucket_key("month", when)


def year_key(when: dt.datetime) -> str:
    return bucket_key("year", when)


def month_bounds(key: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC start (inclusive) and end (exclusive) of local month (or year) ``key``."""
    return period_bounds(key)


def shown(when: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return format_local(when, fmt)
