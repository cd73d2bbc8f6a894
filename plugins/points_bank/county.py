"""County templates of scoring schemes (县级积分方案模板), ready for core's template kinds.

A county publishes the rules of each default scheme (农户十星积分, 网格员履职积分, 党组织星级积分,
党员先锋积分) as a template; a township adopting it gets them as its own versioned rules:
a rule whose values changed becomes a new version (past entries keep theirs), a new key is
added, a key the county dropped is retired. :func:`template_kinds` gives one kind per scheme:
``points_bank.<scheme code>_rules`` with ``apply``/``read``/``defaults`` over the rules, keyed
by the rule's ``key``; the county may lock ``points`` and ``cap_per_period``.
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from core.toolkit import db
from plugins.points_bank import schemes as svc
from plugins.points_bank.models import Rule, Scheme

LOCKABLE = ("points", "cap_per_period")


class RuleItem(Schema):
    """One rule of a county template (an allow-list)."""

    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$"))
    category = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    points = fields.Integer(required=True, strict=True, validate=validate.Range(min=-1000, max=1000))
    cap_per_period = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))
    needs_review = fields.Boolean(load_default=True)
    evidence = fields.String(load_default="", validate=validate.Length(max=200))


def _scheme(code: str) -> Scheme | None:
    return db.session.scalar(select(Scheme).where(Scheme.code == code))


def read(code: str):
    def read_rules(tenant) -> list[dict]:
        """The township's current rules of scheme ``code`` (its own additions included)."""
        scheme = _scheme(code)
        if scheme is None:
            return []
        rows = db.session.scalars(select(Rule).where(Rule.scheme_id == scheme.id, Rule.current.is_(True),
                                                     Rule.retired.is_(False)).order_by(Rule.sort, Rule.id))
        return [{"key": r.key, "category": r.category, "name": r.name, "points": r.points,
                 "cap_per_period": r.cap_per_period, "needs_review": r.needs_review, "evidence": r.evidence} for r in rows]

    return read_rules


def apply(code: str):
    def apply_rules(tenant, items: list[dict], removed) -> None:
        """Write the adopted rules into scheme ``code`` as new versions; retire ``removed`` keys."""
        svc.seed_defaults(tenant)
        scheme = _scheme(code)
        svc.import_rules(tenant, scheme, [dict(i) for i in items])
        for key in removed or ():
            rule = svc.current_rule(scheme, key)
            if rule is not None:
                svc.retire_rule(tenant, rule)
        db.session.flush()

    return apply_rules


def defaults(code: str):
    def default_rules() -> list[dict]:
        for scheme_code, _, _, _, rules in svc.DEFAULT_SCHEMES:
            if scheme_code == code:
                return [{"key": k, "category": c, "name": n, "points": p, "cap_per_period": cap, "needs_review": r,
                         "evidence": e} for k, c, n, p, cap, r, e in rules]
        return []

    return default_rules


def template_kinds(kind_type) -> list:
    """One template kind per default scheme, built with core's ``TemplateKind`` type."""
    labels = {"household": ("农户积分细则", "Household scoring rules"),
              "grid_worker": ("网格员积分细则", "Grid worker scoring rules"),
              "party_org": ("党组织积分细则", "Party organisation scoring rules"),
              "party_member": ("党员积分细则", "Party member scoring rules")}
    return [kind_type(name=f"points_bank.{code}_rules", label_zh=zh, label_en=en, item_schema=RuleItem, key_field="key",
                      apply=apply(code), read=read(code), lockable=LOCKABLE, defaults=defaults(code))
            for code, (zh, en) in labels.items()]
