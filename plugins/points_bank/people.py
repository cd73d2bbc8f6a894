"""What the points bank holds about a person (PIPL) and about grids: export, anonymise, merge."""
from __future__ import annotations

from sqlalchemy import select, update

from core.toolkit import db
from plugins.points_bank.models import Account, Objection, Tally, Txn


def export_person(person) -> dict:
    """The person's own accounts (and their household's) with every transaction."""
    accounts = db.session.scalars(select(Account).where(
        (Account.person_id == person.id) | ((Account.household_id == person.household_id)
                                            & Account.household_id.is_not(None) & Account.person_id.is_(None)))).all()
    out = []
    for acc in accounts:
        txns = db.session.scalars(select(Txn).where(Txn.account_id == acc.id).order_by(Txn.id)).all()
        out.append({"number": acc.number, "name": acc.name, "balance": acc.balance,
                    "transactions": [{"id": t.id, "kind": t.kind, "state": t.state, "points": t.points,
                                      "occurred_at": t.occurred_at.isoformat(), "note": t.note} for t in txns]})
    return {"accounts": out}


def anonymise_person(person) -> None:
    """Names on the person's accounts and objections are erased; points and entries stay."""
    db.session.execute(update(Account).where(Account.person_id == person.id).values(name="（已匿名）")
                       .execution_options(synchronize_session=False))
    if person.name and person.household_id:
        db.session.execute(update(Objection).where(Objection.by_household_id == person.household_id,
                                                   Objection.by_name == person.name).values(by_name="（已匿名）")
                           .execution_options(synchronize_session=False))


def move_grid(source, target) -> None:
    for model in (Account, Tally):
        db.session.execute(update(model).where(model.grid_id == source.id).values(grid_id=target.id)
                           .execution_options(synchronize_session=False))
