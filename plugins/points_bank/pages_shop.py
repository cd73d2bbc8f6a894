"""Supermarket pages (积分超市柜台): the counter, the printable receipt, goods and stock."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import ApiError, db, form_errors, gettext as _, module_settings, requires, typed, visible
from plugins.points_bank import supermarket as shop
from plugins.points_bank.models import Account, Item, Scheme, StockMove
from plugins.points_bank.pages import _int, form_values, refused
from plugins.points_bank.permissions import MANAGE, REDEEM, VIEW, require_account
from plugins.points_bank.schemas import ItemIn, RestockIn, StocktakeIn

bp = Blueprint("points_bank_counter", __name__, url_prefix="/t/<tenant>/points_bank/shop", template_folder="templates")


def _items(active_only: bool = False):
    stmt = select(Item).order_by(Item.sort, Item.id)
    if active_only:
        stmt = stmt.where(Item.active.is_(True))
    return db.session.scalars(stmt).all()


def _find_account(q: str):
    """A member account by its number, or by name when one account matches."""
    if not q:
        return None, []
    stmt = select(Account).where(Account.kind == "member", visible(Account.grid_id, REDEEM))
    exact = db.session.scalar(stmt.where(Account.number == q))
    if exact is not None:
        return exact, []
    matches = db.session.scalars(stmt.where(Account.name.contains(q, autoescape=True)).limit(20)).all()
    return (matches[0], []) if len(matches) == 1 else (None, matches)


def _counter_context(q: str, values: dict) -> dict:
    account, matches = _find_account(q)
    tier = shop.tier_of(g.tenant, account) if account is not None else None
    return {"q": q, "account": account, "matches": matches, "tier": tier, "items": _items(True), "v": values,
            "prices": {i.id: shop.unit_price(i, tier) for i in _items(True)}, "window_open": shop.window_open(g.tenant),
            "scheme": db.session.get(Scheme, account.scheme_id) if account is not None else None}


@bp.route("/counter", methods=["GET", "POST"])
@requires(REDEEM)
def counter():
    """Find the member by passbook number or name, choose goods, hand them over, print the receipt."""
    if request.method == "GET":
        return render_template("points_bank/counter.html", fields={}, error=None,
                               **_counter_context((request.args.get("q") or "").strip(), {}))
    values = form_values()
    q = values.get("q", "")
    try:
        account = db.session.get(Account, _int(values, "account_id", 0) if str(values.get("account_id", "")).isdigit() else 0)
        if account is None:
            raise ApiError(422, "validation_error", _("请先查找账户"), {"account_id": [_("必填")]})
        require_account(account, REDEEM)
        item = db.session.get(Item, _int(values, "item_id", 0) if str(values.get("item_id", "")).isdigit() else 0)
        if item is None:
            raise ApiError(422, "validation_error", _("请选择商品"), {"item_id": [_("必填")]})
        quantity = _int(values, "quantity", 1)
        if not isinstance(quantity, int) or not 1 <= quantity <= 1000:
            raise ApiError(422, "validation_error", _("数量须为 1 到 1000 的整数"), {"quantity": [_("1 到 1000")]})
        row = shop.redeem(g.tenant, account, item, quantity, values.get("note", ""))
        db.session.commit()
    except ApiError as exc:
        return refused("points_bank/counter.html", exc, **_counter_context(q, values))
    flash(_("兑换成功"), "success")
    return redirect(url_for(".receipt", redemption_id=row.id))


@bp.get("/receipts/<int:redemption_id>")
@requires(VIEW)
def receipt(redemption_id: int):
    """The printable receipt (兑换凭证)."""
    row = shop.get_redemption(redemption_id)
    require_account(row.account, VIEW)
    return render_template("points_bank/receipt.html", r=row, scheme=db.session.get(Scheme, row.account.scheme_id))


@bp.get("/items")
@requires(VIEW)
def items():
    settings = module_settings(g.tenant, "points_bank")
    return render_template("points_bank/items.html", rows=_items(), tiers=settings["tiers"], settings=settings,
                           v={}, fields={}, error=None, window_open=shop.window_open(g.tenant), kept={})


@bp.post("/items")
@requires(MANAGE)
def add_item():
    values = form_values()
    settings = module_settings(g.tenant, "points_bank")
    try:
        data = ItemIn().load({"name": values.get("name", ""), "price": _int(values, "price"),
                              "stock": _int(values, "stock", 0), "unit": values.get("unit", "件"),
                              "kind": values.get("kind", "goods"), "min_tier": values.get("min_tier") or None})
        if data.get("min_tier") and data["min_tier"] not in [t["code"] for t in settings["tiers"]]:
            raise ApiError(422, "validation_error", _("没有这个梯次"), {"min_tier": [_("未定义")]})
        item = shop.create_item(g.tenant, data)
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        return refused("points_bank/items.html", exc, rows=_items(), tiers=settings["tiers"], settings=settings,
                       v=values, window_open=shop.window_open(g.tenant))
    flash(_("已上架：%(name)s", name=item.name), "success")
    return redirect(url_for(".items"))


@bp.post("/items/<int:item_id>/stock")
@requires(REDEEM)
def stock(item_id: int):
    """Restock (入库) or stock-taking (盘点) from the goods page."""
    item = shop.get_item(item_id)
    values = form_values()
    try:
        if values.get("action") == "stocktake":
            data = StocktakeIn().load({"counted": _int(values, "counted"), "expected": _int(values, "expected"),
                                       "note": values.get("note", "")})
            shop.stocktake(g.tenant, item, data["counted"], data["expected"], data["note"])
        else:
            data = RestockIn().load({"quantity": _int(values, "quantity"), "note": values.get("note", "")})
            shop.restock(g.tenant, item, data["quantity"], data["note"])
        db.session.commit()
        flash(_("库存已更新：%(name)s", name=item.name), "success")
    except (ValidationError, ApiError) as exc:
        if isinstance(exc, ApiError) and exc.status in (403, 404):
            raise
        db.session.rollback()
        # the goods page again, this item's form with what was typed and each problem beside it
        errors = form_errors(exc)
        if isinstance(exc, ApiError) and exc.fields and exc.message:
            errors.setdefault("_form", []).insert(0, exc.message)
        settings = module_settings(g.tenant, "points_bank")
        kept = {(item.id, values.get("action") or "restock"): {"v": typed(request.form), "fields": errors}}
        return render_template("points_bank/items.html", rows=_items(), tiers=settings["tiers"], settings=settings,
                               v={}, fields={}, error=None, window_open=shop.window_open(g.tenant), kept=kept), 422
    return redirect(url_for(".items"))


@bp.get("/items/<int:item_id>/moves")
@requires(VIEW)
def moves(item_id: int):
    item = shop.get_item(item_id)
    rows = db.session.scalars(select(StockMove).where(StockMove.item_id == item.id).order_by(StockMove.id.desc())
                              .limit(300)).all()
    return render_template("points_bank/moves.html", item=item, rows=rows)
