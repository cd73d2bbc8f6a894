"""Allow-list schemas of the volunteer API (``id`` and ``tenant_id`` are never loadable).

Times in requests are the township's wall time (``2026-12-01T09:00``) or carry an offset; loaded
values are aware UTC, as stored. Answers give ISO 8601 in the township's zone (``+08:00``).
"""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, validate

from core.toolkit import LocalDateTime
from core.toolkit import N_

UNIT_KINDS = ("government", "institution", "state_enterprise", "other")  # 机关, 事业单位, 国有企业, 其他
PHONE = validate.Regexp(re.compile(r"^1\d{10}$"), error=N_("须为 11 位手机号"))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class VolunteerIn(Strict):
    person_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    name = fields.String(validate=validate.Length(min=1, max=50))
    mobile = fields.String(validate=PHONE)
    grid_id = fields.Integer(allow_none=True, strict=False)
    is_party_member = fields.Boolean()
    unit_id = fields.Integer(allow_none=True, strict=False)
    party_branch = fields.String(allow_none=True, validate=validate.Length(max=100))
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=30)), validate=validate.Length(max=20))
    availability = fields.String(validate=validate.Length(max=200))
    post_ids = fields.List(fields.Integer(strict=False), validate=validate.Length(max=20))
    confirm = fields.Boolean(load_default=False)


class VolunteerPatch(Strict):
    grid_id = fields.Integer(allow_none=True, strict=False)
    is_party_member = fields.Boolean()
    unit_id = fields.Integer(allow_none=True, strict=False)
    party_branch = fields.String(allow_none=True, validate=validate.Length(max=100))
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=30)), validate=validate.Length(max=20))
    availability = fields.String(validate=validate.Length(max=200))
    post_ids = fields.List(fields.Integer(strict=False), validate=validate.Length(max=20))


class VolunteerOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer(allow_none=True)
    grid_id = fields.Integer(allow_none=True)
    name = fields.String()
    mobile = fields.Method("masked")
    is_party_member = fields.Boolean()
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.String(allow_none=True)
    party_branch = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    availability = fields.String()
    status = fields.String()
    registered_at = LocalDateTime()
    confirmed_at = LocalDateTime(allow_none=True)
    post_ids = fields.List(fields.Integer(), dump_only=True)  # added by the views

    def masked(self, obj):
        from plugins.volunteer.registration import mask

        return mask(obj.mobile)


class VolunteerFullOut(VolunteerOut):
    """For the volunteer office: the mobile number unmasked (a resident's only where core's
    register would show it unmasked to the viewer)."""

    def masked(self, obj):
        from plugins.volunteer.registration import shown_mobile

        return shown_mobile(obj)


class RejectIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class PostIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    description = fields.String(load_default="", validate=validate.Length(max=500))
    active = fields.Boolean(load_default=True)
    sort = fields.Integer(load_default=0, strict=False)


class PostPatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=50))
    description = fields.String(validate=validate.Length(max=500))
    active = fields.Boolean()
    sort = fields.Integer(strict=False)


class PostOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    active = fields.Boolean()


class TeamIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    post_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    leader_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    member_ids = fields.List(fields.Integer(strict=False), validate=validate.Length(max=500))


class TeamOut(Schema):
    id = fields.Integer()
    name = fields.String()
    post_id = fields.Integer(allow_none=True)
    leader_id = fields.Integer(allow_none=True)
    member_ids = fields.List(fields.Integer(), dump_only=True)  # added by the views


class ActivityIn(Strict):
    title = fields.String(required=True, validate=validate.Length(min=2, max=100))
    post_id = fields.Integer(required=True, strict=False)
    team_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    grid_id = fields.Integer(required=True, strict=False)
    place = fields.String(load_default="", validate=validate.Length(max=200))
    starts_at = LocalDateTime(required=True)
    ends_at = LocalDateTime(required=True)
    slots = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=5000))
    requirements = fields.String(load_default="", validate=validate.Length(max=500))
    leader_user_id = fields.Integer(load_default=None, allow_none=True, strict=False)


class ActivityPatch(Strict):
    title = fields.String(validate=validate.Length(min=2, max=100))
    place = fields.String(validate=validate.Length(max=200))
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    slots = fields.Integer(strict=False, validate=validate.Range(min=1, max=5000))
    requirements = fields.String(validate=validate.Length(max=500))


class ActivityOut(Schema):
    id = fields.Integer()
    title = fields.String()
    post_id = fields.Integer()
    team_id = fields.Integer(allow_none=True)
    grid_id = fields.Integer()
    place = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    slots = fields.Integer()
    taken = fields.Integer()
    requirements = fields.String()
    leader_user_id = fields.Integer(allow_none=True)
    status = fields.String()


class SignupIn(Strict):
    volunteer_id = fields.Integer(required=True, strict=False)
    waitlist = fields.Boolean(load_default=False)


class SelfSignupIn(Strict):
    activity_id = fields.Integer(required=True, strict=False)
    waitlist = fields.Boolean(load_default=False)


class SignupOut(Schema):
    id = fields.Integer()
    activity_id = fields.Integer()
    volunteer_id = fields.Integer()
    status = fields.String()
    queued_at = LocalDateTime()


class ScanIn(Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=300))
    action = fields.String(load_default="auto", validate=validate.OneOf(("auto", "in", "out")))


class AttendanceOut(Schema):
    id = fields.Integer()
    activity_id = fields.Integer()
    volunteer_id = fields.Integer()
    checked_in_at = LocalDateTime()
    checked_out_at = LocalDateTime(allow_none=True)
    hours = fields.Float(allow_none=True)
    closed_by = fields.String(allow_none=True)
    missing_checkout = fields.Boolean()
    corrected = fields.Boolean()


class CorrectionIn(Strict):
    checked_in_at = LocalDateTime()
    checked_out_at = LocalDateTime()
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class LeaderCheckinIn(Strict):
    volunteer_id = fields.Integer(required=True, strict=False)
    checked_in_at = LocalDateTime(required=True)
    checked_out_at = LocalDateTime()
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


class MenuItemIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    description = fields.String(load_default="", validate=validate.Length(max=500))
    post_id = fields.Integer(load_default=None, allow_none=True, strict=False)


class MenuItemPatch(Strict):
    name = fields.String(validate=validate.Length(min=2, max=100))
    description = fields.String(validate=validate.Length(max=500))
    active = fields.Boolean()


class MenuItemOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    post_id = fields.Integer(allow_none=True)
    added_at = LocalDateTime()
    retired_at = LocalDateTime(allow_none=True)


class OrderIn(Strict):
    item_id = fields.Integer(required=True, strict=False)
    household_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    grid_id = fields.Integer(strict=False)
    requester_name = fields.String(validate=validate.Length(min=1, max=50))
    phone = fields.String(allow_none=True, validate=PHONE)
    address = fields.String(validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ClaimIn(Strict):
    volunteer_id = fields.Integer(required=True, strict=False)


class DoneIn(Strict):
    hours = fields.Float(required=True, validate=validate.Range(min=0.1, max=24))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class OrderConfirmIn(Strict):
    rating = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=5))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class CancelIn(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class OrderOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    household_id = fields.Integer(allow_none=True)
    grid_id = fields.Integer()
    requester_name = fields.String()
    address = fields.String()
    note = fields.String()
    source = fields.String()
    status = fields.String()
    volunteer_id = fields.Integer(allow_none=True)
    hours = fields.Float(allow_none=True)
    rating = fields.Integer(allow_none=True)
    claimed_at = LocalDateTime(allow_none=True)
    done_at = LocalDateTime(allow_none=True)
    confirmed_at = LocalDateTime(allow_none=True)


class UnitIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(load_default="government", validate=validate.OneOf(UNIT_KINDS))
    annual_target_hours = fields.Float(load_default=50.0, validate=validate.Range(min=0, max=2000))


class UnitPatch(Strict):
    name = fields.String(validate=validate.Length(min=2, max=100))
    kind = fields.String(validate=validate.OneOf(UNIT_KINDS))
    annual_target_hours = fields.Float(validate=validate.Range(min=0, max=2000))
    active = fields.Boolean()


class UnitOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    annual_target_hours = fields.Float()
    active = fields.Boolean()
