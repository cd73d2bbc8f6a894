"""Issuing household cards (发放户码卡): issue, reissue, revoke, and the lookups sign-in needs.

Contracts:

* a household has at most one active card; :func:`issue_card` revokes the active one (reason
  ``reissued``) and every phone signed in with it, in the same transaction, so the old card and its
  phones stop working the moment the new one exists;
* the PIN is returned once, to be printed, and kept only as an argon2id hash. PINs use argon2's
  lighter OWASP profile (19 MiB, 2 passes, ~25 ms) so a grid's batch of 300 cards prints in
  seconds; the per-card lock and the per-address limit (:mod:`core.residents.signin`) keep
  guessing a six-digit PIN online hopeless;
* card numbers are random (not a sequence: the next household's number cannot be guessed), eight
  digits with a Luhn check digit so a mistyped number is caught before any PIN is tried.

Every write is audited; callers commit.
"""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from sqlalchemy import select, update

from core import audit
from core.db import db, utcnow
from core.people.models import Household
from core.residents.models import CARD_ACTIVE, CARD_REVOKED, HouseholdCard, ResidentDevice

_STRONG = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
NUMBER_LENGTH = 8


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST", current_app.testing):
        return _FAST
    return _STRONG


def hash_pin(pin: str) -> str:
    return _hasher().hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def luhn_digit(digits: str) -> str:
    """The Luhn check digit for ``digits`` (as on bank cards)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def clean_number(raw: str | None) -> str | None:
    """The card number as typed (spaces and dashes allowed) when well formed with a valid check
    digit, else None."""
    number = "".join(ch for ch in (raw or "") if ch not in " -")
    if len(number) != NUMBER_LENGTH or not number.isdigit() or luhn_digit(number[:-1]) != number[-1]:
        return None
    return number


def _new_number() -> str:
    while True:
        body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(NUMBER_LENGTH - 2))
        number = body + luhn_digit(body)
        if db.session.scalar(select(HouseholdCard.id).where(HouseholdCard.number == number)) is None:
            return number


def new_pin() -> str:
    """Six random digits, never one digit six times."""
    while True:
        pin = "".join(str(secrets.randbelow(10)) for _ in range(6))
        if len(set(pin)) > 1:
            return pin


def active_card(household_id: int) -> HouseholdCard | None:
    return db.session.scalar(select(HouseholdCard).where(HouseholdCard.household_id == household_id,
                                                         HouseholdCard.status == CARD_ACTIVE))


def cards_of(household_id: int) -> list[HouseholdCard]:
    return list(db.session.scalars(select(HouseholdCard).where(HouseholdCard.household_id == household_id)
                                   .order_by(HouseholdCard.id.desc())))


def card_by_token(token: str) -> HouseholdCard | None:
    """The active card whose QR carries ``token`` in this township (None for revoked ones too)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(HouseholdCard).where(HouseholdCard.token == token,
                                                         HouseholdCard.status == CARD_ACTIVE))


def card_by_number(number: str) -> HouseholdCard | None:
    return db.session.scalar(select(HouseholdCard).where(HouseholdCard.number == number,
                                                         HouseholdCard.status == CARD_ACTIVE))


def revoke_devices(card: HouseholdCard) -> int:
    """Sign out every phone of ``card``; returns how many were signed in."""
    result = db.session.execute(update(ResidentDevice).where(ResidentDevice.card_id == card.id,
                                                             ResidentDevice.revoked_at.is_(None))
                                .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _end(card: HouseholdCard, reason: str, user_id: int | None) -> int:
    card.status, card.revoked_at, card.revoked_by_user_id, card.revoke_reason = CARD_REVOKED, utcnow(), user_id, reason
    return revoke_devices(card)


def issue_card(tenant, household: Household, user_id: int | None) -> tuple[HouseholdCard, str]:
    """A new card for ``household`` (发卡/补卡), revoking the active one; returns it with its PIN.

    The household row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's write requests are
    ``BEGIN IMMEDIATE``), so two staff issuing at once cannot leave two active cards."""
    db.session.execute(select(Household.id).where(Household.id == household.id).with_for_update())
    old = active_card(household.id)
    devices = _end(old, "reissued", user_id) if old is not None else 0
    pin = new_pin()
    card = HouseholdCard(household_id=household.id, number=_new_number(), token=secrets.token_urlsafe(24),
                         pin_hash=hash_pin(pin), status=CARD_ACTIVE, issued_at=utcnow(), issued_by_user_id=user_id)
    db.session.add(card)
    db.session.flush()
    audit.record("residents.card.reissue" if old is not None else "residents.card.issue", card,
                 before={"card_id": old.id, "number": old.number, "devices_signed_out": devices} if old else None,
                 after={"household_id": household.id, "number": card.number})
    return card, pin


def revoke_card(tenant, card: HouseholdCard, user_id: int | None) -> HouseholdCard:
    """Stop a card (挂失/停用): it and every phone signed in with it stop working."""
    if not card.active:
        return card
    devices = _end(card, "revoked", user_id)
    db.session.flush()
    audit.record("residents.card.revoke", card, before={"status": CARD_ACTIVE},
                 after={"status": CARD_REVOKED, "devices_signed_out": devices})
    return card


def signed_in_devices(card: HouseholdCard) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(ResidentDevice).where(
        ResidentDevice.card_id == card.id, ResidentDevice.revoked_at.is_(None))) or 0


def card_summary(household: Household) -> dict:
    """The household page's card section: the active card (if any) and the earlier ones."""
    history = cards_of(household.id)
    active = next((c for c in history if c.active), None)
    return {"active": active, "devices": signed_in_devices(active) if active is not None else 0,
            "history": [c for c in history if not c.active][:5]}
