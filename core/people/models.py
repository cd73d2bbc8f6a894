"""Households (户), residents (居民) and special-group tags (重点人群标签).

Every table is tenant-owned and every reference between them is a composite
``(tenant_id, x_id)`` foreign key, so a row can never point into another township. Indexes lead
with ``tenant_id``. Residents are never hard-deleted by ordinary users: they move out, die, or are
anonymised (PIPL), and the row stays for statistics.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, Timestamped, db, utcnow
from core.i18n import N_
from core.tenancy import TenantOwned, tenant_fk


class PersonStatus(str, enum.Enum):
    living = "living"        # 在住
    moved_out = "moved_out"  # 迁出
    deceased = "deceased"    # 死亡


# Labels stay Chinese in the API and exports; pages translate them (``_(p.status_label)``).
STATUS_LABELS = {PersonStatus.living: N_("在住"), PersonStatus.moved_out: N_("迁出"), PersonStatus.deceased: N_("死亡")}
GENDER_LABELS = {"male": N_("男"), "female": N_("女"), "unknown": N_("未知")}


class Household(TenantOwned, Timestamped, db.Model):
    """A household (户) with an address in a grid."""

    __tablename__ = "core_household"
    __table_args__ = (
        tenant_fk("grid_id", "core_grid"),
        Index("ix_core_household_tenant_grid", "tenant_id", "grid_id"),
        Index("ix_core_household_tenant_number", "tenant_id", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str | None] = mapped_column(String(32))  # 户编号, optional
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    head_name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11))
    notes: Mapped[str | None] = mapped_column(Text)

    grid = relationship("Grid", primaryjoin="Household.grid_id == Grid.id", foreign_keys="Household.grid_id",
                        viewonly=True, lazy="joined")


class Person(TenantOwned, Timestamped, db.Model):
    """A resident (居民). ``id_number`` is the 18-digit 身份证号, unique within the township."""

    __tablename__ = "core_person"
    __table_args__ = (
        tenant_fk("grid_id", "core_grid"),
        tenant_fk("household_id", "core_household"),
        UniqueConstraint("tenant_id", "id_number"),
        # covers the statistics: counts per grid subtree read the index alone
        Index("ix_core_person_tenant_grid", "tenant_id", "grid_id", "status", "is_party_member", "party_away"),
        Index("ix_core_person_tenant_status", "tenant_id", "status", "is_party_member", "party_away"),
        Index("ix_core_person_tenant_household", "tenant_id", "household_id"),
        Index("ix_core_person_tenant_initials", "tenant_id", "name_initials"),
        Index("ix_core_person_tenant_pinyin", "tenant_id", "name_pinyin"),
        Index("ix_core_person_tenant_name", "tenant_id", "name"),
        Index("ix_core_person_tenant_mobile", "tenant_id", "mobile"),
        Index("ix_core_person_tenant_party_org", "tenant_id", "party_org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    household_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    name_initials: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    name_pinyin: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    gender: Mapped[str] = mapped_column(String(8), nullable=False, default="unknown")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18))
    mobile: Mapped[str | None] = mapped_column(String(11))
    relation: Mapped[str | None] = mapped_column(String(20))  # 与户主关系
    status: Mapped[PersonStatus] = mapped_column(
        Enum(PersonStatus, native_enum=False, length=16), default=PersonStatus.living, nullable=False)
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    party_branch: Mapped[str | None] = mapped_column(String(100))
    # the grid party organisation (支部建在网格上) the member belongs to, when known
    party_org_id: Mapped[int | None] = mapped_column(Integer)
    party_joined_on: Mapped[dt.date | None] = mapped_column(Date)
    party_away: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)  # 在外/流动党员
    notes: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    grid = relationship("Grid", primaryjoin="Person.grid_id == Grid.id", foreign_keys="Person.grid_id",
                        viewonly=True, lazy="joined")
    household: Mapped[Household | None] = relationship(
        primaryjoin="Person.household_id == Household.id", foreign_keys="Person.household_id", viewonly=True)
    tags: Mapped[list[Tag]] = relationship(
        secondary="core_person_tag", primaryjoin="Person.id == PersonTag.person_id",
        secondaryjoin="PersonTag.tag_id == Tag.id", viewonly=True, order_by="Tag.id")


class Tag(TenantOwned, Timestamped, db.Model):
    """A special-group tag (重点人群: 独居老人, 残疾人 ...). Built-ins carry a ``code``."""

    __tablename__ = "core_tag"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), nullable=False)
    code: Mapped[str | None] = mapped_column(String(32))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class PersonTag(TenantOwned, db.Model):
    """A person carries a tag."""

    __tablename__ = "core_person_tag"
    __table_args__ = (
        tenant_fk("person_id", "core_person", ondelete="CASCADE"),
        tenant_fk("tag_id", "core_tag", ondelete="CASCADE"),
        Index("ix_core_person_tag_tenant_tag", "tenant_id", "tag_id", "person_id"),
        Index("ix_core_person_tag_tenant_person", "tenant_id", "person_id"),
        PrimaryKeyConstraint("tenant_id", "person_id", "tag_id"),  # tenant_id first: Citus distributes by it
    )

    person_id: Mapped[int] = mapped_column(Integer)
    tag_id: Mapped[int] = mapped_column(Integer)


class PartyCenter(TenantOwned, Timestamped, db.Model):
    """A party-member household (党员中心户): a party member's household that keeps in touch with
    a few neighbouring households (联系户), the last link of the party tree under the grid's
    party organisation. ``member_id`` is the member, living in that household."""

    __tablename__ = "core_party_center"
    __table_args__ = (
        tenant_fk("household_id", "core_household"),
        tenant_fk("member_id", "core_person"),
        UniqueConstraint("tenant_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)

    household: Mapped[Household] = relationship(
        primaryjoin="PartyCenter.household_id == Household.id", foreign_keys="PartyCenter.household_id", viewonly=True)
    member: Mapped[Person] = relationship(
        primaryjoin="PartyCenter.member_id == Person.id", foreign_keys="PartyCenter.member_id", viewonly=True)


class PartyCenterLink(TenantOwned, db.Model):
    """A household a party-member household keeps in touch with (联系户); one centre each."""

    __tablename__ = "core_party_center_link"
    __table_args__ = (
        tenant_fk("center_id", "core_party_center", ondelete="CASCADE"),
        tenant_fk("household_id", "core_household"),
        UniqueConstraint("tenant_id", "household_id"),
        Index("ix_core_party_center_link_tenant_center", "tenant_id", "center_id"),
        PrimaryKeyConstraint("tenant_id", "center_id", "household_id"),  # tenant_id first: Citus distributes by it
    )

    center_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)


class GridCount(TenantOwned, db.Model):
    """One number of one grid itself, without its subtree (网格计数): ``households``,
    ``residents``, ``party_members``, ``party_away`` or ``tag:<tag id>`` (residents living here
    who carry the tag). Only non-zero numbers are stored. Kept exact by :mod:`core.people.counts`;
    never write it elsewhere.
    """

    __tablename__ = "core_grid_count"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "grid_id", "key"),
        tenant_fk("grid_id", "core_grid", ondelete="CASCADE"),
    )

    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


DEFAULT_TAGS = [
    ("elderly_alone", N_("独居老人")), ("disabled", N_("残疾人")), ("left_behind_child", N_("留守儿童")),
    ("in_difficulty", N_("困难群众")), ("fisherman", N_("流动渔民")), ("returnee", N_("返乡人员")),
    ("veteran", N_("退役军人")), ("low_income", N_("低保户")),
]
BUILTIN_TAG_NAMES = frozenset(name for _code, name in DEFAULT_TAGS)
