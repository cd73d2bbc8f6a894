"""The ledger check (对账): every balance and tally recomputed from the entries and transactions.

``gridgov points check`` and ``GET .../points_bank/check`` run it for one township; the tests
run it after every scenario. Read-only.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from core.toolkit import bucket_key, db
from plugins.points_bank.ledger import earning, tally_time
from plugins.points_bank.models import Account, Entry, Tally, Txn


def check() -> list[str]:
    """Recompute every balance and tally of the current tenant from the ledger; the problems
    found (empty: the books agree)."""
    problems: list[str] = []
    sums = dict(db.session.execute(select(Entry.account_id, func.sum(Entry.amount)).group_by(Entry.account_id)).all())
    per_scheme: dict[int, int] = defaultdict(int)
    for acc in db.session.scalars(select(Account)):
        ledger = int(sums.get(acc.id) or 0)
        per_scheme[acc.scheme_id] += ledger
        if ledger != acc.balance:
            problems.append(f"account {acc.number}: balance {acc.balance} but ledger {ledger}")
        if acc.kind == "member" and acc.balance < 0:
            problems.append(f"account {acc.number}: negative balance {acc.balance}")
    for scheme_id, total in per_scheme.items():
        if total != 0:
            problems.append(f"scheme {scheme_id}: accounts sum to {total}, not 0")
    for txn_id, total, n in db.session.execute(
            select(Entry.txn_id, func.sum(Entry.amount), func.count()).group_by(Entry.txn_id)).all():
        if total != 0 or n < 2:
            problems.append(f"transaction {txn_id}: {n} entries summing to {total}")
    problems += _check_tallies()
    return problems


def _check_tallies() -> list[str]:
    earned: dict[tuple[int, str], int] = defaultdict(int)
    rows = db.session.execute(select(Txn).where(Txn.state == "approved")).scalars()
    for txn in rows:
        if earning(txn):
            when = tally_time(txn)
            for bucket in (bucket_key("month", when), bucket_key("year", when)):
                earned[(txn.account_id, bucket)] += txn.points
    kept = {(t.account_id, t.bucket): t.earned for t in db.session.scalars(select(Tally))}
    return [f"tally {key}: kept {kept.get(key, 0)} but ledger {value}"
            for key, value in earned.items() if kept.get(key, 0) != value] + \
           [f"tally {key}: kept {value} with no ledger" for key, value in kept.items() if key not in earned and value]
