"""Numbers of the volunteer module: the dashboard, ``tenant_numbers`` and five_star's evidence."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.toolkit import db, subtree_condition, utcnow
from plugins.volunteer import localtime, menu, records
from plugins.volunteer.models import Activity, Order, ServiceRecord, Volunteer


def numbers() -> dict:
    """Headline numbers of the current township, "this year" in Beijing time."""
    start, end = localtime.year_bounds(localtime.local_now().year)
    confirmed = select(func.count(Volunteer.id)).where(Volunteer.status == "confirmed")
    return {
        "registered": db.session.scalar(confirmed) or 0,
        "party_members": db.session.scalar(confirmed.where(Volunteer.is_party_member.is_(True))) or 0,
        "hours_year": records.total_hours(start, end),
        "activities_year": db.session.scalar(select(func.count(Activity.id)).where(
            Activity.starts_at >= start, Activity.starts_at < end, Activity.status == "open")) or 0,
        "orders_confirmed_year": db.session.scalar(select(func.count(Order.id)).where(
            Order.status == "confirmed", Order.confirmed_at >= start, Order.confirmed_at < end)) or 0,
        "open_orders": db.session.scalar(select(func.count(Order.id)).where(Order.status == "open")) or 0,
        "menu_items": menu.items_on(utcnow()),
    }


def hours_per_month(months: int = 6) -> list[tuple[str, float]]:
    """Hours served in each of the last ``months`` Beijing calendar months."""
    now = localtime.local_now()
    out = []
    for back in range(months - 1, -1, -1):
        year, month = now.year, now.month - back
        while month <= 0:
            year, month = year - 1, month + 12
        start = localtime.local_day_start(dt.date(year, month, 1))
        end = localtime.local_day_start(dt.date(year + (month == 12), month % 12 + 1, 1))
        out.append((f"{year}-{month:02d}", records.total_hours(start, end)))
    return out


def star_evidence(grid_id: int, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """five_star's evidence for the subtree of ``grid_id`` between ``start`` and ``end`` (UTC):
    hours served there and the in-service party members registered there (confirmed by ``end``)."""
    under = subtree_condition(ServiceRecord.grid_id, [grid_id])
    hours = db.session.scalar(select(func.coalesce(func.sum(ServiceRecord.hours), 0.0)).where(
        under, ServiceRecord.occurred_at >= start, ServiceRecord.occurred_at < end)) or 0.0
    members = db.session.scalar(select(func.count(Volunteer.id)).where(
        subtree_condition(Volunteer.grid_id, [grid_id]), Volunteer.status == "confirmed",
        Volunteer.is_party_member.is_(True), Volunteer.confirmed_at < end)) or 0
    return [{"key": "volunteer.hours", "value": round(float(hours), 2), "label_zh": "志愿服务时长",
             "label_en": "Volunteer service hours", "unit": "h"},
            {"key": "volunteer.registered_party_members", "value": float(members), "label_zh": "报到党员人数",
             "label_en": "Party members registered as volunteers", "unit": "人"}]


def grid_section(grid) -> list[dict]:
    """Volunteers registered in the grid's subtree, hours served there this year, and activities
    coming up there, for the grid's page (志愿服务)."""
    from flask import g, url_for
    from flask_babel import gettext as _

    access = g.get("access")
    if access is None or not access.can("volunteer.view"):
        return []
    start, end = localtime.year_bounds(localtime.local_now().year)
    volunteers = db.session.scalar(select(func.count(Volunteer.id)).where(
        subtree_condition(Volunteer.grid_id, [grid.id]), Volunteer.status == "confirmed")) or 0
    hours = db.session.scalar(select(func.coalesce(func.sum(ServiceRecord.hours), 0.0)).where(
        subtree_condition(ServiceRecord.grid_id, [grid.id]), ServiceRecord.occurred_at >= start,
        ServiceRecord.occurred_at < end)) or 0.0
    coming = db.session.scalar(select(func.count(Activity.id)).where(
        subtree_condition(Activity.grid_id, [grid.id]), Activity.status == "open", Activity.starts_at > utcnow())) or 0
    return [{"title": _("志愿服务"), "rows": [(_("已报到志愿者"), volunteers), (_("今年服务时长(小时)"), round(float(hours), 2)),
                                           (_("近期活动"), coming)],
             "links": [(_("志愿活动"), url_for("volunteer_pages.activities_list"))]}]
