"""Allow-list input schemas for households, residents and tags (``id``/``tenant_id`` never load)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from core.people.identity import id_problem, mobile_problem, normalise_id
from core.people.models import PersonStatus
from flask_babel import gettext as _

GENDERS = ("male", "female", "unknown")


def _blank_to_none(data, names):
    if isinstance(data, dict):
        data = dict(data)
        for name in names:
            if isinstance(data.get(name), str) and not data[name].strip():
                data[name] = None
    return data


class PersonIn(Schema):
    """A resident as the API accepts it (居民)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    gender = fields.String(validate=validate.OneOf(GENDERS), load_default=None)
    birth_date = fields.Date(allow_none=True, load_default=None)
    id_number = fields.String(allow_none=True, load_default=None)
    mobile = fields.String(allow_none=True, load_default=None)
    grid_id = fields.Integer(allow_none=True, load_default=None)
    household_id = fields.Integer(allow_none=True, load_default=None)
    relation = fields.String(allow_none=True, validate=validate.Length(max=20), load_default=None)
    status = fields.Enum(PersonStatus, by_value=True, load_default=PersonStatus.living)
    is_party_member = fields.Boolean(load_default=False)
    party_branch = fields.String(allow_none=True, validate=validate.Length(max=100), load_default=None)
    party_org_id = fields.Integer(allow_none=True, load_default=None)
    party_joined_on = fields.Date(allow_none=True, load_default=None)
    party_away = fields.Boolean(load_default=False)
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000), load_default=None)
    tags = fields.List(fields.Raw(), load_default=None)

    @pre_load
    def _blanks(self, data, **kwargs):
        data = _blank_to_none(data, ("id_number", "mobile", "birth_date", "party_joined_on", "relation",
                                     "party_branch", "notes"))
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            data["name"] = data["name"].strip()
        if isinstance(data, dict) and isinstance(data.get("id_number"), str):
            data["id_number"] = normalise_id(data["id_number"])
        if isinstance(data, dict) and isinstance(data.get("mobile"), str):
            data["mobile"] = data["mobile"].strip()
        return data

    @validates("id_number")
    def _id(self, value, **kwargs):
        if value is not None and (problem := id_problem(value)):
            raise ValidationError(problem)

    @validates("mobile")
    def _mobile(self, value, **kwargs):
        if value is not None and (problem := mobile_problem(value)):
            raise ValidationError(problem)

    @validates("tags")
    def _tags(self, value, **kwargs):
        if value is not None and not all(isinstance(t, (int, str)) and not isinstance(t, bool) for t in value):
            raise ValidationError(_("标签须为标签编号或名称的列表"))


class HouseholdIn(Schema):
    """A household (户)."""

    grid_id = fields.Integer(required=True)
    address = fields.String(required=True, validate=validate.Length(min=1, max=200))
    number = fields.String(allow_none=True, validate=validate.Length(max=32), load_default=None)
    head_name = fields.String(allow_none=True, validate=validate.Length(max=50), load_default=None)
    phone = fields.String(allow_none=True, load_default=None)
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000), load_default=None)

    @pre_load
    def _blanks(self, data, **kwargs):
        return _blank_to_none(data, ("number", "head_name", "phone", "notes"))

    @validates("phone")
    def _phone(self, value, **kwargs):
        if value is not None and (problem := mobile_problem(value)):
            raise ValidationError(problem)


class TagIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))


class PartyCenterIn(Schema):
    """Name a household a party-member household (党员中心户): the member heading it."""

    member_id = fields.Integer(required=True)


class PartyCenterLinkIn(Schema):
    """A household the centre keeps in touch with (联系户)."""

    household_id = fields.Integer(required=True)
