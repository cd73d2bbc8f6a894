"""Household cards (一户一码) and the phones signed in with them (已登录手机).

A card belongs to one household of one township. It carries a short number printed like a
passbook number, a random ``token`` for its QR code (``/r/<tenant>/card/<token>``; kept as it is so
the card can be reprinted, and it opens nothing without the PIN) and a 6-digit PIN kept only as an
argon2 hash (printed on the card once, at issue). Reissuing revokes the old
card and makes a new one; revoking a card revokes every device signed in with it.

A device is a phone that entered the PIN once: it keeps a long-lived cookie whose random value is
stored here as a SHA-256 hash (a stolen database lists no usable cookie).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Timestamped, UTCDateTime, db
from core.i18n import N_
from core.tenancy import TenantOwned, tenant_fk

CARD_ACTIVE, CARD_REVOKED = "active", "revoked"
STATUS_LABELS = {CARD_ACTIVE: N_("有效"), CARD_REVOKED: N_("已停用")}


class HouseholdCard(TenantOwned, Timestamped, db.Model):
    """A household's card (户码卡). At most one active card per household (enforced by
    :mod:`core.residents.cards`, which revokes the old card in the same transaction)."""

    __tablename__ = "core_household_card"
    __table_args__ = (
        tenant_fk("household_id", "core_household"),
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "token"),
        Index("ix_core_household_card_tenant_household", "tenant_id", "household_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(16), nullable=False)  # 卡号, digits with a check digit
    token: Mapped[str] = mapped_column(String(64), nullable=False)  # in the QR code's URL
    pin_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CARD_ACTIVE)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(String(16))  # "reissued" | "revoked"
    failed_pins: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    household = relationship("Household", primaryjoin="HouseholdCard.household_id == Household.id",
                             foreign_keys="HouseholdCard.household_id", viewonly=True)

    @property
    def active(self) -> bool:
        return self.status == CARD_ACTIVE

    @property
    def number_display(self) -> str:
        """The number in groups of four, as printed (``1234 5678``)."""
        return " ".join(self.number[i:i + 4] for i in range(0, len(self.number), 4))


class ResidentDevice(TenantOwned, Timestamped, db.Model):
    """A phone signed in with a card (the PIN was entered once on it)."""

    __tablename__ = "core_resident_device"
    __table_args__ = (
        tenant_fk("card_id", "core_household_card", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token_hash"),
        Index("ix_core_resident_device_tenant_card", "tenant_id", "card_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(Integer, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    user_agent: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    card: Mapped[HouseholdCard] = relationship(primaryjoin="ResidentDevice.card_id == HouseholdCard.id",
                                               foreign_keys="ResidentDevice.card_id", viewonly=True)
