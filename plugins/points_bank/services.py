"""Recording and review (一事一记录、一月一审核): record an entry under a rule, approve or reject
it, reverse an approved one. Only approved transactions have entries and move balances (see
:mod:`plugins.points_bank.ledger`). Each write flushes, audits and announces ``points_awarded``
for earning transactions once they are approved; callers commit.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from core.toolkit import ApiError, audit, db, hooks, utcnow
from plugins.points_bank import ledger
from plugins.points_bank.models import Account, Period, Rule, Scheme, Txn
from core.toolkit import gettext as _


def _rule_in(scheme: Scheme, rule: Rule) -> Rule:
    if rule.scheme_id != scheme.id:
        raise ApiError(422, "rule_not_in_scheme", _("该细则不属于此积分方案"),
                       {"rule_id": [_("不属于此方案")]})
    if not rule.current or rule.retired:
        raise ApiError(422, "rule_not_current", _("该细则已修订或停用，请选用当前版本"),
                       {"rule_id": [_("非当前版本")]})
    return rule


_reversal = aliased(Txn)
# built once (a statement's construction costs more than its run): what members earned under a
# rule's key, any version, in a period, pending or approved and not reversed (an anti-join on
# the reverses_id index), read on the (tenant, account, period) index
_EARNED = (select(Txn.account_id, func.sum(Txn.points))
           .where(Txn.account_id.in_(bindparam("accounts", expanding=True)), Txn.period_id == bindparam("period"),
                  Txn.rule_id.in_(select(Rule.id).where(Rule.scheme_id == bindparam("scheme"),
                                                        Rule.key == bindparam("key"))),
                  Txn.kind == "award", Txn.state != "rejected", ~exists().where(_reversal.reverses_id == Txn.id))
           .group_by(Txn.account_id))


def _earned_so_far(rule: Rule, period: Period, accounts: list[Account]) -> dict[int, int]:
    """What each member earned under the rule's key this period: one aggregate query."""
    return dict(db.session.execute(_EARNED, {"accounts": sorted({a.id for a in accounts}), "period": period.id,
                                             "scheme": rule.scheme_id, "key": rule.key}).all())


def _check_caps(rule: Rule, period: Period, accounts: list[Account]) -> None:
    """A rule's cap per period (每月封顶): what a member earned under it this period, plus this
    entry (and the batch's earlier ones for the same member), may not pass it."""
    if rule.cap_per_period is None or rule.points <= 0:
        return
    # two recordings for one member at once must not both fit under the cap: the members'
    # account rows are locked (in id order, as the balance updates take them) before counting.
    # SQLite needs nothing: a write transaction there already holds the database's write lock.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Account.id).where(Account.id.in_(sorted({a.id for a in accounts})))
                           .order_by(Account.id).with_for_update())
    so_far = _earned_so_far(rule, period, accounts)
    for i, account in enumerate(accounts):
        earned = so_far.get(account.id) or 0
        if earned + rule.points > rule.cap_per_period:
            exc = ApiError(422, "cap_reached", _("本月该项已得 %(so_far)s 分，封顶 %(cap_per_period)s 分", so_far=earned,
                                                 cap_per_period=rule.cap_per_period),
                           {"rule_id": [_("封顶 %(cap_per_period)s", cap_per_period=rule.cap_per_period)]})
            exc.member_index = i
            raise exc
        so_far[account.id] = earned + rule.points


def record_entry(tenant, scheme: Scheme, rule: Rule, *, occurred_at: dt.datetime | None = None, note: str = "",
                 evidence: str = "", source: str = "manual", source_ref: str | None = None, photos=(), **member) -> Txn:
    """Record one entry (记一笔) for a member under ``rule``; it waits for review when the rule
    asks for it, and is posted at once otherwise. An announced event (``source``/``source_ref``)
    is recorded once: a repeat returns the first transaction."""
    if source_ref is not None:
        seen = db.session.scalar(select(Txn).where(Txn.source == source, Txn.source_ref == source_ref))
        if seen is not None:
            return seen
    try:
        txn, = record_entries(tenant, scheme, rule, [member], occurred_at=occurred_at, note=note, evidence=evidence,
                              source=source, source_ref=source_ref, photos=photos)
    except ApiError as exc:
        exc.member_index = None
        raise
    return txn


def record_entries(tenant, scheme: Scheme, rule: Rule, members: list[dict], *, occurred_at: dt.datetime | None = None,
                   note: str = "", evidence: str = "", source: str = "manual", source_ref: str | None = None,
                   photos=()) -> list[Txn]:
    """Record ``rule`` for each of ``members`` (a member may come twice): one entry, or a batch
    at a village meeting (村民大会集中记分), all or none. The scheme, rule, period and accounts are
    read once, the caps by one aggregate query, and the transactions, entries, tallies and the
    audit row are each written by one statement. A refusal about one member carries
    ``exc.member_index``. ``photos``: checked uploads (:mod:`plugins.points_bank.photos`) kept as
    evidence of every transaction recorded."""
    if not scheme.active:
        raise ApiError(422, "scheme_inactive", _("该积分方案已停用"), {"scheme_id": [_("停用")]})
    _rule_in(scheme, rule)
    if rule.photo_required and not photos:
        raise ApiError(422, "photo_required", _("该细则须上传照片佐证"),
                       {"photos": [_("须上传照片")]})
    now = utcnow()
    occurred_at = occurred_at or now
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ApiError(422, "validation_error", _("发生时间不能晚于现在"),
                       {"occurred_at": [_("晚于现在")]})
    period = ledger.period_for(occurred_at)
    if period.state != "open":
        raise ApiError(422, "period_published", _("%(key)s 已公示，不能再记入", key=period.key),
                       {"occurred_at": [_("%(key)s 已公示", key=period.key)]})
    accounts, issuing = ledger.members_accounts(tenant, scheme, members)
    _check_caps(rule, period, accounts)
    txns = ledger.insert_txns(scheme, accounts, "award" if rule.points > 0 else "deduction", rule.points, occurred_at,
                              period, approved=not rule.needs_review,
                              review_note=None if rule.needs_review else _("无需审核"),
                              rule_id=rule.id, note=(note or "")[:500], evidence=(evidence or "")[:500], source=source,
                              source_ref=source_ref)
    by_id = {a.id: a for a in accounts}
    for txn in txns:
        set_committed_value(txn, "rule", rule)
        set_committed_value(txn, "account", by_id[txn.account_id])
    if not rule.needs_review:
        try:
            ledger.book(scheme, txns, by_id, issuing)
        except ApiError as exc:
            if getattr(exc, "account_id", None) in by_id:
                exc.member_index = next(i for i, a in enumerate(accounts) if a.id == exc.account_id)
            raise
    if photos:
        from plugins.points_bank.photos import store

        store(tenant, txns, photos)
    audit("points_bank.record", txns[0], after={
        "transactions": [t.id for t in txns], "accounts": [a.number for a in accounts], "rule": rule.key,
        "version": rule.version, "points": rule.points, "source": source})
    for txn in txns:
        announce_award(tenant, txn)
    return txns


def _approve(tenant, txn: Txn, note: str = "") -> Txn:
    _, name = ledger.actor()
    ledger.post(tenant, txn, reviewed_by_name=name, review_note=(note or "")[:500] or None)
    announce_award(tenant, txn)
    return txn


def _pending_in_open_period(txn: Txn) -> None:
    if txn.state != "pending":
        raise ApiError(409, "invalid_state", _("该笔记录已是「%(state)s」，不能再审核", state=txn.state),
                       {"state": [txn.state]})
    if db.session.get(Period, txn.period_id).state == "closed":
        raise ApiError(422, "period_closed", _("审核期已关闭"), {"period": ["closed"]})


def review(tenant, txns: list[Txn], decision: str, note: str = "") -> list[Txn]:
    """Approve or reject pending entries as one batch (批量审核): all or none (a deduction that
    a balance cannot carry refuses the whole batch, naming the entry)."""
    if decision == "reject" and not (note or "").strip():
        raise ApiError(422, "validation_error", _("驳回须写明理由"), {"note": [_("必填")]})
    for txn in txns:
        _pending_in_open_period(txn)
    for txn in txns:
        if decision == "approve":
            try:
                _approve(tenant, txn, note)
            except ApiError as exc:
                exc.fields = {"ids": [f"#{txn.id}: {exc.message}"]}
                raise
        else:
            _actor, name = ledger.actor()
            ledger.transition(Txn, txn, ("pending",), "rejected", reviewed_by_name=name, reviewed_at=utcnow(),
                              review_note=note[:500])
        audit(f"points_bank.{decision}", txn, after={"state": txn.state, "note": note})
    return txns


def reverse(tenant, txn: Txn, note: str, source: str = "manual") -> Txn:
    """Correct an approved entry with a reversing transaction (冲正); never an edit."""
    if not (note or "").strip():
        raise ApiError(422, "validation_error", _("冲正须写明理由"), {"note": [_("必填")]})
    if txn.kind == "redemption":
        from plugins.points_bank.supermarket import return_redemption

        return return_redemption(tenant, txn, note)
    rev = ledger.reversal_of(tenant, txn, note, source)
    audit("points_bank.reverse", rev, after={"reverses": txn.id, "points": rev.points, "note": note})
    announce_award(tenant, rev)
    return rev


def announce_award(tenant, txn: Txn) -> None:
    """``points_awarded`` for an approved earning transaction (BRIEF contract)."""
    if txn.state != "approved" or txn.kind in ("redemption",):
        return
    if txn.kind == "reversal" and db.session.get(Txn, txn.reverses_id).kind == "redemption":
        return
    account = db.session.get(Account, txn.account_id)
    scheme = db.session.get(Scheme, txn.scheme_id)
    rule = db.session.get(Rule, txn.rule_id) if txn.rule_id else None
    hooks(tenant).points_awarded(tenant=tenant, award={
        "transaction_id": txn.id, "account_id": account.id, "scheme_id": scheme.id, "scheme_kind": scheme.kind,
        "household_id": account.household_id, "person_id": account.person_id,
        "rule_id": txn.rule_id, "category": rule.category if rule else None, "points": txn.points,
        "source": txn.source if txn.kind != "reversal" else "reversal", "occurred_at": ledger.tally_time(txn)})


def get_txn(txn_id: int) -> Txn:
    row = db.session.get(Txn, txn_id)
    if row is None:
        raise ApiError(404, "not_found", _("记录不存在"))
    return row
