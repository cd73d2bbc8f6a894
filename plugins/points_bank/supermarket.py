"""The points supermarket (积分超市): goods, redemption at the counter, stock.

:func:`redeem` checks window, tier, stock and balance in one transaction: the stock falls by a
guarded ``UPDATE ... SET stock = stock - :q WHERE id = :id AND stock >= :q`` (row count checked,
409 ``out_of_stock``), then the ledger moves the points from the member to the scheme's
supermarket account (409 ``insufficient_balance``). Either refusal raises and the caller's
transaction rolls back, so neither half is kept. The item row is always locked before the
accounts (returns too), so a redemption and a return cannot deadlock on PostgreSQL.
Every change of stock is a :class:`StockMove` row (出入库记录), restocking and stock-taking too.
"""
from __future__ import annotations

import math

from sqlalchemy import func, select, update

from core.toolkit import ApiError, audit, db, hooks, module_settings, utcnow, bucket_key, local_now
from plugins.points_bank import ledger
from plugins.points_bank.models import Account, Item, Redemption, Scheme, StockMove, Tally, Txn
from core.toolkit import gettext as _


def get_item(item_id: int) -> Item:
    row = db.session.get(Item, item_id)
    if row is None:
        raise ApiError(404, "not_found", _("商品不存在"))
    return row


def create_item(tenant, data: dict) -> Item:
    stock = data.pop("stock", 0)
    item = Item(stock=0, **data)
    db.session.add(item)
    db.session.flush()
    if stock:
        restock(tenant, item, stock, _("期初库存"))
    audit("points_bank.item_create", item, after={"name": item.name, "price": item.price})
    return item


def update_item(tenant, item: Item, data: dict) -> Item:
    before = {k: getattr(item, k) for k in data}
    for k, v in data.items():
        setattr(item, k, v)
    db.session.flush()
    audit("points_bank.item_update", item, before=before, after=data)
    return item


def _stock_move(item: Item, kind: str, delta: int, note: str = "", redemption_id: int | None = None) -> StockMove:
    db.session.refresh(item, ["stock"])
    _, name = ledger.actor()
    move = StockMove(item_id=item.id, kind=kind, delta=delta, stock_after=item.stock, note=(note or "")[:200],
                     by_name=name, redemption_id=redemption_id)
    db.session.add(move)
    db.session.flush()
    return move


def _change_stock(item: Item, delta: int) -> None:
    stmt = update(Item).where(Item.id == item.id).values(stock=Item.stock + delta)
    if delta < 0:
        stmt = stmt.where(Item.stock >= -delta)
    if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:
        raise ApiError(409, "out_of_stock", _("「%(name)s」库存不足", name=item.name),
                       {"quantity": [_("库存不足")]})


def restock(tenant, item: Item, quantity: int, note: str = "") -> StockMove:
    """Goods in (入库)."""
    _change_stock(item, quantity)
    move = _stock_move(item, "restock", quantity, note)
    audit("points_bank.restock", item, after={"quantity": quantity, "stock": move.stock_after})
    return move


def stocktake(tenant, item: Item, counted: int, expected: int, note: str = "") -> StockMove:
    """Stock-taking (盘点): set the stock to what was counted, provided it is still what the
    counter saw (``expected``); a redemption in between answers 409 and the count is redone."""
    done = db.session.execute(update(Item).where(Item.id == item.id, Item.stock == expected)
                              .values(stock=counted).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise ApiError(409, "changed_meanwhile", _("盘点期间库存有变动，请重新盘点"),
                       {"expected": [_("库存已变")]})
    move = _stock_move(item, "stocktake", counted - expected, note)
    audit("points_bank.stocktake", item, before={"stock": expected}, after={"stock": counted})
    return move


# --- windows and tiers -----------------------------------------------------------------------


def window_open(tenant) -> bool:
    """Whether redemption is open now (随时兑换, or 集中兑换 on the township's days of the month)."""
    settings = module_settings(tenant, "points_bank")
    if settings["redemption_mode"] == "any_time":
        return True
    return local_now().day in settings["redemption_days"]


def annual_rank(account: Account, year: str | None = None) -> int | None:
    """The member's rank in its scheme by points earned this local year (None: earned nothing)."""
    year = year or bucket_key("year", utcnow())
    mine = db.session.scalar(select(Tally.earned).where(Tally.account_id == account.id, Tally.bucket == year))
    if not mine or mine <= 0:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Tally).where(
        Tally.scheme_id == account.scheme_id, Tally.bucket == year, Tally.earned > mine))
    return ahead + 1


def tier_of(tenant, account: Account) -> dict | None:
    """The best tier (梯次) the member's annual rank reaches, or None."""
    rank = annual_rank(account)
    if rank is None:
        return None
    tiers = sorted(module_settings(tenant, "points_bank")["tiers"], key=lambda t: t["max_rank"])
    return next((t for t in tiers if rank <= t["max_rank"]), None)


def tier_allows(tenant, item: Item, tier: dict | None) -> bool:
    if not item.min_tier:
        return True
    tiers = sorted(module_settings(tenant, "points_bank")["tiers"], key=lambda t: t["max_rank"])
    codes = [t["code"] for t in tiers]
    if item.min_tier not in codes:
        return False
    return tier is not None and codes.index(tier["code"]) <= codes.index(item.min_tier)


def unit_price(item: Item, tier: dict | None) -> int:
    discount = tier["discount_percent"] if tier else 0
    return max(1, math.ceil(item.price * (100 - discount) / 100))


# --- redemption ------------------------------------------------------------------------------


def redeem(tenant, account: Account, item: Item, quantity: int, note: str = "") -> Redemption:
    """Redeem ``quantity`` of ``item`` from a member's account (兑换), all checks in one transaction."""
    if account.kind != "member":
        raise ApiError(422, "validation_error", _("只能从成员账户兑换"), {"account_id": [_("非成员账户")]})
    if quantity < 1:
        raise ApiError(422, "validation_error", _("数量须为正整数"), {"quantity": ["≥ 1"]})
    if not item.active:
        raise ApiError(422, "item_inactive", _("该商品已下架"), {"item_id": [_("已下架")]})
    if not window_open(tenant):
        days = "、".join(str(d) for d in module_settings(tenant, "points_bank")["redemption_days"])
        raise ApiError(422, "outside_window", _("今天不是集中兑换日（每月 %(days)s 日）", days=days),
                       {"date": [_("兑换日：%(days)s", days=days)]})
    tier = tier_of(tenant, account)
    if not tier_allows(tenant, item, tier):
        raise ApiError(422, "tier_required", _("该商品仅限更高梯次的成员兑换"),
                       {"item_id": [_("需要梯次 %(min_tier)s", min_tier=item.min_tier)]})
    price = unit_price(item, tier)
    _change_stock(item, -quantity)
    scheme = db.session.get(Scheme, account.scheme_id)
    now = utcnow()
    txn, = ledger.insert_txns(scheme, [account], "redemption", -price * quantity, now, ledger.period_for(now),
                              approved=True, note=f"兑换 {item.name} ×{quantity} {note}".strip()[:500], source="supermarket")
    ledger.book(scheme, [txn], {account.id: account}, ledger.system_account(scheme, "supermarket"))
    uid, name = ledger.actor()
    row = Redemption(txn_id=txn.id, account_id=account.id, item_id=item.id, quantity=quantity, unit_price=price,
                     discount_percent=tier["discount_percent"] if tier else 0, points=price * quantity,
                     handed_over_by_user_id=uid, handed_over_by_name=name)
    db.session.add(row)
    db.session.flush()
    _stock_move(item, "redemption", -quantity, f"兑换单 {row.id}", row.id)
    audit("points_bank.redeem", row, after={"account": account.number, "item": item.name, "quantity": quantity,
                                            "points": row.points})
    hooks(tenant).points_redeemed(tenant=tenant, redemption={
        "transaction_id": txn.id, "account_id": account.id, "household_id": account.household_id,
        "person_id": account.person_id, "item_id": item.id, "quantity": quantity, "points": row.points,
        "occurred_at": txn.occurred_at})
    return row


def return_redemption(tenant, txn: Txn, note: str) -> Txn:
    """Undo a redemption (退货): the goods back in stock, the points back to the member."""
    row = db.session.scalar(select(Redemption).where(Redemption.txn_id == txn.id))
    item = db.session.get(Item, row.item_id)
    _change_stock(item, row.quantity)  # the item first, as in redeem()
    rev = ledger.reversal_of(tenant, txn, note)
    row.returned = True
    _stock_move(item, "return", row.quantity, f"退回兑换单 {row.id}", row.id)
    audit("points_bank.return", row, after={"reversal": rev.id, "note": note})
    return rev


def get_redemption(redemption_id: int) -> Redemption:
    row = db.session.get(Redemption, redemption_id)
    if row is None:
        raise ApiError(404, "not_found", _("兑换单不存在"))
    return row
