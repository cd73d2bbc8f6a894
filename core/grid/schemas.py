"""Allow-list schemas of the grid API (网格接口). ``id`` and ``tenant_id`` are never loadable."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.api import json_schema
from core.grid.models import DUTY_LABELS, PARTY_ORG_LABELS
from core.i18n import N_

NAME = validate.Length(min=1, max=100, error=N_("须为 1 到 100 个字符"))
DUTIES = validate.OneOf([d.value for d in DUTY_LABELS], error=N_("未知职责"))
KINDS = validate.OneOf([k.value for k in PARTY_ORG_LABELS], error="党组织类型须为 committee/general_branch/branch/group")


class GridCreateSchema(Schema):
    name = fields.String(required=True, validate=NAME)
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class GridPatchSchema(Schema):
    """Rename (``name``) and/or move (``parent_id``; null makes it a first-level grid)."""

    name = fields.String(validate=NAME)
    parent_id = fields.Integer(allow_none=True, strict=True)


class GridBulkSchema(Schema):
    """Lines of grid names from the top down (tab, / or > between levels), below ``parent_id``."""

    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=500_000))


class GridMergeSchema(Schema):
    target_id = fields.Integer(required=True, strict=True)


class DutyCreateSchema(Schema):
    duty = fields.String(required=True, validate=DUTIES)
    user_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    person_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))


class PartyOrgCreateSchema(Schema):
    grid_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    kind = fields.String(required=True, validate=KINDS)
    name = fields.String(required=True, validate=NAME)
    secretary_name = fields.String(load_default="", validate=validate.Length(max=64))
    secretary_phone = fields.String(load_default="", validate=validate.Length(max=20))


class PartyOrgPatchSchema(Schema):
    kind = fields.String(validate=KINDS)
    name = fields.String(validate=NAME)
    secretary_name = fields.String(validate=validate.Length(max=64))
    secretary_phone = fields.String(validate=validate.Length(max=20))


class DutyOutSchema(Schema):
    id = fields.Integer()
    grid_id = fields.Integer()
    duty = fields.Function(lambda d: d.duty.value)
    duty_label = fields.String()
    user_id = fields.Integer(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    name = fields.String()
    phone = fields.String()
    grants_role = fields.Function(lambda d: d.role_assignment_id is not None)


class PartyOrgOutSchema(Schema):
    id = fields.Integer()
    grid_id = fields.Integer(allow_none=True)
    kind = fields.Function(lambda o: o.kind.value)
    kind_label = fields.String()
    name = fields.String()
    secretary_name = fields.String()
    secretary_phone = fields.String()


class GridOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()
    level = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    status = fields.Function(lambda g: g.status.value)
    path = fields.String()


# The answers built by hand in core/grid/api.py and core/people/api.py, for the OpenAPI document
# (the fuzzing test holds the answers to them).
_INT = {"type": "integer", "minimum": 0}
_COUNTED = {"households": _INT, "residents": _INT, "party_members": _INT, "party_away": _INT,
            "tags": {"type": "object", "additionalProperties": _INT, "description": "tag name → number of residents"}}
COUNTS = json_schema("GridCounts", {"type": "object", "required": list(_COUNTED), "properties": _COUNTED})
_BRIEF = {
    "id": {"type": "integer"}, "name": {"type": "string"}, "code": {"type": "string"},
    "level": {"type": "integer", "minimum": 1}, "level_name": {"type": "string"},
    "parent_id": {"type": "integer", "nullable": True}, "status": {"type": "string", "enum": ["active", "archived"]},
    "party_org": {"type": "object", "nullable": True, "required": ["id", "kind", "kind_label", "name"],
                  "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                                 "kind_label": {"type": "string"}, "name": {"type": "string"}}},
}
GRID_BRIEF = json_schema("GridBrief", {"type": "object", "required": list(_BRIEF), "properties": _BRIEF})
GRID_NODE = json_schema("GridNode", {
    "type": "object", "required": [*_BRIEF, "child_count"],  # a list of children has no "children"
    "properties": {**_BRIEF, "child_count": _INT, "counts": COUNTS,
                   "children": {"type": "array", "items": {"$ref": "#/components/schemas/GridNode"}}}})
GRID_TREE = json_schema("GridTree", {
    "type": "object", "required": ["level_names", "items"],
    "properties": {"level_names": {"type": "array", "items": {"type": "string"}},
                   "items": {"type": "array", "items": GRID_NODE}}})
FIRST_LEVEL_STATS = json_schema("FirstLevelStats", {"type": "array", "items": {
    "type": "object", "required": ["grid_id", "code", "name", *_COUNTED],
    "properties": {"grid_id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}, **_COUNTED}}})
_DUTY = {"type": "object", "required": ["id", "grid_id", "duty", "name"], "properties": {
    "id": {"type": "integer"}, "grid_id": {"type": "integer"}, "duty": {"type": "string"},
    "duty_label": {"type": "string"}, "user_id": {"type": "integer", "nullable": True},
    "person_id": {"type": "integer", "nullable": True}, "name": {"type": "string"}, "phone": {"type": "string"},
    "grants_role": {"type": "boolean"}}}
_ORG = {"id": {"type": "integer"}, "grid_id": {"type": "integer", "nullable": True}, "kind": {"type": "string"},
        "kind_label": {"type": "string"}, "name": {"type": "string"}, "secretary_name": {"type": "string"},
        "secretary_phone": {"type": "string"}}
GRID_DETAIL = json_schema("GridDetail", {
    "type": "object", "required": [*_BRIEF, "path", "ancestors", "counts", "duties", "children"],
    "properties": {**_BRIEF, "path": {"type": "string"},
                   "public_token": {"type": "string", "description": "what printed QR codes carry"},
                   "ancestors": {"type": "array", "items": GRID_BRIEF}, "counts": COUNTS,
                   "duties": {"type": "array", "items": _DUTY},
                   "party_org": {"type": "object", "nullable": True, "required": ["id", "kind", "name"], "properties": _ORG},
                   "children": {"type": "array", "items": {"$ref": "#/components/schemas/GridNode"}}}})
PARTY_ORG_NODE = json_schema("PartyOrgNode", {
    "type": "object", "required": ["id", "kind", "name", "children"],
    "properties": {**_ORG, "grid_name": {"type": "string", "nullable": True},
                   "path": {"type": "string", "nullable": True, "description": "the grid's path; null for the township's"},
                   "children": {"type": "array", "items": {"$ref": "#/components/schemas/PartyOrgNode"}}}})
