"""Units at the county (机关事业单位) and the one path between them and the townships.

Units are rows of the *county* tenant. Two explicit paths cross the tenant line, both reading
plain columns (never ORM objects, so no row of one tenant sits in another's identity map):

* :func:`county_unit` / :func:`county_units`: a township reads its own county's units, to let an
  in-service party member name theirs (a unit of another county is not found: 422);
* :func:`unit_report`: the county reads, township by township in each one's own tenant context
  (as core's comparison of townships does), who of a unit registered there and the hours each
  served in a period, for the unit's page and the quarterly feedback (双报到反馈).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.toolkit import ApiError, Tenant, TenantKind, TenantStatus, audit, db, enabled_modules, tenant_context
from plugins.volunteer.models import ServiceRecord, Unit, Volunteer
from core.toolkit import gettext as _


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    kind: str
    annual_target_hours: float


def _county_of(tenant) -> Tenant | None:
    if tenant.kind == TenantKind.county:
        return tenant
    parent = db.session.get(Tenant, tenant.parent_id) if tenant.parent_id else None
    return parent if parent is not None and parent.kind == TenantKind.county else None


def county_units(tenant, active_only: bool = True) -> list[UnitRef]:
    """The units of ``tenant``'s county (``tenant`` a township or the county itself)."""
    county = _county_of(tenant)
    if county is None:
        return []
    with tenant_context(county):
        stmt = select(Unit.id, Unit.name, Unit.kind, Unit.annual_target_hours).order_by(Unit.name)
        if active_only:
            stmt = stmt.where(Unit.active.is_(True))
        rows = db.session.execute(stmt).all()
    return [UnitRef(*r) for r in rows]


def county_unit(tenant, unit_id) -> UnitRef:
    """One active unit of ``tenant``'s county; 422 on ``unit_id`` otherwise (e.g. another county's)."""
    found = [u for u in county_units(tenant) if u.id == unit_id] if isinstance(unit_id, int) else []
    if not found:
        raise ApiError(422, "unit_not_in_county", _("不是本县的报到单位"),
                       {"unit_id": [_("不是本县的报到单位")]})
    return found[0]


def get_unit(unit_id) -> Unit:
    """A unit of the current (county) tenant; 404 otherwise."""
    row = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("单位不存在"))
    return row


def create_unit(county, data: dict) -> Unit:
    if county.kind != TenantKind.county:
        raise ApiError(404)
    if db.session.scalar(select(Unit.id).where(Unit.name == data["name"])) is not None:
        raise ApiError(409, "duplicate", _("单位已存在"), {"name": [_("单位已存在")]})
    unit = Unit(**data)
    db.session.add(unit)
    db.session.flush()
    audit("volunteer.unit_create", unit, after=data)
    return unit


def update_unit(unit: Unit, data: dict) -> Unit:
    before = {k: getattr(unit, k) for k in data}
    for key, value in data.items():
        setattr(unit, key, value)
    db.session.flush()
    audit("volunteer.unit_update", unit, before=before, after=data)
    return unit


def townships(county) -> list[Tenant]:
    """The county's active townships that run the volunteer module."""
    rows = db.session.scalars(select(Tenant).where(Tenant.parent_id == county.id,
                                                   Tenant.status == TenantStatus.active).order_by(Tenant.name))
    return [t for t in rows if "volunteer" in enabled_modules(t)]


def _hours_by_volunteer(start, end):
    return (select(ServiceRecord.volunteer_id, func.sum(ServiceRecord.hours).label("h"),
                   func.count(ServiceRecord.id).label("n"))
            .where(ServiceRecord.occurred_at >= start, ServiceRecord.occurred_at < end)
            .group_by(ServiceRecord.volunteer_id).subquery())


def unit_report(county, unit: Unit, start, end, year: tuple | None = None) -> list[dict]:
    """Every member of ``unit`` registered in the county's townships, with hours in [start, end)
    and, when ``year`` bounds are given, in that whole year (what the annual target counts).

    Each row: ``town`` (name), ``town_slug``, ``volunteer_id``, ``name``, ``party_branch``,
    ``status``, ``hours``, ``services``, ``year_hours`` and ``target`` (the annual target).
    """
    out: list[dict] = []
    for town in townships(county):
        with tenant_context(town):
            period = _hours_by_volunteer(start, end)
            whole = _hours_by_volunteer(*(year or (start, end)))
            rows = db.session.execute(
                select(Volunteer.id, Volunteer.name, Volunteer.party_branch, Volunteer.status, period.c.h, period.c.n,
                       whole.c.h)
                .outerjoin(period, period.c.volunteer_id == Volunteer.id)
                .outerjoin(whole, whole.c.volunteer_id == Volunteer.id)
                .where(Volunteer.unit_id == unit.id, Volunteer.status.in_(("confirmed", "pending")))
                .order_by(Volunteer.name)).all()
        for vid, name, branch, status, h, n, yh in rows:
            out.append({"town": town.name, "town_slug": town.slug, "volunteer_id": vid, "name": name,
                        "party_branch": branch or "", "status": status, "hours": round(float(h or 0), 2),
                        "services": int(n or 0), "year_hours": round(float(yh or 0), 2),
                        "target": unit.annual_target_hours})
    return out


def registered_where(rows: list[dict]) -> list[tuple[str, int]]:
    """How many of the unit's members registered in each township."""
    counts: dict[str, list] = {}
    for row in rows:
        counts.setdefault(row["town_slug"], [row["town"], 0])[1] += 1
    return sorted((name, n) for name, n in counts.values())
