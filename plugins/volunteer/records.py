"""Service records (服务记录): every hour that counts, and the announcement that it was served.

One :class:`ServiceRecord` per closed attendance (``attendance:<id>``) or confirmed order
(``order:<id>``). The first time a service is recorded, ``volunteer_service_completed`` is
announced inside the same transaction; a later correction of its times updates the record's
hours without announcing again (the ref stays the same, so listeners can tell).
"""
from __future__ import annotations

from sqlalchemy import func, select

from core.toolkit import db, hooks
from plugins.volunteer.models import Activity, Attendance, Order, ServiceRecord, Volunteer


def _upsert(tenant, volunteer_id: int, kind: str, ref: str, hours: float, grid_id, title: str, occurred_at) -> None:
    row = db.session.scalar(select(ServiceRecord).where(ServiceRecord.kind == kind, ServiceRecord.ref == ref))
    if row is not None:
        row.hours, row.occurred_at = hours, occurred_at
        db.session.flush()
        return
    row = ServiceRecord(volunteer_id=volunteer_id, kind=kind, ref=ref, hours=hours, grid_id=grid_id,
                        title=title[:120], occurred_at=occurred_at)
    db.session.add(row)
    db.session.flush()
    volunteer = db.session.get(Volunteer, volunteer_id)
    hooks(tenant).volunteer_service_completed(tenant=tenant, service={
        "kind": kind, "ref": ref, "person_id": volunteer.person_id if volunteer else None,
        "volunteer_id": volunteer_id, "hours": float(hours), "grid_id": grid_id,
        "occurred_at": occurred_at, "title": title})


def record_attendance(tenant, activity: Activity, row: Attendance) -> None:
    _upsert(tenant, row.volunteer_id, "activity", f"attendance:{row.id}", row.hours or 0.0, activity.grid_id,
            activity.title, row.checked_out_at)


def record_order(tenant, order: Order) -> None:
    _upsert(tenant, order.volunteer_id, "order", f"order:{order.id}", order.hours or 0.0, order.grid_id,
            order.item.name, order.confirmed_at)


def totals(start=None, end=None, volunteer_ids=None, limit: int | None = None) -> list[dict]:
    """Hours per volunteer in [start, end), most first: ``volunteer_id``, ``name``, ``hours``,
    ``services``, ``unit_name``."""
    stmt = (select(ServiceRecord.volunteer_id, Volunteer.name, Volunteer.unit_name,
                   func.sum(ServiceRecord.hours).label("hours"), func.count(ServiceRecord.id).label("services"))
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .group_by(ServiceRecord.volunteer_id, Volunteer.name, Volunteer.unit_name)
            .order_by(func.sum(ServiceRecord.hours).desc(), ServiceRecord.volunteer_id))
    if start is not None:
        stmt = stmt.where(ServiceRecord.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(ServiceRecord.occurred_at < end)
    if volunteer_ids is not None:
        stmt = stmt.where(ServiceRecord.volunteer_id.in_(list(volunteer_ids)))
    if limit:
        stmt = stmt.limit(limit)
    return [{"volunteer_id": v, "name": n, "unit_name": u or "", "hours": round(float(h or 0), 2), "services": int(c)}
            for v, n, u, h, c in db.session.execute(stmt).all()]


def total_hours(start=None, end=None, grid_ids=None) -> float:
    stmt = select(func.coalesce(func.sum(ServiceRecord.hours), 0.0))
    if start is not None:
        stmt = stmt.where(ServiceRecord.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(ServiceRecord.occurred_at < end)
    if grid_ids is not None:
        stmt = stmt.where(ServiceRecord.grid_id.in_(grid_ids))
    return round(float(db.session.scalar(stmt) or 0), 2)


def records_of(volunteer_id: int, start=None, end=None) -> list[ServiceRecord]:
    stmt = select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer_id)
    if start is not None:
        stmt = stmt.where(ServiceRecord.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(ServiceRecord.occurred_at < end)
    return list(db.session.scalars(stmt.order_by(ServiceRecord.occurred_at)))
