"""Request schemas (allow-lists: ``id`` and ``tenant_id`` are never loadable)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.five_star.models import CRITERION_KINDS, EVIDENCE_KINDS

_text = lambda n, **kw: fields.String(validate=validate.Length(min=1, max=n), **kw)  # noqa: E731


class ActionIn(Schema):
    task_id = fields.Integer(required=True, strict=True)
    action = _text(2000, required=True)
    owner = _text(64, required=True)
    start_on = fields.Date(load_default=None)
    due_on = fields.Date(load_default=None)


class PlanIn(Schema):
    org_id = fields.Integer(required=True, strict=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    star_codes = fields.List(fields.String(validate=validate.Length(max=32)), required=True, validate=validate.Length(max=10))
    actions = fields.List(fields.Nested(ActionIn), load_default=list, validate=validate.Length(max=200))


class CommentIn(Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class RemindIn(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    org_ids = fields.List(fields.Integer(strict=True), load_default=None, validate=validate.Length(max=500))


class CriterionIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CRITERION_KINDS))
    title = _text(200, required=True)
    max_score = fields.Float(required=True, validate=validate.Range(min=0, max=100, min_inclusive=False))
    metric_key = fields.String(load_default=None, validate=validate.Length(max=64))
    threshold = fields.Float(load_default=None)
    items = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)


class CriterionPatch(Schema):
    kind = fields.String(validate=validate.OneOf(CRITERION_KINDS))
    title = _text(200)
    max_score = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False))
    metric_key = fields.String(allow_none=True, validate=validate.Length(max=64))
    threshold = fields.Float(allow_none=True)
    items = fields.List(fields.String(validate=validate.Length(min=1, max=200)))


class TaskIn(Schema):
    code = _text(32, required=True)
    title = _text(200, required=True)
    criteria = fields.List(fields.Nested(CriterionIn), required=True, validate=validate.Length(min=1, max=20))


class EvidenceIn(Schema):
    org_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    title = _text(200, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class AssessmentIn(Schema):
    org_id = fields.Integer(required=True, strict=True)
    star_code = _text(32, required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))


class StepIn(Schema):
    scores = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class WithdrawIn(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    redo_task_ids = fields.List(fields.Integer(strict=True), load_default=list, validate=validate.Length(max=50))


class RatingItem(Schema):
    star_code = _text(32, required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class ScoreIn(Schema):
    month = fields.String(required=True)
    household_id = fields.Integer(required=True, strict=True)
    ratings = fields.List(fields.Nested(RatingItem), required=True, validate=validate.Length(min=1, max=20))


class ConfirmIn(Schema):
    month = fields.String(required=True)
    rating_ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=2000))


class MonthIn(Schema):
    month = fields.String(required=True)


class HouseholdStarPatch(Schema):
    name = _text(50)
    category = fields.String(validate=validate.Length(max=64))
    description = fields.String(validate=validate.Length(max=500))
    max_score = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False))
    pass_score = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False))
    sort = fields.Integer(strict=True, validate=validate.Range(min=0, max=1000))


class HouseholdStarIn(HouseholdStarPatch):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    code = fields.String(validate=validate.Length(min=1, max=32))
    name = _text(50, required=True)
    pass_score = fields.Float(required=True, validate=validate.Range(min=0, max=100, min_inclusive=False))
