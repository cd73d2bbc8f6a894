"""Schemas of the accounts API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=64),
                          metadata={"description": "用户名或手机号 (username or mobile number)"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    remember = fields.Boolean(load_default=False)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    mobile = fields.String(dump_only=True)
    is_platform_admin = fields.Boolean(dump_only=True)
    must_change_password = fields.Boolean(dump_only=True)
