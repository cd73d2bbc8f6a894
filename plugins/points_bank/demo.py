"""Demo points (演示数据): households earning under the default scheme over five months, some
entries pending review, past months published and closed, goods in the supermarket and a few
dozen redemptions. Everything goes through the services, so the books balance."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from core.toolkit import ApiError, Household, db, utcnow
from plugins.points_bank import periods, services, supermarket
from plugins.points_bank.models import Item, Period, Scheme, Txn
from plugins.points_bank.schemes import current_rule, seed_defaults

GOODS = [("洗衣液", 30, 40), ("食用油（5升）", 80, 20), ("大米（10斤）", 60, 30), ("毛巾", 10, 100), ("牙膏", 8, 80),
         ("理发服务", 20, 50), ("电饭煲", 300, 3)]
EARN = ["public_good", "report_confirmed", "policy_study", "party_activity", "eco", "health", "filial"]
NOTES = ["河道清理", "村民大会", "敬老院打扫", "人居环境整治", "政策宣讲", "义务巡逻"]


def fill_demo(tenant, households: int = 80, seed: int | None = None) -> int:
    """Fill once (nothing when the township already has entries); returns entries recorded."""
    if db.session.scalar(select(func.count(Txn.id))):
        return 0
    seed_defaults(tenant)
    rnd = random.Random(seed if seed is not None else tenant.id)
    scheme = db.session.scalar(select(Scheme).where(Scheme.code == "household"))
    homes = db.session.scalars(select(Household).order_by(Household.id).limit(households)).all()
    if scheme is None or not homes:
        return 0
    now, done = utcnow(), 0
    for home in homes:
        for _ in range(rnd.randint(2, 9)):
            rule = current_rule(scheme, rnd.choice(EARN))
            when = now - dt.timedelta(days=rnd.uniform(0, 140), hours=rnd.uniform(0, 12))
            try:
                txn = services.record_entry(tenant, scheme, rule, occurred_at=when, note=rnd.choice(NOTES),
                                            household=home)
                if txn.state == "pending" and when < now - dt.timedelta(days=20):
                    services.review(tenant, [txn], "approve", "村两委审核通过")
                done += 1
            except ApiError:
                continue  # a monthly cap reached: the rule says so
    for name, price, stock in GOODS:
        supermarket.create_item(tenant, {"name": name, "price": price, "stock": stock, "unit": "件",
                                         "kind": "service" if "服务" in name else "goods"})
    _close_past_months(tenant, now)
    _redeem(tenant, scheme, rnd)
    db.session.flush()
    return done


def _close_past_months(tenant, now) -> None:
    this_month = db.session.scalar(select(Period).where(Period.starts_at <= now, Period.ends_at > now))
    for period in db.session.scalars(select(Period).where(Period.ends_at <= now).order_by(Period.key)).all():
        pending = db.session.scalars(select(Txn).where(Txn.period_id == period.id, Txn.state == "pending")).all()
        if pending:
            services.review(tenant, pending, "approve", "村两委审核通过")
        periods.publish(tenant, period, 7)
        if this_month is None or period.ends_at < now - dt.timedelta(days=31):
            periods.close(tenant, period, early=True)


def _redeem(tenant, scheme: Scheme, rnd: random.Random) -> None:
    from plugins.points_bank.models import Account

    items = db.session.scalars(select(Item).where(Item.price <= 80)).all()
    rich = db.session.scalars(select(Account).where(Account.scheme_id == scheme.id, Account.kind == "member",
                                                    Account.balance >= 30).limit(40)).all()
    for account in rich:
        item = rnd.choice(items)
        try:
            supermarket.redeem(tenant, account, item, 1, "集中兑换")
        except ApiError:
            continue
