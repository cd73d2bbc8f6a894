"""Allow-list schemas of the points bank API (``id`` and ``tenant_id`` are never loadable).

Times are accepted in the township's time (Beijing by default: a naive ISO time is local, one with
an offset is taken as given) and answered in ISO 8601 with the local offset (``+08:00``).
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.toolkit import LocalDateTime
from plugins.points_bank.models import SCHEME_KINDS
from core.toolkit import gettext as _
from core.toolkit import N_

KIND_CHOICES = ("incidents.report_resolved", "volunteer.service_completed", "mediation.agreement")


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _nonzero(value: int) -> None:
    if value == 0:
        raise ValidationError(_("分值不能为 0"))


class SchemeIn(Strict):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(SCHEME_KINDS))
    grid_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    base_score = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=10000))
    description = fields.String(load_default="", validate=validate.Length(max=500))


class SchemePatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=100))
    base_score = fields.Integer(strict=True, validate=validate.Range(min=0, max=10000))
    description = fields.String(validate=validate.Length(max=500))
    active = fields.Boolean()


class RulePatch(Strict):
    category = fields.String(validate=validate.Length(min=1, max=50))
    name = fields.String(validate=validate.Length(min=1, max=200))
    points = fields.Integer(strict=True, validate=[validate.Range(min=-1000, max=1000), _nonzero])
    cap_per_period = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=100000))
    needs_review = fields.Boolean()
    evidence = fields.String(validate=validate.Length(max=200))
    photo_required = fields.Boolean()
    sort = fields.Integer(strict=True, validate=validate.Range(min=0, max=10000))


class RuleIn(RulePatch):
    key = fields.String(load_default=None, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$"))
    category = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    points = fields.Integer(required=True, strict=True, validate=[validate.Range(min=-1000, max=1000), _nonzero])
    needs_review = fields.Boolean(load_default=True)
    photo_required = fields.Boolean(load_default=False)


class MemberFields(Strict):
    household_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    person_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    grid_id = fields.Integer(load_default=None, allow_none=True, strict=True)


class EntryIn(MemberFields):
    scheme_id = fields.Integer(required=True, strict=True)
    rule_id = fields.Integer(required=True, strict=True)
    occurred_at = LocalDateTime(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))
    evidence = fields.String(load_default="", validate=validate.Length(max=500))


class BatchIn(Strict):
    """One rule for many members at once (村民大会集中记分)."""

    scheme_id = fields.Integer(required=True, strict=True)
    rule_id = fields.Integer(required=True, strict=True)
    members = fields.List(fields.Nested(MemberFields), required=True, validate=validate.Length(min=1, max=500))
    occurred_at = LocalDateTime(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))
    evidence = fields.String(load_default="", validate=validate.Length(max=500))


class ReviewIn(Strict):
    ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=1000))
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class NoteIn(Strict):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ItemPatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=100))
    kind = fields.String(validate=validate.OneOf(("goods", "service")))
    unit = fields.String(validate=validate.Length(min=1, max=10))
    price = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))
    min_tier = fields.String(allow_none=True, validate=validate.Length(max=16))
    active = fields.Boolean()
    sort = fields.Integer(strict=True, validate=validate.Range(min=0, max=10000))


class ItemIn(ItemPatch):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    price = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    stock = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1_000_000))


class RedeemIn(Strict):
    account_id = fields.Integer(required=True, strict=True)
    item_id = fields.Integer(required=True, strict=True)
    quantity = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=1000,
                              error=N_("数量须为 1 到 1000 的整数")))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class RestockIn(Strict):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class StocktakeIn(Strict):
    counted = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    expected = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class PublishIn(Strict):
    days = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=60))


class ObjectionIn(Strict):
    txn_id = fields.Integer(required=True, strict=True)
    by_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class ResolveIn(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(("upheld", "dismissed")))
    resolution = fields.String(required=True, validate=validate.Length(min=2, max=500))


class MappingIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(KIND_CHOICES))
    scheme_id = fields.Integer(required=True, strict=True)
    rule_key = fields.String(required=True, validate=validate.Length(min=1, max=32))
    active = fields.Boolean(load_default=True)


# --- out -------------------------------------------------------------------------------------


class RuleOut(Schema):
    id, scheme_id, key, version = fields.Integer(), fields.Integer(), fields.String(), fields.Integer()
    category, name, points = fields.String(), fields.String(), fields.Integer()
    cap_per_period = fields.Integer(allow_none=True)
    needs_review, evidence, sort = fields.Boolean(), fields.String(), fields.Integer()
    photo_required = fields.Boolean()
    current, retired = fields.Boolean(), fields.Boolean()


class SchemeOut(Schema):
    id, code, name, kind = fields.Integer(), fields.String(), fields.String(), fields.String()
    grid_id = fields.Integer(allow_none=True)
    base_score, description, version, active = fields.Integer(), fields.String(), fields.Integer(), fields.Boolean()


class SchemeDetailOut(SchemeOut):
    rules = fields.List(fields.Nested(RuleOut))


class AccountOut(Schema):
    id, scheme_id, kind, number, name = fields.Integer(), fields.Integer(), fields.String(), fields.String(), fields.String()
    household_id = fields.Integer(allow_none=True)
    person_id = fields.Integer(allow_none=True)
    grid_id = fields.Integer(allow_none=True)
    balance = fields.Integer()


class EntryOut(Schema):
    id, account_id, amount = fields.Integer(), fields.Integer(), fields.Integer()


class PhotoOut(Schema):
    id, content_type, size = fields.Integer(), fields.String(), fields.Integer()


class TxnOut(Schema):
    id, scheme_id, account_id, kind, state = (fields.Integer(), fields.Integer(), fields.Integer(), fields.String(),
                                              fields.String())
    rule_id = fields.Integer(allow_none=True)
    rule = fields.Function(lambda t: None if t.rule is None else {"key": t.rule.key, "version": t.rule.version,
                                                                   "name": t.rule.name, "category": t.rule.category})
    points, period_id = fields.Integer(), fields.Integer()
    period = fields.Function(lambda t: t.period.key)
    occurred_at = LocalDateTime()
    note, evidence, source = fields.String(), fields.String(), fields.String()
    source_ref = fields.String(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    recorded_by_name = fields.String()
    reviewed_by_name = fields.String(allow_none=True)
    reviewed_at = LocalDateTime(allow_none=True)
    review_note = fields.String(allow_none=True)
    entries = fields.List(fields.Nested(EntryOut))
    photos = fields.List(fields.Nested(PhotoOut))


class ItemOut(Schema):
    id, name, kind, unit, price, stock = (fields.Integer(), fields.String(), fields.String(), fields.String(),
                                          fields.Integer(), fields.Integer())
    min_tier = fields.String(allow_none=True)
    active, sort = fields.Boolean(), fields.Integer()


class RedemptionOut(Schema):
    id, txn_id, account_id, item_id, quantity = (fields.Integer(), fields.Integer(), fields.Integer(), fields.Integer(),
                                                 fields.Integer())
    unit_price, discount_percent, points = fields.Integer(), fields.Integer(), fields.Integer()
    handed_over_by_name, returned, created_at = fields.String(), fields.Boolean(), LocalDateTime()
    item = fields.Function(lambda r: r.item.name)
    balance_after = fields.Function(lambda r: r.account.balance)


class StockMoveOut(Schema):
    id, item_id, kind, delta, stock_after = (fields.Integer(), fields.Integer(), fields.String(), fields.Integer(),
                                             fields.Integer())
    note, by_name, created_at = fields.String(), fields.String(), LocalDateTime()


class PeriodOut(Schema):
    id, key, state = fields.Integer(), fields.String(), fields.String()
    starts_at, ends_at = LocalDateTime(), LocalDateTime()
    published_at = LocalDateTime(allow_none=True)
    publish_until = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)


class ObjectionOut(Schema):
    id, txn_id, period_id, by_name, reason, state = (fields.Integer(), fields.Integer(), fields.Integer(),
                                                     fields.String(), fields.String(), fields.String())
    resolution = fields.String(allow_none=True)
    resolved_by_name = fields.String(allow_none=True)
    resolved_at = LocalDateTime(allow_none=True)
    reversal_txn_id = fields.Integer(allow_none=True)
    created_at = LocalDateTime()


class MappingOut(Schema):
    id, kind, scheme_id, rule_key, active = (fields.Integer(), fields.String(), fields.Integer(), fields.String(),
                                             fields.Boolean())


def validate_member(data: dict) -> None:
    if not any(data.get(k) for k in ("household_id", "person_id", "grid_id")):
        raise ValidationError({"household_id": [_("请指定农户、人员或网格")]})

