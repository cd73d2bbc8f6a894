"""Input schemas of the assessment module: allow-lists (unknown fields are refused, ``id`` and
``tenant_id`` are never loadable). Points are in tenths at most (0.5 分 is common on paper)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from core.toolkit import N_
from core.toolkit import gettext as _


METRIC_KEY = validate.Regexp(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", error=N_("须为 模块.指标"))


def _tenths(value: float) -> None:
    if round(value * 10) != value * 10:
        raise ValidationError(_("分值最多保留一位小数"))


class Strict(Schema):
    class Meta:
        unknown = RAISE


class QuarterIn(Strict):
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-Q[1-4]$", error=N_("须为 2026-Q3 这样的季度")))


class RuleFields(Strict):
    item = fields.String(validate=validate.Length(min=1, max=50))
    title = fields.String(validate=validate.Length(min=1, max=200))
    max_points = fields.Float(validate=[validate.Range(min=0.5, max=100), _tenths])
    method = fields.String(validate=validate.Length(max=500))
    metric_key = fields.String(allow_none=True, validate=METRIC_KEY)
    target = fields.Float(allow_none=True, validate=validate.Range(min=0, min_inclusive=False, max=1_000_000))
    active = fields.Boolean()


class ChecklistRuleIn(RuleFields):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$",
                                                                 error=N_("须为小写字母、数字和下划线 (a-z, 0-9, _)")))
    item = fields.String(required=True, validate=validate.Length(min=1, max=50))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    max_points = fields.Float(required=True, validate=[validate.Range(min=0.5, max=100), _tenths])


class TemplateRule(ChecklistRuleIn):
    """One rule as the county publishes it (the ``assessment.checklist`` template kind)."""


class DeductionIn(Strict):
    grid_id = fields.Integer(required=True, strict=True)
    rule_id = fields.Integer(required=True, strict=True)
    points = fields.Float(required=True, validate=[validate.Range(min=0.1, max=100), _tenths])
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    evidence = fields.String(load_default="", validate=validate.Length(max=500))
    inspected_on = fields.Date(load_default=None)

    @validates("reason")
    def not_blank(self, value, **kwargs):
        if not value.strip():
            raise ValidationError(_("请写明扣分原因"))


class DeductionWithdrawIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
