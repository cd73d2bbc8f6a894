"""Allow-list schemas of the incidents API (``id`` and ``tenant_id`` are never loadable)."""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from core.toolkit import LocalDateTime, grid_place

from plugins.incidents.models import SATISFACTION, URGENCIES
from core.toolkit import N_

PHONE_RE = re.compile(r"^1\d{10}$")
PHONE = validate.Regexp(PHONE_RE, error=N_("须为 11 位手机号"))


class ReportIn(Schema):
    class Meta:
        unknown = RAISE

    category_id = fields.Integer(required=True, strict=False)
    grid_id = fields.Integer(required=True, strict=False)
    description = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    person_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    # 小事马上办: already settled on the spot; ``result`` says how (photos: ``result_photos``)
    settled = fields.Boolean(load_default=False)
    result = fields.String(load_default="", validate=validate.Length(max=1000))


class PublicReportIn(Schema):
    """A resident's QR report (随手拍): no account, optional phone for the reply."""

    class Meta:
        unknown = EXCLUDE  # the form also carries csrf_token and the submit button

    category_id = fields.Integer(required=True, strict=False)
    description = fields.String(required=True, validate=validate.Length(min=2, max=1000))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)


class ActionIn(Schema):
    class Meta:
        unknown = RAISE

    note = fields.String(load_default="", validate=validate.Length(max=1000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    to = fields.String(load_default=None, validate=validate.OneOf(("parent", "office", "department")))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    to_grid_id = fields.Integer(load_default=None, allow_none=True, strict=False)


class RateIn(Schema):
    class Meta:
        unknown = EXCLUDE

    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    note = fields.String(load_default="", validate=validate.Length(max=500))
    reopen = fields.Boolean(load_default=False)


class MergeIn(Schema):
    class Meta:
        unknown = RAISE

    into_id = fields.Integer(required=True, strict=False)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CategoryIn(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    time_limit_hours = fields.Integer(load_default=72, validate=validate.Range(min=1, max=24 * 90))
    auto_escalate = fields.Boolean(load_default=False)
    sort = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10000))


class CategoryPatch(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Length(min=1, max=100))
    time_limit_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 90))
    auto_escalate = fields.Boolean()
    active = fields.Boolean()
    sort = fields.Integer(validate=validate.Range(min=0, max=10000))


class CategoryOut(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    code = fields.String()
    name = fields.String()
    time_limit_hours = fields.Integer()
    auto_escalate = fields.Boolean()
    active = fields.Boolean()


class PhotoOut(Schema):
    id = fields.Integer()
    content_type = fields.String()
    size = fields.Integer()


class StepOut(Schema):
    id = fields.Integer()
    action = fields.String()
    actor_name = fields.String()
    at = LocalDateTime()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    from_where = fields.String()
    to_where = fields.String()
    note = fields.String()
    photos = fields.List(fields.Nested(PhotoOut))


class IncidentOut(Schema):
    id = fields.Integer()
    receipt = fields.Function(lambda i: f"{i.receipt[:5]}-{i.receipt[5:]}")  # 回执号 as printed
    household_id = fields.Integer(allow_none=True)  # a resident report sent from this household's card
    category_id = fields.Integer()
    category = fields.Function(lambda i: i.category.name)
    grid_id = fields.Integer()
    grid = fields.Function(lambda i: i.grid.name)
    grid_place = fields.Function(lambda i: grid_place(i.grid))  # 查冲村 › 第一网格
    level = fields.String()
    handling_grid_id = fields.Integer(allow_none=True)
    department = fields.String(allow_none=True)
    where = fields.String()
    reach = fields.Integer()
    state = fields.String()
    urgency = fields.String()
    source = fields.String()
    description = fields.String()
    place = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    reporter_user_id = fields.Integer(allow_none=True)
    handler_user_id = fields.Integer(allow_none=True)
    reported_at = LocalDateTime()
    due_at = LocalDateTime()
    overdue = fields.Boolean()
    resolved_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    satisfaction = fields.String(allow_none=True)
    awaiting_rating = fields.Boolean()
    merged_into_id = fields.Integer(allow_none=True)
    linked_module = fields.String(allow_none=True)
    linked_ref = fields.String(allow_none=True)
    reopen_count = fields.Integer()


class ReporterOut(Schema):
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    masked = fields.Boolean()


class IncidentDetailOut(IncidentOut):
    steps = fields.List(fields.Nested(StepOut))
    can_act = fields.Boolean(dump_only=True)  # added by the views
    reporter = fields.Nested(ReporterOut, allow_none=True, dump_only=True)  # masked for most roles (views)


# GET /incidents/numbers (统计), built by hand in stats.py: its shape for the OpenAPI document
_COUNT = {"type": "integer", "minimum": 0}
_RATE = {"type": "number", "minimum": 0, "maximum": 1}
_FIGURES = {
    "reported": _COUNT, "closed": _COUNT, "rejected": _COUNT, "overdue": _COUNT, "rated": _COUNT,
    "satisfied": _COUNT, "settled_in_grid": _COUNT, "closure_rate": {**_RATE, "nullable": True},  # None: nothing counts
    "satisfaction_rate": {**_RATE, "nullable": True},
    "mean_hours_to_close": {"type": "number", "minimum": 0, "nullable": True},
    "escalated": {"type": "object", "required": ["parent_grid", "office", "department"],
                  "properties": {"parent_grid": _COUNT, "office": _COUNT, "department": _COUNT}},
    # each incident once, at the highest level it reached (grid, village, township office, department)
    "by_level": {"type": "object", "required": ["grid", "village", "office", "department"],
                 "properties": {"grid": _COUNT, "village": _COUNT, "office": _COUNT, "department": _COUNT}},
}
NUMBERS = {"type": "object", "required": [*_FIGURES, "by_category", "by_worker"], "properties": {
    **_FIGURES,
    "by_category": {"type": "array", "items": {
        "type": "object", "required": [*_FIGURES, "category_id", "category"],
        "properties": {**_FIGURES, "category_id": {"type": "integer"}, "category": {"type": "string"}}}},
    "by_worker": {"type": "array", "items": {
        "type": "object", "required": ["user_id", "name", "reported", "closed_by", "settled_in_grid"],
        "properties": {"user_id": {"type": "integer", "nullable": True}, "name": {"type": "string"},
                       "reported": _COUNT, "closed_by": _COUNT, "settled_in_grid": _COUNT}}},
}}

# the hand-built answers of the duplicates, overdue summary and Open311 service list
DUPLICATE = {"type": "object", "required": ["id", "description", "state", "reported_at"], "properties": {
    "id": {"type": "integer"}, "description": {"type": "string", "description": "its first 80 characters"},
    "state": {"type": "string"}, "reported_at": {"type": "string", "format": "date-time"}}}
OVERDUE_SUMMARY = {"type": "object", "required": ["per_grid", "per_handler"], "properties": {
    "per_grid": {"type": "array", "items": {"type": "object", "required": ["grid_id", "grid", "overdue"], "properties": {
        "grid_id": {"type": "integer"}, "grid": {"type": "string"}, "overdue": {"type": "integer", "minimum": 1}}}},
    "per_handler": {"type": "array", "items": {"type": "object", "required": ["user_id", "name", "overdue"], "properties": {
        "user_id": {"type": "integer", "nullable": True, "description": "null for incidents nobody has taken on"},
        "name": {"type": "string"}, "overdue": {"type": "integer", "minimum": 1}}}}}}
OPEN311_SERVICE = {"type": "object", "required": ["service_code", "service_name", "description", "metadata", "type",
                                                  "keywords", "group"], "properties": {
    "service_code": {"type": "string"}, "service_name": {"type": "string"}, "description": {"type": "string"},
    "metadata": {"type": "boolean"}, "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
    "keywords": {"type": "string"}, "group": {"type": "string"}}}
