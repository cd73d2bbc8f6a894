"""Schemas of the accounts API."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from core.localtime import LocalDateTime
from flask_babel import gettext as _


class LoginSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64),
                          metadata={"description": "username or mobile number"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    remember = fields.Boolean(load_default=False)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    mobile = fields.String(dump_only=True)
    is_platform_admin = fields.Boolean(dump_only=True)
    must_change_password = fields.Boolean(dump_only=True)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class RoleGrantSchema(Schema):
    role = fields.String(required=True, validate=validate.Length(min=1, max=64))
    grid_id = fields.Integer(load_default=None, allow_none=True, strict=False)


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    display_name = fields.String(load_default="", validate=validate.Length(max=64))
    mobile = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=11))
    roles = fields.List(fields.Nested(RoleGrantSchema), required=True, validate=validate.Length(min=1, max=20))


class RoleAssignmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    role = fields.String(dump_only=True)
    grid_id = fields.Integer(dump_only=True, allow_none=True)


class TenantUserSchema(UserSchema):
    """A user as the township's user list shows them (``admin_views._user_json``): documentation."""

    active = fields.Boolean(dump_only=True)
    last_login_at = fields.String(dump_only=True, metadata={"format": "date-time"})
    roles = fields.List(fields.Nested(RoleAssignmentSchema), dump_only=True)


class PermissionChangeSchema(Schema):
    granted = fields.Boolean(required=True)


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    expires_in_days = fields.Integer(load_default=90, strict=True, validate=validate.Range(min=1, max=365),
                                     metadata={"description": "days until expiry, 1 to 365"})


class TokenIssueSchema(TokenCreateSchema):
    """For API-only clients (a script on the intranet): sign in and get a token in one request."""

    login = fields.String(required=True, validate=validate.Length(min=1, max=64),
                          metadata={"description": "username or mobile number"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    name = fields.String(load_default="script", validate=validate.Length(min=1, max=64))


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    username = fields.Function(lambda t: t.user.username, dump_only=True)
    expires_at = LocalDateTime(dump_only=True)
    revoked_at = LocalDateTime(dump_only=True)
    last_used_at = LocalDateTime(dump_only=True)
    created_at = LocalDateTime(dump_only=True)


class AuditFilterSchema(Schema):
    """Query-string filters of the audit log; dates are inclusive, in UTC."""

    user = fields.String(load_default=None, validate=validate.Length(max=64),
                         metadata={"description": "username or user id"})
    action = fields.String(load_default=None, validate=validate.Length(max=64),
                           metadata={"description": "action, or its prefix such as role"})
    object_type = fields.String(load_default=None, validate=validate.Length(max=64))
    date_from = fields.Date(load_default=None, data_key="from")
    date_to = fields.Date(load_default=None, data_key="to")

    class Meta:
        unknown = EXCLUDE  # page, per_page, lang

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("结束日期不能早于开始日期"), "to")


class AuditEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    created_at = LocalDateTime(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    actor = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    object_type = fields.String(dump_only=True)
    object_id = fields.String(dump_only=True)
    before = fields.Raw(dump_only=True)
    after = fields.Raw(dump_only=True)
    address = fields.String(dump_only=True)
