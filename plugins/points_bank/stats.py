"""Numbers of the points bank (统计): issued and redeemed per period, household category points
for five_star, the share of households over a threshold, and the dashboard's series."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.toolkit import Household, db, subtree_condition, utcnow, period_bounds, bucket_key
from plugins.points_bank.ledger import EARNING_KINDS
from plugins.points_bank.models import Account, Redemption, Rule, Scheme, Tally, Txn

STAR_THRESHOLD = 60  # points in the period that make a household count towards five_star's share


def issued(start: dt.datetime, end: dt.datetime) -> int:
    """Points issued to members (approved awards and base scores) between ``start`` and ``end``."""
    return db.session.scalar(select(func.coalesce(func.sum(Txn.points), 0)).where(
        Txn.state == "approved", Txn.kind.in_(("base", "award")), Txn.occurred_at >= start,
        Txn.occurred_at < end)) or 0


def redeemed(start: dt.datetime, end: dt.datetime) -> tuple[int, int, int]:
    """(points, items, redemptions) redeemed and not returned between ``start`` and ``end``."""
    row = db.session.execute(select(func.coalesce(func.sum(Redemption.points), 0),
                                    func.coalesce(func.sum(Redemption.quantity), 0), func.count())
                             .where(Redemption.returned.is_(False), Redemption.created_at >= start,
                                    Redemption.created_at < end)).one()
    return int(row[0]), int(row[1]), int(row[2])


def months_back(n: int) -> list[str]:
    key = bucket_key("month", utcnow())
    year, month = (int(x) for x in key.split("-"))
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def per_month(n: int = 6) -> list[tuple[str, int, int]]:
    """(month, issued, redeemed points) for the last ``n`` local months."""
    out = []
    for key in months_back(n):
        start, end = period_bounds(key)
        out.append((key, issued(start, end), redeemed(start, end)[0]))
    return out


def top_members(n: int = 5) -> list[tuple[str, int]]:
    year = bucket_key("year", utcnow())
    rows = db.session.execute(select(Account.name, Tally.earned).join(Account, Account.id == Tally.account_id)
                              .where(Tally.bucket == year, Tally.earned > 0)
                              .order_by(Tally.earned.desc()).limit(n)).all()
    return [(name, earned) for name, earned in rows]


def household_category_points(household_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict:
    """``{household_id: {category: points}}`` earned by households' accounts (household schemes)
    in ``[start, end)``; a reversal counts against its original's time and category."""
    original = aliased(Txn)
    when = func.coalesce(original.occurred_at, Txn.occurred_at)
    kind = func.coalesce(original.kind, Txn.kind)
    stmt = (select(Account.household_id, Rule.category, func.sum(Txn.points))
            .join(Account, Account.id == Txn.account_id).join(Scheme, Scheme.id == Txn.scheme_id)
            .join(Rule, Rule.id == Txn.rule_id).outerjoin(original, original.id == Txn.reverses_id)
            .where(Scheme.kind == "household", Account.household_id.in_(household_ids), Txn.state == "approved",
                   kind.in_(EARNING_KINDS), when >= start, when < end)
            .group_by(Account.household_id, Rule.category))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for household_id, category, points in db.session.execute(stmt).all():
        out[household_id][category] = int(points)
    return dict(out)


def household_share_over_threshold(grid_id: int | None, start: dt.datetime, end: dt.datetime,
                                   threshold: int = STAR_THRESHOLD) -> float:
    """Share of the subtree's households whose earned points in ``[start, end)`` reach ``threshold``."""
    roots = None if grid_id is None else [grid_id]
    ids = db.session.scalars(select(Household.id).where(subtree_condition(Household.grid_id, roots))).all()
    if not ids:
        return 0.0
    totals = household_category_points(list(ids), start, end)
    over = sum(1 for cats in totals.values() if sum(cats.values()) >= threshold)
    return round(over / len(ids), 4)
