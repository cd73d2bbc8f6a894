"""Allow-list schemas of the mediation API (``id`` and ``tenant_id`` are never loadable)."""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, validate

from core.toolkit import LocalDateTime
from plugins.mediation.models import BACKGROUNDS, DISPUTE_TYPES, PARTY_ROLES, REFERRAL_KINDS, URGENCIES
from core.toolkit import N_

PHONE = validate.Regexp(re.compile(r"^[0-9+\- ]{5,20}$"), error=N_("电话格式有误"))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class RoomIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    address = fields.String(load_default="", validate=validate.Length(max=200))
    hours = fields.String(load_default="", validate=validate.Length(max=100))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    grid_ids = fields.List(fields.Integer(strict=False), load_default=list, validate=validate.Length(max=200))
    active = fields.Boolean(load_default=True)


class RoomPatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=100))
    address = fields.String(validate=validate.Length(max=200))
    hours = fields.String(validate=validate.Length(max=100))
    phone = fields.String(validate=validate.Length(max=20))
    grid_ids = fields.List(fields.Integer(strict=False), validate=validate.Length(max=200))
    active = fields.Boolean()


class MediatorIn(Strict):
    person_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    name = fields.String(load_default="", validate=validate.Length(max=50))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    background = fields.String(load_default="other", validate=validate.OneOf(BACKGROUNDS))
    specialities = fields.List(fields.String(validate=validate.OneOf(DISPUTE_TYPES)), load_default=list)
    room_ids = fields.List(fields.Integer(strict=False), load_default=list, validate=validate.Length(max=50))
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    active = fields.Boolean(load_default=True)


class MediatorPatch(Strict):
    phone = fields.String(validate=validate.Length(max=20))
    background = fields.String(validate=validate.OneOf(BACKGROUNDS))
    specialities = fields.List(fields.String(validate=validate.OneOf(DISPUTE_TYPES)))
    room_ids = fields.List(fields.Integer(strict=False), validate=validate.Length(max=50))
    username = fields.String(allow_none=True, validate=validate.Length(max=64))
    active = fields.Boolean()


class PartyIn(Strict):
    role = fields.String(load_default="applicant", validate=validate.OneOf(PARTY_ROLES))
    person_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class CaseIn(Strict):
    room_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    grid_id = fields.Integer(required=True, strict=False)
    source = fields.String(load_default="walk_in", validate=validate.OneOf(("walk_in", "grid_worker", "meeting")))
    dispute_type = fields.String(required=True, validate=validate.OneOf(DISPUTE_TYPES))
    summary = fields.String(required=True, validate=validate.Length(min=2, max=5000))
    amount = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=False,
                            validate=validate.Range(min=0, max=10**11))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    parties = fields.List(fields.Nested(PartyIn), required=True, validate=validate.Length(min=1, max=30))


class StepIn(Strict):
    """One body for every step; each step reads the fields it needs (services.STEPS)."""

    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    mediator_ids = fields.List(fields.Integer(strict=False), load_default=list, validate=validate.Length(max=10))
    held_on = fields.Date(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=200))
    attendees = fields.String(load_default="", validate=validate.Length(max=500))
    notes = fields.String(load_default="", validate=validate.Length(max=10000))
    next_step = fields.String(load_default="", validate=validate.Length(max=500))
    terms = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))
    signed_party_ids = fields.List(fields.Integer(strict=False), load_default=list, validate=validate.Length(max=30))
    signed_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    referral_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REFERRAL_KINDS))
    referral_body = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    referral_date = fields.Date(load_default=None, allow_none=True)


class FollowUpIn(Strict):
    holds = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    then = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("reopen", "refer")))
    referral_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REFERRAL_KINDS))
    referral_body = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    referral_date = fields.Date(load_default=None, allow_none=True)


class MeetingIn(Strict):
    grid_id = fields.Integer(required=True, strict=False)
    held_on = fields.Date(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=200))
    host = fields.String(load_default="", validate=validate.Length(max=50))
    attendees = fields.String(load_default="", validate=validate.Length(max=1000))
    attendee_count = fields.Integer(load_default=0, strict=False, validate=validate.Range(min=0, max=10000))
    topics = fields.List(fields.Nested(lambda: TopicIn()), load_default=list, validate=validate.Length(max=100))


class TopicIn(Strict):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    raised_by = fields.String(load_default="", validate=validate.Length(max=50))
    decision = fields.String(load_default="", validate=validate.Length(max=1000))
    owner = fields.String(load_default="", validate=validate.Length(max=50))


class TopicPatch(Strict):
    decision = fields.String(validate=validate.Length(max=1000))
    owner = fields.String(validate=validate.Length(max=50))
    state = fields.String(validate=validate.OneOf(("open", "solved", "dropped")))


class TopicCaseIn(Strict):
    """A topic becomes a case: the case's fields, its grid and source taken from the meeting."""

    room_id = fields.Integer(load_default=None, allow_none=True, strict=False)
    dispute_type = fields.String(required=True, validate=validate.OneOf(DISPUTE_TYPES))
    summary = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=2, max=5000))
    amount = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=False,
                            validate=validate.Range(min=0, max=10**11))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    parties = fields.List(fields.Nested(PartyIn), required=True, validate=validate.Length(min=1, max=30))


class TopicIncidentIn(Strict):
    category_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


# --- out --------------------------------------------------------------------------------------


class RoomOut(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    hours = fields.String()
    phone = fields.String()
    active = fields.Boolean()
    grid_ids = fields.Function(lambda r: [g.grid_id for g in r.grids])


class MediatorOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer(allow_none=True)
    outsider = fields.Boolean()
    name = fields.String()
    background = fields.String()
    specialities = fields.List(fields.String())
    room_ids = fields.List(fields.Integer())
    user_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class CaseBriefOut(Schema):
    """What a list shows: no parties, no free text beyond the summary's first words."""

    id = fields.Integer()
    number = fields.String()
    room_id = fields.Integer()
    grid_id = fields.Integer()
    source = fields.String()
    dispute_type = fields.String()
    urgency = fields.String()
    state = fields.String()
    outcome = fields.String(allow_none=True)
    taken_in_at = LocalDateTime()
    concluded_at = LocalDateTime(allow_none=True)
    incident_id = fields.Integer(allow_none=True)
