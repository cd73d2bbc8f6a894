"""Request helpers shared by the API and the pages: payloads, periods, reach, loading rows."""
from __future__ import annotations

import datetime as dt

from flask import g, request
from sqlalchemy import select

from core.toolkit import int_arg, ApiError, Grid, date_range, db, grid_in_reach, json_body, period_bounds, visible
from plugins.incidents.models import Incident
from plugins.incidents.permissions import REPORT, can_manage
from core.toolkit import gettext as _


def payload() -> dict:
    """Form fields of a multipart/urlencoded request, else the JSON body."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
    return json_body()


def uploaded(name: str = "photos"):
    return request.files.getlist(name) if request.files else []


def with_names(stmt):
    """Load the category and grids of listed incidents in three queries, not three per row."""
    from sqlalchemy.orm import selectinload

    return stmt.options(selectinload(Incident.category), selectinload(Incident.grid), selectinload(Incident.handling_grid))


def visible_incident(incident_id: int) -> Incident:
    """An incident whose grid lies in the user's reach; 404 otherwise (also other tenants')."""
    row = db.session.scalar(select(Incident).where(Incident.id == incident_id, visible(Incident.grid_id, REPORT)))
    if row is None:
        raise ApiError(404, "not_found", _("事件不存在"))
    return row


def grid_by_id(grid_id, field: str = "grid_id") -> Grid:
    grid = db.session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.status.value != "active":
        raise ApiError(422, "validation_error", _("网格不存在"), {field: [_("网格不存在")]})
    return grid


def roots_for(grid_id_arg: str | None, permission: str = REPORT):
    """Subtree roots for numbers and lists: the asked grid (if in reach) or the user's reach."""
    if grid_id_arg in (None, ""):
        return g.access.grids_for(permission) if not can_manage() else None
    grid = grid_by_id(int_arg("grid_id"))
    if not (can_manage() or grid_in_reach(grid, permission)):
        raise ApiError(403, "forbidden", _("该网格不在您的范围内"))
    return [grid.id]


def period() -> tuple[dt.datetime | None, dt.datetime | None]:
    """UTC bounds from the query string: ``from``/``to`` (inclusive local dates, YYYY-MM-DD) or
    ``period`` (a local year, quarter, month, ISO week or day: 2026, 2026-Q3, 2026-09, 2026-W38)."""
    problems, days = {}, {}
    named = request.args.get("period")
    if named:
        try:
            return period_bounds(named)
        except ValueError as exc:
            raise ApiError(422, "validation_error", _("期间有误"), {"period": [str(exc)]})
    for name in ("from", "to"):
        raw = request.args.get(name)
        if not raw:
            days[name] = None
            continue
        try:
            days[name] = dt.date.fromisoformat(raw)
        except ValueError:
            problems[name] = [_("日期格式须为 YYYY-MM-DD")]
    if problems:
        raise ApiError(422, "validation_error", _("日期有误"), problems)
    return date_range(days["from"], days["to"])

