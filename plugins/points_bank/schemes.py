"""Scoring schemes and their rules (积分规则与细则): create, version, retire, seed defaults.

A rule edit never rewrites a past entry: :func:`edit_rule` marks the current version
``current = False`` and adds version + 1 under the same ``key``; transactions keep pointing at
the version they were recorded under. The scheme's ``version`` counts its edits.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from core.toolkit import ApiError, audit, db
from plugins.points_bank.models import Rule, RuleMapping, Scheme
from core.toolkit import gettext as _

RULE_FIELDS = ("category", "name", "points", "cap_per_period", "needs_review", "evidence", "photo_required", "sort")

# code, name, kind, base score, rules: (key, category, name, points, cap per month, needs review, evidence)
DEFAULT_SCHEMES = [
    ("household", "农户十星积分", "household", 0, [
        ("party_activity", "爱党爱国星", "参加主题党日、升旗等活动", 5, 20, True, "签到表或照片"),
        ("policy_study", "政策明白星", "参加政策宣讲、村民会议", 3, 12, True, "签到表"),
        ("public_good", "热心公益星", "参加志愿服务（每次）", 5, 30, False, "志愿服务记录"),
        ("report_confirmed", "热心公益星", "随手拍上报问题经核实", 2, 20, False, "事件编号"),
        ("filial", "孝老爱亲星", "孝敬老人、家庭和睦（经评议）", 10, 10, True, "村民评议记录"),
        ("eco", "生态环保星", "垃圾分类、庭院整洁达标", 5, 10, True, "检查照片"),
        ("health", "卫生健康星", "参加健康体检、卫生大扫除", 3, 9, True, "照片"),
        ("mediation_ok", "遵纪守法星", "邻里纠纷经调解达成协议", 3, 6, False, "调解协议编号"),
        ("dispute", "遵纪守法星", "违反村规民约（扣分）", -10, None, True, "村委会认定记录"),
        ("litter", "生态环保星", "乱堆乱放、乱倒垃圾（扣分）", -5, None, True, "照片"),
    ]),
    ("grid_worker", "网格员履职积分", "grid_worker", 100, [
        ("visit", "走访排查", "入户走访并录入民情", 1, 30, False, "走访记录"),
        ("incident", "事件上报", "上报事件并办结", 2, 40, False, "事件编号"),
        ("late", "工作纪律", "事件超期未处置（扣分）", -5, None, True, "超期清单"),
    ]),
    ("party_org", "党组织星级积分", "party_org", 100, [
        ("meeting", "组织生活", "按时召开“三会一课”", 5, 10, True, "会议记录"),
        ("service", "服务群众", "开展为民服务活动", 5, 20, True, "活动照片"),
        ("missed", "组织生活", "未按时召开组织生活会（扣分）", -10, None, True, "检查记录"),
    ]),
    ("party_member", "党员先锋积分", "party_member", 60, [
        ("study", "学习教育", "参加集中学习", 2, 8, True, "签到表"),
        ("volunteer", "志愿服务", "参加志愿服务（每次）", 3, 15, False, "志愿服务记录"),
        ("absent", "组织纪律", "无故缺席组织生活（扣分）", -5, None, True, "考勤记录"),
    ]),
]
DEFAULT_MAPPINGS = [("incidents.report_resolved", "household", "report_confirmed"),
                    ("volunteer.service_completed", "household", "public_good"),
                    ("mediation.agreement", "household", "mediation_ok")]


def get_scheme(scheme_id: int) -> Scheme:
    row = db.session.get(Scheme, scheme_id)
    if row is None:
        raise ApiError(404, "not_found", _("积分方案不存在"))
    return row


def get_rule(rule_id: int) -> Rule:
    row = db.session.get(Rule, rule_id)
    if row is None:
        raise ApiError(404, "not_found", _("积分细则不存在"))
    return row


def current_rule(scheme: Scheme, key: str) -> Rule | None:
    return db.session.scalar(select(Rule).where(Rule.scheme_id == scheme.id, Rule.key == key, Rule.current.is_(True),
                                                Rule.retired.is_(False)))


def create_scheme(tenant, data: dict) -> Scheme:
    if db.session.scalar(select(Scheme.id).where(Scheme.code == data["code"])) is not None:
        raise ApiError(409, "duplicate", _("方案编码已存在"), {"code": [_("已存在")]})
    row = Scheme(**{k: data[k] for k in ("code", "name", "kind", "grid_id", "base_score", "description") if k in data})
    db.session.add(row)
    db.session.flush()
    audit("points_bank.scheme_create", row, after={"code": row.code, "kind": row.kind})
    return row


def update_scheme(tenant, scheme: Scheme, data: dict) -> Scheme:
    before = {k: getattr(scheme, k) for k in data}
    for k, v in data.items():
        setattr(scheme, k, v)
    scheme.version += 1
    db.session.flush()
    audit("points_bank.scheme_update", scheme, before=before, after=data)
    return scheme


def _new_key(scheme: Scheme, name: str) -> str:
    n = db.session.scalar(select(func.count(func.distinct(Rule.key))).where(Rule.scheme_id == scheme.id)) or 0
    return f"r{n + 1}"


def add_rule(tenant, scheme: Scheme, data: dict) -> Rule:
    """Add a rule (its first version). ``key`` defaults to the next ``r<n>``."""
    key = data.get("key") or _new_key(scheme, data["name"])
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", key):
        raise ApiError(422, "validation_error", _("细则编码有误"), {"key": [_("小写字母开头的字母数字")]})
    if db.session.scalar(select(Rule.id).where(Rule.scheme_id == scheme.id, Rule.key == key)) is not None:
        raise ApiError(409, "duplicate", _("细则编码已存在"), {"key": [_("已存在")]})
    rule = Rule(scheme_id=scheme.id, key=key, version=1, current=True,
                **{k: data[k] for k in RULE_FIELDS if k in data})
    db.session.add(rule)
    scheme.version += 1
    db.session.flush()
    audit("points_bank.rule_add", rule, after={k: getattr(rule, k) for k in ("key", "name", "points")})
    return rule


def edit_rule(tenant, rule: Rule, data: dict) -> Rule:
    """A new version of ``rule`` with ``data`` changed; the old version stays for past entries."""
    if not rule.current or rule.retired:
        raise ApiError(409, "not_current", _("只能修改当前版本的细则"), {"id": [_("旧版本")]})
    values = {k: getattr(rule, k) for k in RULE_FIELDS}
    values.update({k: v for k, v in data.items() if k in RULE_FIELDS})
    rule.current = False
    db.session.flush()
    new = Rule(scheme_id=rule.scheme_id, key=rule.key, version=rule.version + 1, current=True, **values)
    db.session.add(new)
    db.session.get(Scheme, rule.scheme_id).version += 1
    db.session.flush()
    audit("points_bank.rule_edit", new, before={k: getattr(rule, k) for k in data if k in RULE_FIELDS},
          after={k: v for k, v in data.items() if k in RULE_FIELDS})
    return new


def retire_rule(tenant, rule: Rule) -> Rule:
    if not rule.current or rule.retired:
        raise ApiError(409, "not_current", _("只能停用当前版本的细则"))
    rule.retired = True
    db.session.get(Scheme, rule.scheme_id).version += 1
    db.session.flush()
    audit("points_bank.rule_retire", rule)
    return rule


def seed_defaults(tenant) -> None:
    """The default schemes and announcement mappings, once (idempotent by code)."""
    for code, name, kind, base, rules in DEFAULT_SCHEMES:
        if db.session.scalar(select(Scheme.id).where(Scheme.code == code)) is not None:
            continue
        scheme = Scheme(code=code, name=name, kind=kind, base_score=base, version=1)
        db.session.add(scheme)
        db.session.flush()
        for sort, (key, category, rule_name, points, cap, review, evidence) in enumerate(rules):
            db.session.add(Rule(scheme_id=scheme.id, key=key, version=1, category=category, name=rule_name,
                                points=points, cap_per_period=cap, needs_review=review, evidence=evidence,
                                sort=sort, current=True))
    db.session.flush()
    for kind, code, key in DEFAULT_MAPPINGS:
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == code))
        exists = db.session.scalar(select(RuleMapping.id).where(RuleMapping.kind == kind))
        if scheme is not None and exists is None:
            db.session.add(RuleMapping(kind=kind, scheme_id=scheme.id, rule_key=key, active=True))
    db.session.flush()


def set_mapping(tenant, scheme: Scheme, kind: str, rule_key: str, active: bool = True) -> RuleMapping:
    """Map announcement ``kind`` in ``scheme`` to the rule with ``rule_key`` (its current version
    is used when the announcement comes)."""
    row = db.session.scalar(select(RuleMapping).where(RuleMapping.kind == kind, RuleMapping.scheme_id == scheme.id))
    if row is None:
        row = RuleMapping(kind=kind, scheme_id=scheme.id, rule_key=rule_key, active=active)
        db.session.add(row)
    else:
        row.rule_key, row.active = rule_key, active
    db.session.flush()
    audit("points_bank.mapping", row, after={"kind": kind, "scheme": scheme.code, "rule_key": rule_key, "active": active})
    return row


def import_rules(tenant, scheme: Scheme, rows: list[dict]) -> dict:
    """Apply imported rules: a row with a known key and other values makes a new version, an
    unknown or missing key adds a rule, an unchanged row does nothing. Returns the counts."""
    added = revised = same = 0
    for row in rows:
        current = current_rule(scheme, row["key"]) if row.get("key") else None
        if current is None:
            add_rule(tenant, scheme, row)
            added += 1
            continue
        changes = {k: v for k, v in row.items() if k in RULE_FIELDS and getattr(current, k) != v}
        if changes:
            edit_rule(tenant, current, changes)
            revised += 1
        else:
            same += 1
    return {"added": added, "revised": revised, "unchanged": same}
