"""Points at scale (规模数据) for ``gridgov demo --scale``: one passbook per household under the
household scheme and four approved awards per household a year over the scale's years, each
posted as its two ledger entries, with the monthly and yearly tallies and balances that the
services would have kept, so the books agree. Bulk Core inserts; the accounts carry their final
balance, so no row is updated afterwards."""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import func, insert, select, update

from core.toolkit import Household, bucket_key, db, utcnow
from plugins.points_bank.ledger import period_for, system_account
from plugins.points_bank.models import Account, Entry, Rule, Scheme, Tally, Txn
from plugins.points_bank.schemes import seed_defaults

AWARDS_PER_HOUSEHOLD_YEAR = 4
CHUNK = 10_000


def _chunks(rows: list, size: int = CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def fill_at_scale(tenant, scale: dict) -> dict[str, int]:
    scheme = db.session.scalar(select(Scheme).where(Scheme.code == "household"))
    if scheme is None:
        seed_defaults(tenant)
        scheme = db.session.scalar(select(Scheme).where(Scheme.code == "household"))
    rules = db.session.execute(select(Rule.id, Rule.points).where(Rule.scheme_id == scheme.id, Rule.points > 0)).all()
    issuing = system_account(scheme, "issuing")
    rng = random.Random(scale["seed"])
    now = utcnow()
    days = 365 * scale["years"]
    periods = {}
    for months_back in range(12 * scale["years"] + 1):
        when = now - dt.timedelta(days=30.4 * months_back)
        periods.setdefault(bucket_key("month", when), period_for(when, writable=False).id)
    homes = db.session.execute(select(Household.id, Household.grid_id).order_by(Household.id)).all()
    awards = sorted((now - dt.timedelta(days=rng.uniform(0, days)), rng.randrange(len(homes)), *rng.choice(rules))
                    for _ in range(len(homes) * AWARDS_PER_HOUSEHOLD_YEAR * scale["years"]))
    balance: dict[int, int] = defaultdict(int)
    for _when, home, _rule, points in awards:
        balance[home] += points
    for rows in _chunks([{"tenant_id": tenant.id, "scheme_id": scheme.id, "kind": "member", "holder": f"household:{h.id}",
                          "number": f"H{scheme.id:02d}-{h.id:06d}", "name": f"户{h.id}", "household_id": h.id,
                          "grid_id": h.grid_id, "balance": balance[i]} for i, h in enumerate(homes)]):
        db.session.execute(insert(Account.__table__), rows)
    account_of = dict(db.session.execute(select(Account.household_id, Account.id).where(
        Account.scheme_id == scheme.id, Account.kind == "member")).all())
    before = db.session.scalar(select(func.max(Txn.id))) or 0
    next_id = 0  # the transaction's place in this batch, until its id is read back
    tally: dict[tuple[int, str], int] = defaultdict(int)
    txns, entries = [], []
    for when, home, rule_id, points in awards:
        account = account_of[homes[home].id]
        month = bucket_key("month", when)
        txns.append({"tenant_id": tenant.id, "scheme_id": scheme.id, "account_id": account, "kind": "award",
                     "state": "approved", "rule_id": rule_id, "points": points,
                     "period_id": periods.get(month, periods[bucket_key("month", now)]), "occurred_at": when,
                     "reviewed_at": when, "created_at": when, "note": "", "evidence": "", "source": "manual",
                     "recorded_by_name": "规模数据"})
        entries += [{"tenant_id": tenant.id, "txn_id": next_id, "account_id": account, "amount": points, "created_at": when},
                    {"tenant_id": tenant.id, "txn_id": next_id, "account_id": issuing.id, "amount": -points, "created_at": when}]
        tally[(account, month)] += points
        tally[(account, month[:4])] += points
        next_id += 1
    for rows in _chunks(txns):
        db.session.execute(insert(Txn.__table__), rows)
    ids = db.session.scalars(select(Txn.id).where(Txn.id > before).order_by(Txn.id)).all()  # in insertion order
    for row in entries:
        row["txn_id"] = ids[row["txn_id"]]
    for rows in _chunks(entries):
        db.session.execute(insert(Entry.__table__), rows)
    grid_of = {account_of[h.id]: h.grid_id for h in homes}
    tallies = [{"tenant_id": tenant.id, "account_id": a, "scheme_id": scheme.id, "grid_id": grid_of[a], "bucket": b,
                "earned": e} for (a, b), e in tally.items()]
    for rows in _chunks(tallies):
        db.session.execute(insert(Tally.__table__), rows)
    db.session.execute(update(Account).where(Account.id == issuing.id)
                       .values(balance=Account.balance - sum(balance.values())).execution_options(synchronize_session=False))
    return {"points_bank_account": len(homes), "points_bank_txn": len(txns), "points_bank_entry": len(entries),
            "points_bank_tally": len(tallies)}
