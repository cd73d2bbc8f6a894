"""The double-entry ledger (复式记账): posting, accounts and periods (the check that recomputes
the books is :mod:`plugins.points_bank.reconcile`).

:func:`book` is the only code that changes ``Account.balance``. It writes the entries of
approved transactions (one, or a village meeting's batch) and moves each balance by a guarded
``UPDATE ... SET balance = balance + :a WHERE id = :id [AND balance >= -:a]`` with a row-count
check, in account-id order (so two transactions touching the same accounts lock them in the same
order on PostgreSQL and cannot deadlock). A member account that would go below zero refuses the
whole transaction (409); the caller's transaction then rolls back, and nothing is half-saved. On
SQLite write requests begin ``IMMEDIATE``, so the guard and the write run under the database's
write lock; on PostgreSQL the guarded UPDATE waits for a concurrent one and re-checks the
condition on the committed row.

A transaction that needs no review (a rule without review, a base score, a reversal, a
redemption) is inserted approved by :func:`insert_txns` (no reviewer can race for a row not yet
committed) and booked at once; a pending one is approved later by :func:`post`, whose guarded
state change lets one of two concurrent reviewers through.

Callers commit (views) or run inside :func:`core.toolkit.immediate_transaction` (CLI).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from core.toolkit import ApiError, Grid, current_tenant_id, db, subtree_condition, utcnow, period_bounds, bucket_key
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


def _outside(scheme: Scheme, grid_ids: list[int | None]) -> set[int | None]:
    """Those of ``grid_ids`` outside the scheme's village/community (none for a township scheme)."""
    if scheme.grid_id is None:
        return set()
    wanted = {g for g in grid_ids if g is not None}
    inside = set(db.session.scalars(select(Grid.id).where(Grid.id.in_(wanted), subtree_condition(Grid.id, [scheme.grid_id])))) \
        if wanted else set()
    return {g for g in grid_ids if g not in inside}


def _outside_error(field: str) -> ApiError:
    return ApiError(422, "outside_scheme", _("该成员不在此积分方案的村/社区范围内"),
                    {field: [_("不在方案范围内")]})


def open_account(tenant, scheme: Scheme, **member) -> Account:
    """The member's account in ``scheme``, opened on demand (with the scheme's base score)."""
    holder, columns = holder_of(scheme, **member)
    if _outside(scheme, [columns.get("grid_id")]):
        raise _outside_error(next(iter(member)) + "_id")
    return _open(tenant, scheme, holder, columns)


def _open(tenant, scheme: Scheme, holder: str, columns: dict) -> Account:
    ref = int(holder.split(":")[1])
    row, opened = get_or_create(Account, [Account.scheme_id == scheme.id, Account.holder == holder], lambda: Account(
        scheme_id=scheme.id, kind="member", holder=holder, balance=0,
        number=f"{PREFIX[scheme.kind]}{scheme.id:02d}-{ref:06d}", **columns))
    if opened and scheme.base_score > 0:
        txns = insert_txns(scheme, [row], "base", scheme.base_score, utcnow(), period_for(utcnow()), approved=True,
                           note=_("基础分"))
        book(scheme, txns, {row.id: row}, system_account(scheme, "issuing"))
    return row


def members_accounts(tenant, scheme: Scheme, members: list[dict]) -> tuple[list[Account], Account]:
    """The accounts of ``members`` (each ``{"household": ...}`` / ``{"person": ...}`` /
    ``{"grid": ...}``), in order, and the scheme's issuing account, read by one query; accounts
    not yet opened are opened. A bad member raises with ``exc.member_index`` naming it."""
    keys = []
    for i, member in enumerate(members):
        try:
            keys.append(holder_of(scheme, **member))
        except ApiError as exc:
            exc.member_index = i
            raise
    outside = _outside(scheme, [columns.get("grid_id") for _, columns in keys])
    for i, (member, (_, columns)) in enumerate(zip(members, keys)):
        if columns.get("grid_id") in outside:
            exc = _outside_error(next(iter(member)) + "_id")
            exc.member_index = i
            raise exc
    found = {a.holder: a for a in db.session.scalars(select(Account).where(
        Account.scheme_id == scheme.id, Account.holder.in_({h for h, _ in keys} | {"issuing"})))}
    for holder, columns in keys:
        if holder not in found:
            found[holder] = _open(tenant, scheme, holder, columns)
    issuing = found.get("issuing") or system_account(scheme, "issuing")
    return [found[h] for h, _ in keys], issuing


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


def post(tenant, txn: Txn, **review) -> Txn:
    """Approve a pending ``txn`` (``review``: reviewer's name and note) and write its entries,
    moving balances by guarded updates (see above). Of two concurrent approvals one posts, one
    gets 409."""
    transition(Txn, txn, ("pending",), "approved", reviewed_at=utcnow(), **review)
    scheme = db.session.get(Scheme, txn.scheme_id)
    member = db.session.get(Account, txn.account_id)
    book(scheme, [txn], {member.id: member}, counterpart(scheme, txn))
    return txn


def counterpart(scheme: Scheme, txn: Txn) -> Account:
    """The other side of a transaction: the issuing account for earning, the supermarket's for
    spending (a reversal takes its original's)."""
    kind = txn.kind
    if kind == "reversal":
        kind = db.session.get(Txn, txn.reverses_id).kind
    return system_account(scheme, "supermarket" if kind == "redemption" else "issuing")


def insert_txns(scheme: Scheme, accounts: list[Account], kind: str, points: int, occurred_at: dt.datetime,
                period: Period, *, approved: bool, review_note: str | None = None, **fields) -> list[Txn]:
    """One transaction per account in ``accounts`` (an account may come twice), written by one
    INSERT. ``approved``: written approved (a new row no reviewer can race for); :func:`book`
    must then write its entries in the same database transaction."""
    uid, name = actor()
    now = utcnow()
    review = {"state": "approved", "reviewed_at": now, "reviewed_by_name": name, "review_note": review_note} \
        if approved else {"state": "pending"}
    rows = [{"tenant_id": current_tenant_id(), "scheme_id": scheme.id, "account_id": a.id, "kind": kind,
             "points": points, "period_id": period.id, "occurred_at": occurred_at, "recorded_by_user_id": uid,
             "recorded_by_name": name, **review, **fields} for a in accounts]
    txns = sorted(db.session.scalars(insert(Txn).returning(Txn), rows).all(), key=lambda t: t.id)
    for txn in txns:  # what the answer shows, without reading it back
        set_committed_value(txn, "period", period)
        set_committed_value(txn, "entries", [])
        set_committed_value(txn, "photos", [])
    return txns


def book(scheme: Scheme, txns: list[Txn], members: dict[int, Account], other: Account) -> None:
    """Write the entries of approved transactions of ``scheme`` between their members and
    ``other``: one INSERT of all entries, one guarded UPDATE per account in account-id order
    (members' amounts summed), one upsert of the members' tallies. A member account that would go
    below zero raises 409 with ``exc.account_id`` naming it; the caller rolls back."""
    moves: dict[int, int] = defaultdict(int)
    rows = []
    for txn in txns:
        if txn.points == 0:
            continue
        moves[txn.account_id] += txn.points
        moves[other.id] -= txn.points
        rows += [{"tenant_id": txn.tenant_id, "txn_id": txn.id, "account_id": txn.account_id, "amount": txn.points},
                 {"tenant_id": txn.tenant_id, "txn_id": txn.id, "account_id": other.id, "amount": -txn.points}]
    if sum(moves.values()) != 0:
        raise RuntimeError("a transaction's entries must sum to zero")
    accounts = {**members, other.id: other}
    for account_id in sorted(moves):
        _move_balance(accounts[account_id], moves[account_id])
    entries = db.session.scalars(insert(Entry).returning(Entry), rows).all() if rows else []
    by_txn: dict[int, list[Entry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.id):
        by_txn[entry.txn_id].append(entry)
    for txn in txns:
        set_committed_value(txn, "entries", by_txn[txn.id])
    _tally([txn for txn in txns if earning(txn)], members)


def tally_time(txn: Txn) -> dt.datetime:
    """When a transaction counts for rankings: a reversal counts in its original's month."""
    if txn.kind == "reversal":
        return db.session.get(Txn, txn.reverses_id).occurred_at
    return txn.occurred_at


def earning(txn: Txn) -> bool:
    if txn.kind == "reversal":
        return db.session.get(Txn, txn.reverses_id).kind in EARNING_KINDS
    return txn.kind in EARNING_KINDS


def _move_balance(account: Account, amount: int) -> None:
    stmt = update(Account).where(Account.id == account.id).values(balance=Account.balance + amount)
    if account.kind == "member" and amount < 0:
        stmt = stmt.where(Account.balance >= -amount)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    if result.rowcount != 1:
        exc = ApiError(409, "insufficient_balance", _("积分余额不足 %(points)s 分", points=-amount),
                       {"points": [_("余额不足 %(points)s 分", points=-amount)]})
        exc.account_id = account.id
        raise exc
    db.session.expire(account, ["balance"])  # read again from the row when someone asks


def _tally(txns: list[Txn], members: dict[int, Account]) -> None:
    """Add earned points to the members' month and year buckets in one upsert (``INSERT ... ON
    CONFLICT DO UPDATE``; the members' rows are locked by their balance updates already)."""
    earned: dict[tuple[int, str], int] = defaultdict(int)
    for txn in txns:
        when = tally_time(txn)
        for bucket in (bucket_key("month", when), bucket_key("year", when)):
            earned[(txn.account_id, bucket)] += txn.points
    if not earned:
        return
    rows = [{"tenant_id": current_tenant_id(), "account_id": account_id, "scheme_id": members[account_id].scheme_id,
             "grid_id": members[account_id].grid_id, "bucket": bucket, "earned": points}
            for (account_id, bucket), points in sorted(earned.items())]
    dialect = db.session.get_bind().dialect.name
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(Tally).values(rows)
    db.session.execute(upsert.on_conflict_do_update(index_elements=["tenant_id", "account_id", "bucket"],
                                                    set_={"earned": Tally.earned + upsert.excluded.earned}))


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
    now = utcnow()
    txn, = insert_txns(scheme, [member], "reversal", -original.points, now, period_for(now), approved=True,
                       reverses_id=original.id, rule_id=original.rule_id, note=note[:500], source=source)
    book(scheme, [txn], {member.id: member}, counterpart(scheme, txn))
    return txn
