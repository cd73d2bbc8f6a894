"""A grid worker's report, shared by the API and the report form: checks, the report, and, for
小事马上办, the settling in the same transaction (one request, one form)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_login import current_user

from core.toolkit import ApiError
from plugins.incidents import categories as cats
from plugins.incidents import services
from plugins.incidents.models import Incident
from plugins.incidents.permissions import HANDLE, can_report_in
from plugins.incidents.photos import check_uploads
from plugins.incidents.web import grid_by_id


def report_as_staff(tenant, data: dict[str, Any], photos, result_photos=()) -> Incident:
    """Report ``data`` (loaded by :class:`~plugins.incidents.schemas.ReportIn`) for the signed-in
    user. With ``settled`` the incident is closed at once with ``result`` and ``result_photos``
    (当场办结), which needs ``incidents.handle`` on the grid. Nothing is written when a check
    fails (the caller rolls back)."""
    from core.toolkit import grid_in_reach

    data = dict(data)
    settled, result = data.pop("settled", False), data.pop("result", "")
    grid = grid_by_id(data.pop("grid_id"))
    if not can_report_in(grid):
        raise ApiError(403, "forbidden", _("只能在自己负责的网格上报"))
    if settled and not grid_in_reach(grid, HANDLE):
        raise ApiError(403, "forbidden", _("您可以上报，但不能办结该网格的事件"), {"settled": [_("无办理权限")]})
    if settled and not (result or "").strip():
        raise ApiError(422, "validation_error", _("请写明当场如何办结"), {"result": [_("必填")]})
    category = cats.get_category(data.pop("category_id"))
    uploads = check_uploads(tenant, photos)
    results = check_uploads(tenant, result_photos, "result_photos") if settled else []
    incident = services.report_incident(tenant, grid=grid, category=category, reporter_user_id=current_user.id,
                                        reporter_name=current_user.display_name or current_user.username,
                                        uploads=uploads, **data)
    if settled:
        services.settle_on_the_spot(tenant, incident, result, results)
    return incident
