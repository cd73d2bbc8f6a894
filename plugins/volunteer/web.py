"""Request helpers shared by the API and the pages: payloads, grids, the scanning volunteer."""
from __future__ import annotations

from flask import g, request

from core.toolkit import ApiError, Grid, GridStatus, db, json_body
from plugins.volunteer import registration
from plugins.volunteer.models import Volunteer
from core.toolkit import gettext as _

TOKEN_HEADER = "X-Volunteer-Token"


def cookie_name(tenant) -> str:
    return f"gv_vol_{tenant.id}"


def payload() -> dict:
    """Form fields of a form post, else the JSON body."""
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}
    return json_body()


def grid_by_id(grid_id, field: str = "grid_id") -> Grid:
    grid = db.session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.status != GridStatus.active:
        raise ApiError(422, "validation_error", _("网格不存在"), {field: [_("网格不存在")]})
    return grid


def volunteer_by_id(volunteer_id, field: str = "volunteer_id") -> Volunteer:
    row = db.session.get(Volunteer, volunteer_id) if isinstance(volunteer_id, int) else None
    if row is None:
        raise ApiError(422, "validation_error", _("志愿者不存在"), {field: [_("志愿者不存在")]})
    return row


def presented_token() -> str | None:
    """The personal token the caller presents: the header (API, scripts) or the phone's cookie."""
    return request.headers.get(TOKEN_HEADER) or request.cookies.get(cookie_name(g.tenant))


def current_volunteer(required: bool = True) -> Volunteer | None:
    """The confirmed volunteer presenting their personal token; 401 ``volunteer_unknown`` if none."""
    volunteer = registration.by_token(presented_token())
    if volunteer is None and required:
        raise ApiError(401, "volunteer_unknown", _("请先打开您的志愿者个人链接"))
    return volunteer


def settings(tenant) -> dict:
    """The township's volunteer settings, read once per request (a scan needs them twice)."""
    from flask import has_app_context

    from core.toolkit import module_settings

    cache = g.get("_volunteer_settings") if has_app_context() else None
    if cache is not None and cache[0] == tenant.id:
        return cache[1]
    value = module_settings(tenant, "volunteer")
    if has_app_context():
        g._volunteer_settings = (tenant.id, value)
    return value
