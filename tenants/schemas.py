"""Schemas of the tenants API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.localtime import LocalDateTime

from tenants.manifest import SLUG


class TenantSchema(Schema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    kind = fields.Function(lambda t: t.kind.value, dump_only=True)
    status = fields.Function(lambda t: t.status.value, dump_only=True)
    region_code = fields.String(dump_only=True)
    parent = fields.Function(lambda t: t.parent.slug if t.parent else None, dump_only=True)
    settings = fields.Dict(dump_only=True)
    created_at = LocalDateTime(dump_only=True)


class CountyCreateSchema(Schema):
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    region_code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6,12}$"))


class OnboardResultSchema(Schema):
    tenant = fields.Nested(TenantSchema)
    admin_username = fields.String()
    admin_password = fields.String(metadata={"description": "only when the system generated it, shown once"})
    grids = fields.Integer()
    modules = fields.List(fields.String())


class ModuleStateSchema(Schema):
    name = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    description = fields.String()
    version = fields.String()
    requires = fields.List(fields.String())
    enabled = fields.Boolean()
    settings = fields.Dict()


class ModuleChangeSchema(Schema):
    enabled = fields.Boolean(load_default=None, allow_none=True)
    settings = fields.Dict(load_default=None, allow_none=True)


class TenantSettingsSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    grid_level_names = fields.List(fields.String(validate=validate.Length(min=1, max=20)),
                                   validate=validate.Length(min=1, max=6))
