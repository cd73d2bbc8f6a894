"""The residents' portal part (居民端): what one household sees of its points.

:func:`resident_summary` is everything the household's section shows: its accounts with
balances, the recent passbook lines, entries of its own now being published (公示) that it may
object to until the publication ends, what the supermarket offers at the household's price, and
its tier. Only the household's own accounts are read (never another household's); the portal's
``resident_sections`` hook renders it once core's portal lands. :func:`resident_object` records
an objection by the household to one of its own published entries.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.toolkit import ApiError, Household, db, utcnow
from plugins.points_bank import periods, supermarket
from plugins.points_bank.models import Account, Item, Period, Scheme, Txn
from core.toolkit import gettext as _


def _accounts(household_id: int) -> list[Account]:
    return db.session.scalars(select(Account).where(Account.household_id == household_id, Account.kind == "member")
                              .order_by(Account.id)).all()


def resident_summary(tenant, household_id: int, lines: int = 10) -> dict:
    """The household's points: accounts (balance, tier, recent lines), published entries it may
    object to, and the supermarket's goods at its price."""
    accounts = _accounts(household_id)
    now = utcnow()
    out = {"accounts": [], "objectable": [], "items": []}
    best_tier = None
    for acc in accounts:
        scheme = db.session.get(Scheme, acc.scheme_id)
        tier = supermarket.tier_of(tenant, acc)
        if tier and (best_tier is None or tier["max_rank"] < best_tier["max_rank"]):
            best_tier = tier
        recent = db.session.scalars(select(Txn).where(Txn.account_id == acc.id).options(selectinload(Txn.rule))
                                    .order_by(Txn.id.desc()).limit(lines)).all()
        out["accounts"].append({"id": acc.id, "number": acc.number, "scheme": scheme.name, "balance": acc.balance,
                                "rank": supermarket.annual_rank(acc), "tier": tier,
                                "lines": [{"id": t.id, "kind": t.kind, "state": t.state, "points": t.points,
                                           "occurred_at": t.occurred_at, "rule": t.rule.name if t.rule else None,
                                           "note": t.note} for t in recent]})
    published = select(Period.id).where(Period.state == "published", Period.publish_until > now)
    for txn in db.session.scalars(select(Txn).where(Txn.account_id.in_([a.id for a in accounts]),
                                                    Txn.period_id.in_(published), Txn.state == "approved",
                                                    Txn.kind.in_(("award", "deduction")))
                                  .options(selectinload(Txn.rule)).order_by(Txn.id)):
        out["objectable"].append({"id": txn.id, "points": txn.points, "rule": txn.rule.name if txn.rule else None,
                                  "occurred_at": txn.occurred_at,
                                  "until": db.session.get(Period, txn.period_id).publish_until})
    for item in db.session.scalars(select(Item).where(Item.active.is_(True), Item.stock > 0).order_by(Item.sort, Item.id)):
        out["items"].append({"id": item.id, "name": item.name, "unit": item.unit, "stock": item.stock,
                             "price": supermarket.unit_price(item, best_tier), "min_tier": item.min_tier,
                             "for_me": supermarket.tier_allows(tenant, item, best_tier)})
    out["tier"] = best_tier
    out["window_open"] = supermarket.window_open(tenant)
    return out


def resident_object(tenant, household_id: int, txn_id: int, by_name: str, reason: str):
    """The household objects to one of its own published entries (群众异议); another
    household's entry answers 404 as if it did not exist."""
    txn = db.session.get(Txn, txn_id)
    account = db.session.get(Account, txn.account_id) if txn is not None else None
    if account is None or account.household_id != household_id:
        raise ApiError(404, "not_found", _("记录不存在"))
    household = db.session.get(Household, household_id)
    name = (by_name or "").strip() or (household.head_name if household else "") or "居民"
    if len((reason or "").strip()) < 2:
        raise ApiError(422, "validation_error", _("请写明异议理由"), {"reason": [_("必填")]})
    return periods.object_to(tenant, txn, name, reason.strip(), household_id=household_id)


def render_section(tenant, household) -> list[dict]:
    """The ``resident_sections`` answer: this household's points as one section."""
    from flask import url_for

    from core.toolkit import gettext as _, render_section as render

    html = render("points_bank/resident_points.html", s=resident_summary(tenant, household.id),
                  object_url=url_for("points_bank_resident.object_to", tenant=tenant.slug))
    return [{"key": "points_bank.points", "title": _("我家的积分"), "order": 300, "html": html}]
