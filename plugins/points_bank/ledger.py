"""The double-entry ledger (复式记账): posting, accounts, periods, and the check.

:func:`post` is the only code that changes ``Account.balance``. It writes the entries of one
approved transaction and moves each balance by a guarded ``UPDATE ... SET balance = balance +
:a WHERE id = :id [AND balance >= -:a]`` with a row-count check, in account-id order (so two
transactions touching the same accounts lock them in the same order on PostgreSQL and cannot
deadlock). A member account that would go below zero refuses the whole transaction (409); the
caller's transaction then rolls back, and nothing is half-saved. On SQLite write requests begin
``IMMEDIATE``, so the guard and the write run under the database's write lock; on PostgreSQL the
guarded UPDATE waits for a concurrent one and re-checks the condition on the committed row.

Callers commit (views) or run inside :func:`core.toolkit.immediate_transaction` (CLI).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.toolkit import ApiError, Grid, db, subtree_condition, utcnow, period_bounds, bucket_key
from plugins.points_bank.models import Account, Entry, Period, Scheme, Tally, Txn
from core.toolkit import gettext as _

EARNING_KINDS = ("base", "award", "deduction", "adjustment")
PREFIX = {"household": "H", "grid_worker": "W", "party_org": "O", "party_member": "M"}


def actor() -> tuple[int | None, str]:
    """Who is acting: the signed-in user, else 系统 (schedules, announcements from the CLI)."""
    from flask import has_request_context

    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            return current_user.id, (current_user.display_name or current_user.username)[:64]
    return None, "系统"


def get_or_create(model, where: list, make):
    """The row matching ``where``, or ``make()`` inserted in a savepoint: when a concurrent
    transaction inserted the same unique row first (PostgreSQL), its row is returned instead."""
    row = db.session.scalar(select(model).where(*where))
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = make()
            db.session.add(row)
        return row, True
    except IntegrityError:
        return db.session.scalar(select(model).where(*where)), False


def transition(model, row, from_states: tuple[str, ...], to: str, **values) -> None:
    """Move ``row.state`` to ``to`` by a guarded UPDATE (``WHERE state IN from_states``), so that
    of two concurrent reviewers only one moves it; the other gets 409."""
    done = db.session.execute(update(model).where(model.id == row.id, model.state.in_(from_states))
                              .values(state=to, **values).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        db.session.refresh(row)
        raise ApiError(409, "invalid_state", _("状态已变为「%(state)s」，请刷新", state=row.state),
                       {"state": [row.state]})
    db.session.expire(row)


# --- accounts --------------------------------------------------------------------------------


def system_account(scheme: Scheme, kind: str) -> Account:
    """The scheme's ``issuing`` (发行) or ``supermarket`` (超市) account, opened on first use."""
    label = {"issuing": "积分发行账户", "supermarket": "积分超市账户"}[kind]
    row, _ = get_or_create(Account, [Account.scheme_id == scheme.id, Account.holder == kind], lambda: Account(
        scheme_id=scheme.id, kind=kind, holder=kind, number=f"{PREFIX[scheme.kind]}{scheme.id:02d}-{kind}",
        name=label, balance=0))
    return row


def holder_of(scheme: Scheme, *, household=None, person=None, grid=None) -> tuple[str, dict]:
    """The holder key and columns of a member of ``scheme`` (一户一折 / 一人一证)."""
    if scheme.kind == "household":
        if household is None:
            raise ApiError(422, "validation_error", _("请选择农户"),
                           {"household_id": [_("必填")]})
        return f"household:{household.id}", {"household_id": household.id, "grid_id": household.grid_id,
                                             "name": household.head_name or household.address or f"#{household.id}"}
    if scheme.kind == "party_org":
        if grid is None:
            raise ApiError(422, "validation_error", _("请选择党组织所在网格"), {"grid_id": [_("必填")]})
        return f"grid:{grid.id}", {"grid_id": grid.id, "name": grid.name}
    if person is None:
        raise ApiError(422, "validation_error", _("请选择人员"), {"person_id": [_("必填")]})
    return f"person:{person.id}", {"person_id": person.id, "household_id": person.household_id,
                                   "grid_id": person.grid_id, "name": person.name}


def _under(grid_id: int | None, root_id: int) -> bool:
    if grid_id is None:
        return False
    return db.session.scalar(select(Grid.id).where(Grid.id == grid_id, subtree_condition(Grid.id, [root_id]))) is not None


def open_account(tenant, scheme: Scheme, **member) -> Account:
    """The member's account in ``scheme``, opened on demand (with the scheme's base score)."""
    holder, columns = holder_of(scheme, **member)
    if scheme.grid_id is not None and not _under(columns.get("grid_id"), scheme.grid_id):
        raise ApiError(422, "outside_scheme", _("该成员不在此积分方案的村/社区范围内"),
                       {next(iter(member)) + "_id": [_("不在方案范围内")]})
    ref = int(holder.split(":")[1])
    row, opened = get_or_create(Account, [Account.scheme_id == scheme.id, Account.holder == holder], lambda: Account(
        scheme_id=scheme.id, kind="member", holder=holder, balance=0,
        number=f"{PREFIX[scheme.kind]}{scheme.id:02d}-{ref:06d}", **columns))
    if opened and scheme.base_score > 0:
        txn = new_txn(scheme, row, "base", scheme.base_score, utcnow(), note="基础分")  # stored, shown as written
        post(tenant, txn)
    return row


# --- periods ---------------------------------------------------------------------------------


def period_for(when: dt.datetime, *, writable: bool = True) -> Period:
    """The review period of ``when`` (a local month), created on first use. ``writable``: 422
    when the period is closed (a closed period's entries are fixed)."""
    key = bucket_key("month", when)
    start, end = period_bounds(key)
    row, _created = get_or_create(Period, [Period.key == key], lambda: Period(key=key, starts_at=start, ends_at=end, state="open"))
    if writable and row.state == "closed":
        raise ApiError(422, "period_closed", _("%(key)s 审核期已关闭，不能再记账", key=key),
                       {"occurred_at": [_("%(key)s 已关闭", key=key)]})
    return row


# --- transactions and posting ----------------------------------------------------------------


def new_txn(scheme: Scheme, account: Account, kind: str, points: int, occurred_at: dt.datetime,
            period: Period | None = None, **fields) -> Txn:
    uid, name = actor()
    period = period or period_for(occurred_at)
    txn = Txn(scheme_id=scheme.id, account_id=account.id, kind=kind, state="pending", points=points,
              period_id=period.id, occurred_at=occurred_at, recorded_by_user_id=uid, recorded_by_name=name, **fields)
    db.session.add(txn)
    db.session.flush()
    return txn


def legs_of(scheme: Scheme, txn: Txn) -> list[tuple[Account, int]]:
    """The entries a transaction posts: earning moves points between the issuing account and
    the member, spending between the member and the supermarket."""
    member = db.session.get(Account, txn.account_id)
    kind = txn.kind
    if kind == "reversal":
        original = db.session.get(Txn, txn.reverses_id)
        kind = original.kind
    other = system_account(scheme, "supermarket" if kind == "redemption" else "issuing")
    return [(member, txn.points), (other, -txn.points)]


def post(tenant, txn: Txn, **review) -> Txn:
    """Approve ``txn`` (``review``: reviewer's name and note) and write its entries, moving
    balances by guarded updates (see above). Of two concurrent approvals one posts, one gets 409."""
    transition(Txn, txn, ("pending",), "approved", reviewed_at=utcnow(), **review)
    scheme = db.session.get(Scheme, txn.scheme_id)
    legs = [(a, amount) for a, amount in legs_of(scheme, txn) if amount != 0]
    if sum(amount for _, amount in legs) != 0:
        raise RuntimeError("a transaction's entries must sum to zero")
    for account, amount in sorted(legs, key=lambda leg: leg[0].id):
        _move_balance(account, amount)
    for account, amount in legs:
        db.session.add(Entry(txn_id=txn.id, account_id=account.id, amount=amount))
    if _earning(txn):
        member = db.session.get(Account, txn.account_id)
        _tally(member, tally_time(txn), txn.points)
    db.session.flush()
    return txn


def tally_time(txn: Txn) -> dt.datetime:
    """When a transaction counts for rankings: a reversal counts in its original's month."""
    if txn.kind == "reversal":
        return db.session.get(Txn, txn.reverses_id).occurred_at
    return txn.occurred_at


def _earning(txn: Txn) -> bool:
    if txn.kind == "reversal":
        return db.session.get(Txn, txn.reverses_id).kind in EARNING_KINDS
    return txn.kind in EARNING_KINDS


def _move_balance(account: Account, amount: int) -> None:
    stmt = update(Account).where(Account.id == account.id).values(balance=Account.balance + amount)
    if account.kind == "member" and amount < 0:
        stmt = stmt.where(Account.balance >= -amount)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ApiError(409, "insufficient_balance", _("积分余额不足 %(points)s 分", points=-amount),
                       {"points": [_("余额不足 %(points)s 分", points=-amount)]})
    db.session.expire(account, ["balance"])  # read again from the row when someone asks


def _tally(member: Account, when: dt.datetime, points: int) -> None:
    """Add earned points to the member's month and year buckets (the member row is locked by
    its balance update, so two postings for one member take turns here)."""
    buckets = (bucket_key("month", when), bucket_key("year", when))
    done = db.session.execute(update(Tally).where(Tally.account_id == member.id, Tally.bucket.in_(buckets))
                              .values(earned=Tally.earned + points)
                              .execution_options(synchronize_session=False)).rowcount
    if done == len(buckets):
        return
    have = set(db.session.scalars(select(Tally.bucket).where(Tally.account_id == member.id, Tally.bucket.in_(buckets))))
    for bucket in buckets:
        if bucket not in have:  # first points of the month or year: the update above found no row
            db.session.add(Tally(account_id=member.id, scheme_id=member.scheme_id, grid_id=member.grid_id,
                                 bucket=bucket, earned=points))
    db.session.flush()


def lock_txn(txn: Txn) -> Txn:
    """Lock a transaction row until commit (PostgreSQL ``FOR UPDATE``; SQLite write requests hold
    the write lock already), reading its committed state again."""
    return db.session.scalars(select(Txn).where(Txn.id == txn.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def reversal_of(tenant, original: Txn, note: str, source: str = "manual") -> Txn:
    """A reversing transaction (冲正) of an approved one, posted now in the current period. The
    original is locked first, so two concurrent reversals make one (the other gets 409)."""
    original = lock_txn(original)
    if original.state != "approved":
        raise ApiError(409, "invalid_state", _("只能冲正已入账的记录"),
                       {"state": [original.state]})
    if original.kind == "reversal":
        raise ApiError(409, "invalid_state", _("冲正记录不能再冲正"), {"kind": ["reversal"]})
    if db.session.scalar(select(Txn.id).where(Txn.reverses_id == original.id)) is not None:
        raise ApiError(409, "already_reversed", _("该笔记录已冲正"), {"id": [_("已冲正")]})
    if db.session.get(Period, original.period_id).state == "closed":
        raise ApiError(422, "period_closed", _("该笔记录所在审核期已关闭"), {"period": ["closed"]})
    scheme = db.session.get(Scheme, original.scheme_id)
    member = db.session.get(Account, original.account_id)
    txn = new_txn(scheme, member, "reversal", -original.points, utcnow(), reverses_id=original.id, rule_id=original.rule_id,
                  note=note[:500], source=source)
    return post(tenant, txn)


# --- the check -------------------------------------------------------------------------------


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
            problems.append(_("账户 %(number)s：余额 %(balance)s，账目合计 %(ledger)s", number=acc.number,
                              balance=acc.balance, ledger=ledger))
        if acc.kind == "member" and acc.balance < 0:
            problems.append(_("账户 %(number)s：余额为负 %(balance)s", number=acc.number, balance=acc.balance))
    for scheme_id, total in per_scheme.items():
        if total != 0:
            problems.append(_("方案 %(scheme)s：账户合计 %(total)s，不为 0", scheme=scheme_id, total=total))
    for txn_id, total, n in db.session.execute(
            select(Entry.txn_id, func.sum(Entry.amount), func.count()).group_by(Entry.txn_id)).all():
        if total != 0 or n < 2:
            problems.append(_("交易 %(txn)s：%(n)s 条分录合计 %(total)s", txn=txn_id, n=n, total=total))
    problems += _check_tallies()
    return problems


def _check_tallies() -> list[str]:
    earned: dict[tuple[int, str], int] = defaultdict(int)
    rows = db.session.execute(select(Txn).where(Txn.state == "approved")).scalars()
    for txn in rows:
        if _earning(txn):
            when = tally_time(txn)
            for bucket in (bucket_key("month", when), bucket_key("year", when)):
                earned[(txn.account_id, bucket)] += txn.points
    kept = {(t.account_id, t.bucket): t.earned for t in db.session.scalars(select(Tally))}
    return [f"tally {key}: kept {kept.get(key, 0)} but ledger {value}"
            for key, value in earned.items() if kept.get(key, 0) != value] + \
           [f"tally {key}: kept {value} with no ledger" for key, value in kept.items() if key not in earned and value]
