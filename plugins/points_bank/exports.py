"""Downloads and the scheme import (.xlsx), under ``/api/v1/t/<tenant>/points_bank``: the
ledger (积分台账), rankings, redemptions, and a scheme's rules out and in."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, requires, utcnow, visible, period_bounds, bucket_key
from plugins.points_bank import rankings, sheets
from plugins.points_bank import schemes as svc
from plugins.points_bank.models import Account, Item, Redemption, Rule, Scheme, Txn
from core.toolkit import gettext as _

bp = Blueprint("points_bank_export", __name__, url_prefix="/api/v1/t/<tenant>/points_bank")
KINDS = {"base": "基础分", "award": "加分", "deduction": "扣分", "adjustment": "调整", "redemption": "兑换", "reversal": "冲正"}
STATES = {"pending": "待审核", "approved": "已入账", "rejected": "已驳回"}


@bp.get("/ledger.xlsx")
@requires("points_bank.view")
@doc("The ledger as .xlsx; ?period=2026-11 for one month", tags=["points_bank"],
     query={"period": "month"})
def ledger_xlsx():
    stmt = (select(Txn, Account).join(Account, Account.id == Txn.account_id)
            .where(visible(Account.grid_id, "points_bank.view")).order_by(Txn.id))
    key = request.args.get("period")
    if key:
        try:
            start, end = period_bounds(key)
        except (ValueError, IndexError):
            raise ApiError(422, "validation_error", _("期间须为 2026-11"), {"period": ["YYYY-MM"]})
        stmt = stmt.where(Txn.occurred_at >= start, Txn.occurred_at < end)
    rules = {r.id: r for r in db.session.scalars(select(Rule))}
    schemes = dict(db.session.execute(select(Scheme.id, Scheme.name)).all())

    def rows():
        for txn, acc in db.session.execute(stmt.execution_options(yield_per=1000)):
            rule = rules.get(txn.rule_id)
            yield [txn.id, txn.occurred_at, schemes.get(txn.scheme_id, ""), acc.number, acc.name,
                   KINDS.get(txn.kind, txn.kind), rule.category if rule else "", rule.name if rule else "",
                   rule.version if rule else "", txn.points, STATES.get(txn.state, txn.state), txn.note, txn.evidence,
                   txn.recorded_by_name, txn.reviewed_by_name or "", txn.reverses_id or ""]

    header = ["编号", "时间", "方案", "证号", "户主/姓名", "类型", "类别", "细则", "细则版本", "分值", "状态", "说明", "佐证",
              "记录人", "审核人", "冲正原记录"]
    return sheets.workbook(f"points-ledger-{g.tenant.slug}.xlsx", [("积分台账", header, rows())])


@bp.get("/rankings.xlsx")
@requires("points_bank.view")
@doc("A scheme's ranking as .xlsx (?scheme_id=&period=&grid_id=)", tags=["points_bank"],
     query={"scheme_id": "id"})
def rankings_xlsx():
    scheme = svc.get_scheme(request.args.get("scheme_id", type=int) or 0)
    bucket = request.args.get("period") or bucket_key("year", utcnow())
    grid_id = request.args.get("grid_id", type=int)
    roots = g.access.grids_for("points_bank.view")
    if roots is not None and grid_id not in roots:
        grid_id = next(iter(roots), None)
    rows = [[r["rank"], r["number"], r["name"], r["earned"], r["balance"]]
            for r in rankings.ranking(scheme.id, bucket, grid_id, 1000)]
    return sheets.workbook(f"points-ranking-{bucket}.xlsx",
                           [(f"{bucket}排名", ["名次", "证号", "户主/姓名", "获得积分", "余额"], rows)])


@bp.get("/redemptions.xlsx")
@requires("points_bank.view")
@doc("Redemptions as .xlsx", tags=["points_bank"])
def redemptions_xlsx():
    items = dict(db.session.execute(select(Item.id, Item.name)).all())
    stmt = (select(Redemption, Account).join(Account, Account.id == Redemption.account_id)
            .where(visible(Account.grid_id, "points_bank.view")).order_by(Redemption.id))
    rows = ([r.id, r.created_at, acc.number, acc.name, items.get(r.item_id, ""), r.quantity, r.unit_price,
             r.discount_percent, r.points, r.handed_over_by_name, "是" if r.returned else "否"]
            for r, acc in db.session.execute(stmt))
    header = ["凭证号", "时间", "证号", "户主/姓名", "商品", "数量", "单价", "优惠%", "积分", "经手人", "已退回"]
    return sheets.workbook(f"points-redemptions-{g.tenant.slug}.xlsx", [("兑换记录", header, rows)])


@bp.get("/schemes/<int:scheme_id>/rules.xlsx")
@requires("points_bank.view")
@doc("A scheme's current rules as .xlsx (the import layout)", tags=["points_bank"])
def scheme_xlsx(scheme_id: int):
    scheme = svc.get_scheme(scheme_id)
    rows = ([r.key, r.category, r.name, r.points, r.cap_per_period or "", "是" if r.needs_review else "否", r.evidence,
             "是" if r.photo_required else "否", r.version] for r in scheme.rules if not r.retired)
    return sheets.workbook(f"scheme-{scheme.code}.xlsx", [(scheme.name[:30], sheets.RULE_COLUMNS, rows)])


@bp.post("/schemes/<int:scheme_id>/rules.xlsx")
@requires("points_bank.manage")
@doc("Import rules from .xlsx (multipart ``file``): new keys are added, changed ones get a new version; "
     "any bad row refuses the whole sheet (422 naming the rows)", tags=["points_bank"])
def import_scheme(scheme_id: int):
    scheme = svc.get_scheme(scheme_id)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "validation_error", _("请上传 .xlsx 文件"), {"file": [_("必填")]})
    result = svc.import_rules(g.tenant, scheme, sheets.read_rules(upload.stream))
    db.session.commit()
    return jsonify(result)
