"""Tables of the points bank (积分), all prefixed ``points_bank_`` and tenant-owned.

The ledger is double-entry: a :class:`Txn` (one recorded event: an award, a deduction, a
redemption, a reversal) owns two or more :class:`Entry` rows whose amounts sum to zero. Each
scheme has an issuing account (发行账户, it goes negative as points are issued) and a supermarket
account (超市账户, it collects what members spend), so a scheme's accounts always sum to zero.

Invariants (checked by ``gridgov points check``):

* entries are written once, when their transaction is approved, and never updated or deleted
  (the mapper refuses); corrections are reversing transactions (``reverses_id``, once each);
* ``Account.balance`` equals the sum of its entries: it changes only in the transaction that
  writes them, by a guarded ``UPDATE`` (see :mod:`plugins.points_bank.ledger`);
* a member's balance and an item's stock never go below zero (guarded updates, and CHECK
  constraints as the last line);
* a rule edit makes a new :class:`Rule` row (version + 1); transactions point at the version
  they were recorded under, so past entries keep theirs.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import TenantOwned, Timestamped, UTCDateTime, db, tenant_fk, utcnow

SCHEME_KINDS = ("household", "grid_worker", "party_org", "party_member")
ACCOUNT_KINDS = ("member", "issuing", "supermarket")
TXN_KINDS = ("base", "award", "deduction", "adjustment", "redemption", "reversal")
TXN_STATES = ("pending", "approved", "rejected")
PERIOD_STATES = ("open", "published", "closed")


class Scheme(TenantOwned, Timestamped, db.Model):
    """A scoring scheme (积分规则) for one kind of member, township-wide or for a grid subtree."""

    __tablename__ = "points_bank_scheme"
    __table_args__ = (tenant_fk("grid_id", "core_grid"), UniqueConstraint("tenant_id", "code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    grid_id: Mapped[int | None] = mapped_column(Integer)  # None: the whole township
    base_score: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    rules: Mapped[list[Rule]] = relationship(
        primaryjoin="and_(Scheme.id == Rule.scheme_id, Rule.current.is_(True))", foreign_keys="Rule.scheme_id",
        order_by="(Rule.sort, Rule.id)", viewonly=True)


class Rule(TenantOwned, Timestamped, db.Model):
    """One version of a scoring rule (积分细则). ``key`` is stable across versions."""

    __tablename__ = "points_bank_rule"
    __table_args__ = (tenant_fk("scheme_id", "points_bank_scheme"),
                      UniqueConstraint("tenant_id", "scheme_id", "key", "version"),
                      Index("ix_points_bank_rule_tenant_scheme_current", "tenant_id", "scheme_id", "current"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    category: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    cap_per_period: Mapped[int | None] = mapped_column(Integer)  # points per member and month
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    evidence: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    photo_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 须上传照片佐证
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Account(TenantOwned, Timestamped, db.Model):
    """An account (积分账户/存折): a member's (一户一折), or a scheme's issuing or supermarket one.

    ``holder`` names who it belongs to within the scheme (``household:12``, ``person:5``,
    ``grid:3``, ``issuing``, ``supermarket``), unique per scheme.
    """

    __tablename__ = "points_bank_account"
    __table_args__ = (
        tenant_fk("scheme_id", "points_bank_scheme"),
        tenant_fk("household_id", "core_household"),
        tenant_fk("grid_id", "core_grid"),
        UniqueConstraint("tenant_id", "scheme_id", "holder"),
        Index("ix_points_bank_account_tenant_household", "tenant_id", "household_id"),
        Index("ix_points_bank_account_tenant_person", "tenant_id", "person_id"),
        CheckConstraint("kind <> 'member' OR balance >= 0", name="member_balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="member")
    holder: Mapped[str] = mapped_column(String(32), nullable=False)
    number: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    household_id: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer)  # core_person row; no FK (PIPL erasure keeps rows)
    grid_id: Mapped[int | None] = mapped_column(Integer)
    balance: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    scheme: Mapped[Scheme] = relationship(primaryjoin="Account.scheme_id == Scheme.id",
                                          foreign_keys="Account.scheme_id", viewonly=True)


class Period(TenantOwned, Timestamped, db.Model):
    """A review period (审核期), one per local month: open → published (公示) → closed."""

    __tablename__ = "points_bank_period"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(7), nullable=False)  # "2026-11", Beijing time
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    publish_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Txn(TenantOwned, Timestamped, db.Model):
    """A ledger transaction (一笔记账). ``points`` is signed from the member's side."""

    __tablename__ = "points_bank_txn"
    __table_args__ = (
        tenant_fk("scheme_id", "points_bank_scheme"),
        tenant_fk("account_id", "points_bank_account"),
        tenant_fk("rule_id", "points_bank_rule"),
        tenant_fk("period_id", "points_bank_period"),
        tenant_fk("reverses_id", "points_bank_txn"),
        UniqueConstraint("tenant_id", "reverses_id"),  # a transaction is reversed at most once
        UniqueConstraint("tenant_id", "source", "source_ref"),  # one award per announced event
        Index("ix_points_bank_txn_tenant_period_state", "tenant_id", "period_id", "state"),
        Index("ix_points_bank_txn_tenant_account", "tenant_id", "account_id", "id"),
        Index("ix_points_bank_txn_tenant_account_period", "tenant_id", "account_id", "period_id"),  # the monthly cap
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(Integer, nullable=False)
    account_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    rule_id: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    period_id: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    evidence: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(50), nullable=False, default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by_user_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    reviewed_by_name: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(String(500))

    account: Mapped[Account] = relationship(primaryjoin="Txn.account_id == Account.id",
                                            foreign_keys="Txn.account_id", viewonly=True)
    rule: Mapped[Rule | None] = relationship(primaryjoin="Txn.rule_id == Rule.id", foreign_keys="Txn.rule_id",
                                             viewonly=True)
    period: Mapped[Period] = relationship(primaryjoin="Txn.period_id == Period.id", foreign_keys="Txn.period_id",
                                          viewonly=True)
    entries: Mapped[list[Entry]] = relationship(primaryjoin="Txn.id == Entry.txn_id", foreign_keys="Entry.txn_id",
                                                order_by="Entry.id", viewonly=True)
    photos: Mapped[list[EvidencePhoto]] = relationship(primaryjoin="Txn.id == EvidencePhoto.txn_id",
                                                       foreign_keys="EvidencePhoto.txn_id",
                                               order_by="EvidencePhoto.id", viewonly=True)


class EvidencePhoto(TenantOwned, Timestamped, db.Model):
    """A photo kept as a transaction's evidence (照片佐证), stored under
    ``UPLOAD_DIR/points_bank/<tenant id>/``; ``path`` is relative to that folder. One upload
    recorded for several members (a batch) is one file with a row per transaction."""

    __tablename__ = "points_bank_photo"
    __table_args__ = (tenant_fk("txn_id", "points_bank_txn"),
                      Index("ix_points_bank_photo_tenant_txn", "tenant_id", "txn_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[int] = mapped_column(Integer, nullable=False)
    path: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)


class Entry(TenantOwned, Timestamped, db.Model):
    """One leg of a transaction (分录): ``amount`` added to ``account_id`` (negative: taken)."""

    __tablename__ = "points_bank_entry"
    __table_args__ = (
        tenant_fk("txn_id", "points_bank_txn"),
        tenant_fk("account_id", "points_bank_account"),
        Index("ix_points_bank_entry_tenant_account", "tenant_id", "account_id", "id"),
        Index("ix_points_bank_entry_tenant_txn", "tenant_id", "txn_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[int] = mapped_column(Integer, nullable=False)
    account_id: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)


class Tally(TenantOwned, db.Model):
    """Points a member *earned* (awards, deductions and their reversals; not spending) per local
    month (``2026-11``) and year (``2026``), kept in the posting transaction: rankings read it."""

    __tablename__ = "points_bank_tally"
    __table_args__ = (
        tenant_fk("account_id", "points_bank_account"),
        UniqueConstraint("tenant_id", "account_id", "bucket"),
        Index("ix_points_bank_tally_tenant_rank", "tenant_id", "scheme_id", "bucket", "earned"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, nullable=False)
    scheme_id: Mapped[int] = mapped_column(Integer, nullable=False)
    grid_id: Mapped[int | None] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(7), nullable=False)
    earned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Objection(TenantOwned, Timestamped, db.Model):
    """A resident's objection (异议) to a published entry: open → upheld (reversed) / dismissed."""

    __tablename__ = "points_bank_objection"
    __table_args__ = (tenant_fk("txn_id", "points_bank_txn"), tenant_fk("period_id", "points_bank_period"),
                      tenant_fk("reversal_txn_id", "points_bank_txn"),
                      Index("ix_points_bank_objection_tenant_period", "tenant_id", "period_id", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[int] = mapped_column(Integer, nullable=False)
    period_id: Mapped[int] = mapped_column(Integer, nullable=False)
    by_name: Mapped[str] = mapped_column(String(64), nullable=False)
    by_household_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    resolution: Mapped[str | None] = mapped_column(String(500))
    resolved_by_name: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reversal_txn_id: Mapped[int | None] = mapped_column(Integer)

    txn: Mapped[Txn] = relationship(primaryjoin="Objection.txn_id == Txn.id", foreign_keys="Objection.txn_id",
                                    viewonly=True)


class Item(TenantOwned, Timestamped, db.Model):
    """Goods or a service in the supermarket (商品/服务) with a points price and stock."""

    __tablename__ = "points_bank_item"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),
                      CheckConstraint("price > 0", name="price_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="goods")  # goods | service
    unit: Mapped[str] = mapped_column(String(10), nullable=False, default="件")
    price: Mapped[int] = mapped_column(Integer, nullable=False)
    stock: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    min_tier: Mapped[str | None] = mapped_column(String(16))  # None: everyone; else a tier code
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Redemption(TenantOwned, Timestamped, db.Model):
    """A redemption at the counter (兑换): the ledger transaction plus what was handed over."""

    __tablename__ = "points_bank_redemption"
    __table_args__ = (tenant_fk("txn_id", "points_bank_txn"), tenant_fk("item_id", "points_bank_item"),
                      tenant_fk("account_id", "points_bank_account"), UniqueConstraint("tenant_id", "txn_id"),
                      Index("ix_points_bank_redemption_tenant_created", "tenant_id", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    txn_id: Mapped[int] = mapped_column(Integer, nullable=False)
    account_id: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[int] = mapped_column(Integer, nullable=False)
    discount_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    handed_over_by_user_id: Mapped[int | None] = mapped_column(Integer)
    handed_over_by_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    returned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    item: Mapped[Item] = relationship(primaryjoin="Redemption.item_id == Item.id",
                                      foreign_keys="Redemption.item_id", viewonly=True)
    account: Mapped[Account] = relationship(primaryjoin="Redemption.account_id == Account.id",
                                            foreign_keys="Redemption.account_id", viewonly=True)
    txn: Mapped[Txn] = relationship(primaryjoin="Redemption.txn_id == Txn.id", foreign_keys="Redemption.txn_id",
                                    viewonly=True)


class StockMove(TenantOwned, Timestamped, db.Model):
    """Every change of an item's stock (出入库): restock, stock-taking, redemption, return."""

    __tablename__ = "points_bank_stock_move"
    __table_args__ = (tenant_fk("item_id", "points_bank_item"),
                      tenant_fk("redemption_id", "points_bank_redemption"),
                      Index("ix_points_bank_stock_move_tenant_item", "tenant_id", "item_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # restock | stocktake | redemption | return
    delta: Mapped[int] = mapped_column(Integer, nullable=False)
    stock_after: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    by_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    redemption_id: Mapped[int | None] = mapped_column(Integer)


class RuleMapping(TenantOwned, Timestamped, db.Model):
    """Which rule an announcement of another module earns (联动积分), by the rule's stable key."""

    __tablename__ = "points_bank_rule_mapping"
    __table_args__ = (tenant_fk("scheme_id", "points_bank_scheme"), UniqueConstraint("tenant_id", "kind", "scheme_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    scheme_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_key: Mapped[str] = mapped_column(String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


def _immutable(mapper, connection, target) -> None:
    raise RuntimeError(f"{type(target).__name__} rows are append-only; record a reversing transaction instead")


for _model in (Entry, StockMove):
    event.listen(_model, "before_update", _immutable)
    event.listen(_model, "before_delete", _immutable)
