"""Beijing time for this module (北京时间), in one place until core's local-time helpers land.

Rows store UTC (naive, as ``utcnow()``); pages show and forms accept Asia/Shanghai. When
``core.toolkit`` gains ``to_local``/``local_period`` these three functions become calls to them.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")


def to_local(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(ZONE).replace(tzinfo=None)


def local_today(now: dt.datetime | None = None) -> dt.date:
    from core.toolkit import utcnow

    return to_local(now or utcnow()).date()


def local_day_start_utc(day: dt.date) -> dt.datetime:
    """The UTC moment a Beijing calendar day begins (for ``from``/``to`` filters)."""
    return dt.datetime.combine(day, dt.time(), ZONE).astimezone(dt.timezone.utc).replace(tzinfo=None)
