"""JSON API of schemes, rules and the announcement mapping, under
``/api/v1/t/<tenant>/points_bank``. Views load → check → call a service → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from core.toolkit import ApiError, Grid, db, doc, dump, load, requires
from plugins.points_bank import schemes as svc
from plugins.points_bank import shapes
from plugins.points_bank.models import RuleMapping, Scheme
from plugins.points_bank.permissions import MANAGE, VIEW
from plugins.points_bank.schemas import (MappingIn, MappingOut, RuleIn, RuleOut, RulePatch, SchemeDetailOut, SchemeIn,
                                         SchemeOut, SchemePatch)
from plugins.points_bank.web import payload
from core.toolkit import gettext as _

bp = Blueprint("points_bank", __name__, url_prefix="/api/v1/t/<tenant>/points_bank")


@bp.get("/schemes")
@requires(VIEW)
@doc("Scoring schemes", response_schema=SchemeOut, many=True, tags=["points_bank"])
def list_schemes():
    return dump(SchemeOut, db.session.scalars(select(Scheme).order_by(Scheme.id)).all(), many=True)


@bp.post("/schemes")
@requires(MANAGE)
@doc("Create a scheme", request_schema=SchemeIn, response_schema=SchemeOut, tags=["points_bank"], status=201)
def create_scheme():
    data = load(SchemeIn, payload())
    if data.get("grid_id") is not None and db.session.get(Grid, data["grid_id"]) is None:
        raise ApiError(422, "validation_error", _("网格不存在"), {"grid_id": [_("不存在")]})
    row = svc.create_scheme(g.tenant, data)
    out = dump(SchemeOut, row, status=201)
    db.session.commit()
    return out


@bp.get("/schemes/<int:scheme_id>")
@requires(VIEW)
@doc("A scheme with its current rules", response_schema=SchemeDetailOut, tags=["points_bank"])
def show_scheme(scheme_id: int):
    return dump(SchemeDetailOut, svc.get_scheme(scheme_id))


@bp.patch("/schemes/<int:scheme_id>")
@requires(MANAGE)
@doc("Change a scheme (name, base score, active)", request_schema=SchemePatch, response_schema=SchemeOut,
     tags=["points_bank"])
def update_scheme(scheme_id: int):
    row = svc.update_scheme(g.tenant, svc.get_scheme(scheme_id), load(SchemePatch, payload()))
    out = dump(SchemeOut, row)
    db.session.commit()
    return out


@bp.get("/schemes/<int:scheme_id>/rules")
@requires(VIEW)
@doc("Every version of a scheme's rules (history included)", response_schema=RuleOut, many=True, tags=["points_bank"])
def rule_history(scheme_id: int):
    from plugins.points_bank.models import Rule

    scheme = svc.get_scheme(scheme_id)
    rows = db.session.scalars(select(Rule).where(Rule.scheme_id == scheme.id).order_by(Rule.key, Rule.version)).all()
    return dump(RuleOut, rows, many=True)


@bp.post("/schemes/<int:scheme_id>/rules")
@requires(MANAGE)
@doc("Add a rule to a scheme", request_schema=RuleIn, response_schema=RuleOut, tags=["points_bank"], status=201)
def add_rule(scheme_id: int):
    scheme = svc.get_scheme(scheme_id)
    row = svc.add_rule(g.tenant, scheme, load(RuleIn, payload()))
    out = dump(RuleOut, row, status=201)
    db.session.commit()
    return out


@bp.patch("/rules/<int:rule_id>")
@requires(MANAGE)
@doc("Edit a rule: a new version; past entries keep theirs", request_schema=RulePatch, response_schema=RuleOut,
     tags=["points_bank"])
def edit_rule(rule_id: int):
    row = svc.edit_rule(g.tenant, svc.get_rule(rule_id), load(RulePatch, payload()))
    out = dump(RuleOut, row)
    db.session.commit()
    return out


@bp.post("/rules/<int:rule_id>/retire")
@requires(MANAGE)
@doc("Retire a rule", response_schema=RuleOut, tags=["points_bank"])
def retire_rule(rule_id: int):
    row = svc.retire_rule(g.tenant, svc.get_rule(rule_id))
    out = dump(RuleOut, row)
    db.session.commit()
    return out


@bp.get("/mappings")
@requires(VIEW)
@doc("Announcement kinds mapped to rules", response_schema=MappingOut, many=True, tags=["points_bank"])
def list_mappings():
    return dump(MappingOut, db.session.scalars(select(RuleMapping).order_by(RuleMapping.id)).all(), many=True)


@bp.put("/mappings")
@requires(MANAGE)
@doc("Map an announcement kind to a scheme's rule (by the rule's key)", request_schema=MappingIn,
     response_schema=MappingOut, tags=["points_bank"])
def put_mapping():
    data = load(MappingIn, payload())
    scheme = db.session.get(Scheme, data["scheme_id"])
    if scheme is None:
        raise ApiError(422, "validation_error", _("积分方案不存在"), {"scheme_id": [_("不存在")]})
    if svc.current_rule(scheme, data["rule_key"]) is None:
        raise ApiError(422, "rule_not_in_scheme", _("该方案没有这条细则"),
                       {"rule_key": [_("不存在")]})
    row = svc.set_mapping(g.tenant, scheme, data["kind"], data["rule_key"], data["active"])
    out = dump(MappingOut, row)
    db.session.commit()
    return out


@bp.get("/check")
@requires(MANAGE)
@doc("Recompute every balance from the ledger", tags=["points_bank"], response_schema=shapes.CHECK)
def check():
    from plugins.points_bank.reconcile import check as run_check

    problems = run_check()
    return jsonify({"ok": not problems, "problems": problems})
