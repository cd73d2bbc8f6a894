"""Local time (本地时间): times are stored in UTC and shown, accepted and bucketed in the
township's zone.

The contract every page, export and report keeps:

* the database holds aware UTC (:class:`core.db.UTCDateTime`); code computes in UTC;
* a person sees and types times in their tenant's zone, ``Asia/Shanghai`` (Beijing time) unless
  the tenant's ``settings["timezone"]`` names another IANA zone (a county's setting is inherited
  by its townships);
* dates a person types (``from=2026-03-01``) are whole local days: ``from`` is the local midnight
  that starts the day, ``to`` the local midnight that ends it (exclusive upper bound in UTC);
* days, weeks (Monday first), months, quarters and years are local too: a report made at 23:30
  Beijing time on 30 September belongs to the third quarter, although it is 15:30 UTC.

:func:`period_bounds` turns a period name (``2026``, ``2026-Q3``, ``2026-09``, ``2026-W38``,
``2026-09-30``) into its UTC bounds; :func:`bucket_key` names the local period a moment falls in,
so SQL can fetch UTC rows and Python can bucket them without an off-by-eight-hours edge.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import g, has_app_context
from marshmallow import fields

from core.db import UTC, as_utc
from flask_babel import gettext as _

DEFAULT_ZONE = "Asia/Shanghai"
PERIOD_KINDS = ("day", "week", "month", "quarter", "year")
_PERIOD = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<q>Q[1-4])|W(?P<w>\d{2})|(?P<m>\d{2})(?:-(?P<d>\d{2}))?))?$")


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_name(tenant=None) -> str:
    """The IANA zone of ``tenant`` (default: the request's), inherited from its county."""
    tenant = tenant if tenant is not None else (g.get("tenant") if has_app_context() else None)
    seen = 0
    while tenant is not None and seen < 4:
        name = (tenant.settings or {}).get("timezone")
        if name and valid_zone(name):
            return name
        tenant, seen = tenant.parent, seen + 1
    return DEFAULT_ZONE


def tenant_zone(tenant=None) -> ZoneInfo:
    return ZoneInfo(zone_name(tenant))


def to_local(value: dt.datetime | None, tenant=None) -> dt.datetime | None:
    """``value`` (aware, or naive UTC) in the tenant's zone."""
    if value is None:
        return None
    return as_utc(value).astimezone(tenant_zone(tenant))


def local_now(tenant=None) -> dt.datetime:
    return dt.datetime.now(UTC).astimezone(tenant_zone(tenant))


def local_today(tenant=None) -> dt.date:
    return local_now(tenant).date()


def from_local(value: dt.datetime, tenant=None) -> dt.datetime:
    """A wall time typed in the tenant's zone (naive, or aware in any zone) as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tenant_zone(tenant))
    return value.astimezone(UTC)


def day_start(day: dt.date, tenant=None) -> dt.datetime:
    """The UTC moment the local ``day`` begins."""
    return from_local(dt.datetime.combine(day, dt.time()), tenant)


def date_range(start: dt.date | None, end: dt.date | None, tenant=None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive local dates as UTC bounds ``[start, end)``; ``None`` stays open."""
    return (day_start(start, tenant) if start else None,
            day_start(end + dt.timedelta(days=1), tenant) if end else None)


def _first_day(kind: str, day: dt.date) -> dt.date:
    if kind == "day":
        return day
    if kind == "week":
        return day - dt.timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if kind == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown period kind {kind!r} (one of {', '.join(PERIOD_KINDS)})")


def _next_first_day(kind: str, first: dt.date) -> dt.date:
    if kind == "day":
        return first + dt.timedelta(days=1)
    if kind == "week":
        return first + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def local_period(kind: str, when: dt.datetime | dt.date | None = None, tenant=None) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds ``[start, end)`` of the local ``kind`` period containing ``when`` (default now)."""
    if when is None:
        day = local_today(tenant)
    elif isinstance(when, dt.datetime):
        day = to_local(when, tenant).date()
    else:
        day = when
    first = _first_day(kind, day)
    return day_start(first, tenant), day_start(_next_first_day(kind, first), tenant)


def bucket_key(kind: str, when: dt.datetime, tenant=None) -> str:
    """The name of the local period ``when`` falls in (``2026-Q3``, ``2026-09``, ``2026-W38``...)."""
    day = to_local(when, tenant).date()
    return period_name(kind, day)


def period_name(kind: str, day: dt.date) -> str:
    if kind == "day":
        return day.isoformat()
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind == "year":
        return str(day.year)
    raise ValueError(f"unknown period kind {kind!r}")


def parse_period(name: str) -> tuple[str, dt.date]:
    """``(kind, first local day)`` of a period name; ``ValueError`` with the reason otherwise."""
    m = _PERIOD.match((name or "").strip())
    if not m:
        raise ValueError("期间格式须为 2026、2026-Q3、2026-09、2026-W38 或 2026-09-30")
    try:
        return _period_start(m)
    except ValueError:
        raise ValueError(_("期间不存在:") + name) from None


def _period_start(m) -> tuple[str, dt.date]:
    year = int(m["y"])
    if m["q"]:
        return "quarter", dt.date(year, 3 * (int(m["q"][1]) - 1) + 1, 1)
    if m["w"]:
        return "week", dt.date.fromisocalendar(year, int(m["w"]), 1)
    if m["d"]:
        return "day", dt.date(year, int(m["m"]), int(m["d"]))
    if m["m"]:
        return "month", dt.date(year, int(m["m"]), 1)
    return "year", dt.date(year, 1, 1)


def period_bounds(name: str, tenant=None) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds ``[start, end)`` of a named local period (see :func:`parse_period`)."""
    kind, first = parse_period(name)
    return day_start(first, tenant), day_start(_next_first_day(kind, first), tenant)


def format_local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M", tenant=None) -> str:
    """For pages and exports: the local wall time, or ``""`` for none."""
    return to_local(value, tenant).strftime(fmt) if value is not None else ""


def iso_local(value: dt.datetime | None, tenant=None) -> str | None:
    """ISO 8601 with the local offset (``2026-09-30T23:30:00+08:00``), for the API."""
    return to_local(value, tenant).isoformat() if value is not None else None


class LocalDateTime(fields.DateTime):
    """A marshmallow field for moments: dumped as ISO 8601 in the tenant's zone (``+08:00``),
    loaded from ISO 8601 with an offset, or without one as the tenant's wall time; always aware
    UTC once loaded."""

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_local(value) if value is not None else None

    def _deserialize(self, value, attr, data, **kwargs):
        return from_local(super()._deserialize(value, attr, data, **kwargs))
