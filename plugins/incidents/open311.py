"""Open311 GeoReport v2 (开放311接口) over the same incidents, so existing Open311 clients and
city hotlines (12345) can report into a township.

* ``GET  services.json``: the item list as services (public);
* ``POST requests.json``: a new incident; ``api_key`` (form field) or ``Authorization: Bearer``
  is a gridgov API token of a member with ``incidents.report``, or no key when the township's
  ``open311_anonymous_post`` setting is on. The grid is ``attribute[grid_token]`` (the grid's stable
  public token, or ``grid_token``), else ``attribute[grid_code]`` (or ``grid_code``: today's code,
  which changes when the grid moves), else the setting ``open311_default_grid`` (a grid token);
* ``GET requests.json`` and ``GET requests/<id>.json``: read back, with an API key in the
  ``Authorization`` header (an ``api_key`` in the query string is refused with 400: access logs
  keep URLs).

Errors answer in Open311's shape: ``[{"code": 400, "description": "..."}]``.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from core.toolkit import (ApiError, Grid, GridStatus, bearer_token, db, doc, grid_by_public_token, module_settings, public,
                          sign_in_with_token, visible)
from plugins.incidents import categories as cats
from plugins.incidents import services
from plugins.incidents.models import OPEN_STATES, Category, Incident
from plugins.incidents.permissions import REPORT, can_report_in
from plugins.incidents.public import spend_quota
from plugins.incidents.schemas import OPEN311_SERVICE, PHONE_RE
from core.toolkit import gettext as _

bp = Blueprint("incidents_open311", __name__, url_prefix="/api/v1/t/<tenant>/incidents/open311")


@bp.errorhandler(ApiError)
def _open311_error(exc: ApiError):
    detail = exc.message
    if exc.fields:
        detail += " " + "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in exc.fields.items())
    return jsonify([{"code": exc.status, "description": detail}]), exc.status


@bp.errorhandler(HTTPException)
def _open311_http(exc: HTTPException):
    return jsonify([{"code": exc.code, "description": exc.name}]), exc.code


# what the document says of every error answer here
ERRORS = {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                     "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}


def _utc_z(when) -> str:
    """Open311 times: ISO 8601 in UTC with a ``Z`` (the stored time is aware UTC)."""
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def _caller(required: bool):
    """The member behind ``api_key`` / bearer token, with ``g.access`` set; None if no key.

    ``api_key`` is taken from a form body or the ``Authorization`` header, never from the query
    string, where it would land in every access log and proxy log on the way (400 saying so)."""
    if "api_key" in request.args:
        raise ApiError(400, "api_key_in_url", _("%(name)s 不能放在网址中（访问日志会记下网址），请放在表单或 %(header)s 头中",
                                                name="api_key", header="Authorization: Bearer"))
    key = request.form.get("api_key") or bearer_token()
    if not key:
        if required:
            raise ApiError(401, "api_key_required", _("需要 api_key"))
        return None
    user = sign_in_with_token(g.tenant, key)  # steps and audit name the key's owner
    if user is None:
        raise ApiError(401, "invalid_token", _("api_key 无效"))
    if not g.access.can(REPORT):
        raise ApiError(403, "forbidden", _("该令牌没有上报权限"))
    return user


def _service(c: Category, groups: dict[int, str]) -> dict:
    return {"service_code": c.code, "service_name": c.name, "description": f"{c.name}（办理时限 {c.time_limit_hours} 小时）",
            "metadata": False, "type": "realtime", "keywords": "", "group": groups.get(c.parent_id, c.name)}


def _request(r: Incident) -> dict:
    return {"service_request_id": str(r.id), "status": "open" if r.state in OPEN_STATES else "closed",
            "status_notes": r.reject_reason or services.LABELS.get(r.state, r.state), "service_name": r.category.name,
            "service_code": r.category.code, "description": r.description, "agency_responsible": r.where,
            "service_notice": "", "requested_datetime": _utc_z(r.reported_at),
            "updated_datetime": _utc_z(r.closed_at or r.resolved_at or r.reported_at),
            "expected_datetime": _utc_z(r.due_at), "address": r.place, "address_id": None,
            "zipcode": None, "lat": r.lat, "long": r.lon, "media_url": None}


@bp.get("/services.json")
@public
@doc("Open311: service list", tags=["open311"], error_schema=ERRORS, many=True, response_schema=OPEN311_SERVICE)
def service_list():
    rows = cats.all_categories(active_only=True)
    groups = {c.id: c.name for c in rows if c.parent_id is None}
    return jsonify([_service(c, groups) for c in rows])


def _float(name: str):
    raw = request.values.get(name)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except ValueError:
        raise ApiError(400, "validation_error", _("%(name)s 须为数字", name=name), {name: [_("须为数字")]})


@bp.post("/requests.json")
@public
@doc("Open311: post a service request", tags=["open311"], error_schema=ERRORS, status=201)
def post_request():
    user = _caller(required=False)
    settings = module_settings(g.tenant, "incidents")
    if user is None and not settings["open311_anonymous_post"]:
        raise ApiError(401, "api_key_required", _("本乡镇需要 api_key"))
    code = (request.values.get("service_code") or "").strip()
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active.is_(True))) if code else None
    if category is None:
        raise ApiError(400, "validation_error", _("service_code 无效"), {"service_code": [_("未知事项")]})
    description = (request.values.get("description") or "").strip()
    if not 2 <= len(description) <= 2000:
        raise ApiError(400, "validation_error", _("description 须为 2 到 2000 字"), {"description": ["2-2000 characters"]})
    grid = _target_grid(settings)
    if user is not None and not can_report_in(grid):
        raise ApiError(403, "forbidden", _("该网格不在令牌范围内"))
    phone = (request.values.get("phone") or "").strip() or None
    if phone and not PHONE_RE.match(phone):
        raise ApiError(400, "validation_error", _("phone 须为 11 位手机号"), {"phone": ["an 11-digit mobile number"]})
    lat, lon = _float("lat"), _float("long")
    if user is None:
        spend_quota(g.tenant, request.remote_addr or "?", settings["public_reports_per_hour"])
    name = " ".join(x for x in (request.values.get("last_name"), request.values.get("first_name")) if x) or None
    incident = services.report_incident(
        g.tenant, grid=grid, category=category, description=description,
        place=(request.values.get("address_string") or "")[:200], lat=lat, lon=lon, source="open311",
        reporter_user_id=user.id if user else None,
        reporter_name=(name or (user.display_name if user else None) or "")[:64] or None, reporter_phone=phone)
    out = [{"service_request_id": str(incident.id), "service_notice": "已受理，请留意回复", "account_id": None}]
    db.session.commit()
    return jsonify(out), 201


def _target_grid(settings) -> Grid:
    """The grid a request names: ``attribute[grid_token]`` (stable), else ``attribute[grid_code]``
    (today's code: codes follow the tree and change when a grid moves), else the township's
    ``open311_default_grid`` setting, a grid token (so it survives moves; a merged grid's
    token leads to the grid it joined)."""
    token = request.values.get("attribute[grid_token]") or request.values.get("grid_token")
    code = request.values.get("attribute[grid_code]") or request.values.get("grid_code")
    if token:
        grid, field = grid_by_public_token(token), "attribute[grid_token]"
    elif code:
        grid, field = db.session.scalar(select(Grid).where(Grid.code == code, Grid.status == GridStatus.active)), \
            "attribute[grid_code]"
    elif settings["open311_default_grid"]:
        grid, field = grid_by_public_token(settings["open311_default_grid"]), "attribute[grid_token]"
        if grid is None:
            raise ApiError(400, "validation_error", _("默认网格已撤销，请指定网格"),
                           {field: [_("默认网格已撤销")]})
    else:
        grid, field = None, "attribute[grid_token]"
    if grid is None:
        raise ApiError(400, "validation_error", _("需要网格"), {field: [_("未知网格")]})
    return grid


@bp.get("/requests.json")
@public
@doc("Open311: read service requests", tags=["open311"], error_schema=ERRORS,
     query={"api_key": "string"})
def get_requests():
    _caller(required=True)
    stmt = select(Incident).where(visible(Incident.grid_id, REPORT), Incident.state != "merged")
    ids = [x for x in (request.args.get("service_request_id") or "").split(",") if x.strip()]
    if ids:
        if not all(x.strip().isdigit() for x in ids):
            raise ApiError(400, "validation_error", _("service_request_id 须为数字"), {"service_request_id": ["digits"]})
        stmt = stmt.where(Incident.id.in_([int(x) for x in ids]))
    if request.args.get("service_code"):
        stmt = stmt.join(Category, Category.id == Incident.category_id).where(Category.code == request.args["service_code"])
    status = request.args.get("status")
    if status in ("open", "closed"):
        stmt = stmt.where(Incident.state.in_(OPEN_STATES) if status == "open" else Incident.state.not_in(OPEN_STATES))
    for name, op in (("start_date", "__ge__"), ("end_date", "__lt__")):
        raw = request.args.get(name)
        if raw:
            try:
                when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                raise ApiError(400, "validation_error", _("%(name)s 须为 ISO 8601 时间", name=name), {name: ["e.g. 2026-01-31T00:00:00Z"]})
            if when.tzinfo is not None:
                when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
            stmt = stmt.where(getattr(Incident.reported_at, op)(when))
    rows = db.session.scalars(stmt.order_by(Incident.id.desc()).limit(1000)).all()
    return jsonify([_request(r) for r in rows])


@bp.get("/requests/<int:request_id>.json")
@public
@doc("Open311: read one service request", tags=["open311"], error_schema=ERRORS,
     query={"api_key": "string"})
def get_request(request_id: int):
    _caller(required=True)
    row = db.session.scalar(select(Incident).where(Incident.id == request_id, visible(Incident.grid_id, REPORT)))
    if row is None:
        raise ApiError(404, "not_found", _("没有该请求"))
    return jsonify([_request(row)])
