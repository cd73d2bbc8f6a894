"""JSON API of the points supermarket (积分超市): goods, redemption, stock, under
``/api/v1/t/<tenant>/points_bank``. Views load → check → call a service → commit."""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, dump, load, page, requires, visible
from plugins.points_bank import shapes
from plugins.points_bank import supermarket as shop
from plugins.points_bank.models import Account, Item, Redemption, StockMove
from plugins.points_bank.permissions import MANAGE, REDEEM, VIEW
from plugins.points_bank.schemas import (ItemIn, ItemOut, ItemPatch, RedeemIn, RedemptionOut, RestockIn, StockMoveOut,
                                         StocktakeIn)
from plugins.points_bank.web import account_in_reach, payload
from core.toolkit import gettext as _

bp = Blueprint("points_bank_shop", __name__, url_prefix="/api/v1/t/<tenant>/points_bank")


@bp.get("/items")
@requires(VIEW)
@doc("Goods and services of the supermarket", response_schema=ItemOut, many=True, tags=["points_bank"])
def list_items():
    return dump(ItemOut, db.session.scalars(select(Item).order_by(Item.sort, Item.id)).all(), many=True)


def _check_tier(data: dict) -> None:
    from core.toolkit import module_settings

    code = data.get("min_tier")
    if code and code not in [t["code"] for t in module_settings(g.tenant, "points_bank")["tiers"]]:
        raise ApiError(422, "validation_error", _("没有这个梯次"), {"min_tier": [_("未定义")]})


@bp.post("/items")
@requires(MANAGE)
@doc("Add goods or a service", request_schema=ItemIn, response_schema=ItemOut, tags=["points_bank"], status=201)
def create_item():
    data = load(ItemIn, payload())
    _check_tier(data)
    row = shop.create_item(g.tenant, data)
    out = dump(ItemOut, row, status=201)
    db.session.commit()
    return out


@bp.patch("/items/<int:item_id>")
@requires(MANAGE)
@doc("Change an item (price, tier, on offer); stock changes through restock and stock-taking",
     request_schema=ItemPatch, response_schema=ItemOut, tags=["points_bank"])
def update_item(item_id: int):
    data = load(ItemPatch, payload())
    _check_tier(data)
    row = shop.update_item(g.tenant, shop.get_item(item_id), data)
    out = dump(ItemOut, row)
    db.session.commit()
    return out


@bp.post("/items/<int:item_id>/restock")
@requires(REDEEM)
@doc("Goods in", request_schema=RestockIn, response_schema=StockMoveOut, tags=["points_bank"], status=201)
def restock(item_id: int):
    data = load(RestockIn, payload())
    move = shop.restock(g.tenant, shop.get_item(item_id), data["quantity"], data["note"])
    out = dump(StockMoveOut, move, status=201)
    db.session.commit()
    return out


@bp.post("/items/<int:item_id>/stocktake")
@requires(REDEEM)
@doc("Stock-taking: set the counted stock; 409 when it changed since ``expected``",
     request_schema=StocktakeIn, response_schema=StockMoveOut, tags=["points_bank"], status=201)
def stocktake(item_id: int):
    data = load(StocktakeIn, payload())
    move = shop.stocktake(g.tenant, shop.get_item(item_id), data["counted"], data["expected"], data["note"])
    out = dump(StockMoveOut, move, status=201)
    db.session.commit()
    return out


@bp.get("/items/<int:item_id>/moves")
@requires(VIEW)
@doc("Stock moves of an item", response_schema=StockMoveOut, paged=True, tags=["points_bank"])
def moves(item_id: int):
    item = shop.get_item(item_id)
    return page(StockMoveOut, select(StockMove).where(StockMove.item_id == item.id), order_by=StockMove.id.desc())


@bp.post("/redemptions")
@requires(REDEEM)
@doc("Redeem at the counter: balance, stock, window and tier checked in one transaction",
     request_schema=RedeemIn, response_schema=RedemptionOut, tags=["points_bank"], status=201)
def redeem():
    data = load(RedeemIn, payload())
    try:
        account = account_in_reach(data["account_id"], REDEEM)
    except ApiError as exc:
        if exc.status != 404:
            raise
        raise ApiError(422, "validation_error", _("账户不存在"), {"account_id": [_("不存在")]})
    item = db.session.get(Item, data["item_id"])
    if item is None:
        raise ApiError(422, "validation_error", _("商品不存在"), {"item_id": [_("不存在")]})
    row = shop.redeem(g.tenant, account, item, data["quantity"], data["note"])
    out = dump(RedemptionOut, row, status=201)
    db.session.commit()
    return out


@bp.get("/redemptions")
@requires(VIEW)
@doc("Redemptions, newest first", response_schema=RedemptionOut, paged=True, tags=["points_bank"])
def list_redemptions():
    stmt = select(Redemption).join(Account, Account.id == Redemption.account_id).where(visible(Account.grid_id, VIEW))
    return page(RedemptionOut, stmt, order_by=Redemption.id.desc())


@bp.get("/redemptions/<int:redemption_id>")
@requires(VIEW)
@doc("One redemption (the receipt's data)", response_schema=RedemptionOut, tags=["points_bank"])
def show_redemption(redemption_id: int):
    row = shop.get_redemption(redemption_id)
    account_in_reach(row.account_id, VIEW)
    return dump(RedemptionOut, row)


@bp.get("/accounts/<int:account_id>/tier")
@requires(VIEW)
@doc("The member's annual rank and redemption tier", tags=["points_bank"], response_schema=shapes.TIER)
def tier(account_id: int):
    account = account_in_reach(account_id, VIEW)
    return jsonify({"account_id": account.id, "rank": shop.annual_rank(account), "tier": shop.tier_of(g.tenant, account),
                    "window_open": shop.window_open(g.tenant)})
