"""Rankings (积分排名) per scheme, grid subtree and period, and the board's names (光荣榜).

Rankings read :class:`~plugins.points_bank.models.Tally` (points earned per member and local
month or year, kept by the ledger when it posts), on the ``(tenant_id, scheme_id, bucket,
earned)`` index: a yearly top 100 is an index range, not a sum over the entries.
"""
from __future__ import annotations

from sqlalchemy import select

from core.toolkit import Household, db, module_settings, subtree_condition
from plugins.points_bank.models import Account, Tally


def ranking(scheme_id: int, bucket: str, grid_id: int | None = None, limit: int = 100) -> list[dict]:
    """The top ``limit`` members of a scheme in ``bucket`` ("2026" or "2026-11"), optionally
    under one grid; equal points share a rank (1, 2, 2, 4)."""
    stmt = (select(Tally.earned, Account).join(Account, Account.id == Tally.account_id)
            .where(Tally.scheme_id == scheme_id, Tally.bucket == bucket, Tally.earned != 0)
            .order_by(Tally.earned.desc(), Tally.account_id).limit(limit))
    if grid_id is not None:
        stmt = stmt.where(subtree_condition(Tally.grid_id, [grid_id]))
    out, rank, last = [], 0, None
    for i, (earned, account) in enumerate(db.session.execute(stmt).all(), start=1):
        if earned != last:
            rank, last = i, earned
        out.append({"rank": rank, "account_id": account.id, "number": account.number, "name": account.name,
                    "household_id": account.household_id, "person_id": account.person_id,
                    "grid_id": account.grid_id, "earned": earned, "balance": account.balance})
    return out


def board_name(tenant, row: dict) -> str:
    """A name as the township shows it on the board: full, surname only (张**), or household number."""
    how = module_settings(tenant, "points_bank")["name_display"]
    name = row["name"] or ""
    if how == "full":
        return name
    if how == "household_number":
        if row.get("household_id"):
            number = db.session.scalar(select(Household.number).where(Household.id == row["household_id"]))
            if number:
                return number
        return row["number"]
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else row["number"]
