"""Residents signing in with their household card (户码登录) and the phones that stay signed in.

A resident enters the card's PIN once per phone (after scanning the QR code, or typing the card
number); the phone then keeps a long-lived cookie (``HttpOnly``, ``SameSite=Lax``, one per
township, its random value stored only as a SHA-256 hash in ``core_resident_device``) until the
card is reissued or revoked or the resident signs out.

Guessing is limited twice:

* per card, in the database so every worker and host agrees: after ``RESIDENT_PIN_TRIES``
  (default 5) wrong PINs in a row the card is locked for ``RESIDENT_PIN_LOCK_MINUTES`` (default
  15) and the page says how long to wait; a right PIN resets the count;
* per address, on Flask-Limiter's storage like staff sign-in (:mod:`core.auth.throttle`):
  ``RESIDENT_LIMIT_ADDRESS`` failed attempts (default ``20 per 15 minutes``: wrong PINs and
  unknown card numbers alike), so one phone cannot walk through many cards.

Every sign-in and every failure is audited (``residents.sign_in``, ``residents.sign_in_failed`` with
the reason: ``unknown_card``, ``wrong_pin``, ``wrong_pin_locked``, ``locked``, ``address_limited``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
import time

from flask import current_app, g, request
from flask_babel import gettext as _
from limits import parse
from sqlalchemy import select, update

from core import audit
from core.db import db, utcnow
from core.errors import ApiError
from core.residents import cards
from core.residents.models import HouseholdCard, ResidentDevice

log = logging.getLogger("gridgov.residents")
COOKIE_DAYS = 400  # the longest a browser keeps a cookie
SEEN_EVERY = dt.timedelta(hours=1)  # last_seen_at is refreshed at most this often


class SignInRefused(ApiError):
    """A refused resident sign-in: a message in the reader's language (residents' pages only), and
    ``retry_after`` (seconds) when the card or the address must wait."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(status, code, message)
        self.retry_after = retry_after


def cookie_name(tenant) -> str:
    return f"gridgov_resident_{tenant.id}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _tries() -> int:
    return int(current_app.config.get("RESIDENT_PIN_TRIES", 5))


def _lock_minutes() -> int:
    return int(current_app.config.get("RESIDENT_PIN_LOCK_MINUTES", 15))


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return _("密码错误次数过多，此卡已暂时锁定，请 %(minutes)s 分钟后再试。", minutes=minutes)


# --- per address, on the limiter's storage ---------------------------------------------------

def _address_limit():
    strategy = None
    if current_app.config.get("RATELIMIT_ENABLED", True):
        strategy = current_app.extensions["gridgov.limiter"].limiter
    item = parse(current_app.config.get("RESIDENT_LIMIT_ADDRESS") or "20 per 15 minutes")
    return strategy, item, ("resident-address", request.remote_addr or "unknown")


def _check_address() -> None:
    strategy, item, ids = _address_limit()
    if strategy is None:
        return
    try:
        if strategy.test(item, *ids):
            return
        wait = max(1, math.ceil(strategy.get_window_stats(item, *ids).reset_time - time.time()))
    except Exception:  # storage down: the per-card lock still holds
        log.exception("resident rate-limit storage unavailable; not limiting this attempt")
        return
    minutes = max(1, math.ceil(wait / 60))
    raise SignInRefused(429, "too_many_attempts", _("本网络尝试次数过多，请 %(minutes)s 分钟后再试。", minutes=minutes),
                        wait)


def _count_address_failure() -> None:
    strategy, item, ids = _address_limit()
    if strategy is not None:
        try:
            strategy.hit(item, *ids)
        except Exception:
            log.exception("resident rate-limit storage unavailable; failure not counted")


# --- the PIN -----------------------------------------------------------------------------------

def _refuse(card: HouseholdCard | None, reason: str, via: str, exc: SignInRefused) -> SignInRefused:
    audit.record("residents.sign_in_failed", card, object_type="core_household_card",
                 after={"reason": reason, "via": via, "failures": card.failed_pins if card else None})
    db.session.commit()  # the failure counts even though the request answers with an error
    return exc


def check_pin(card: HouseholdCard | None, pin: str, via: str) -> HouseholdCard:
    """The card when ``pin`` opens it; else :class:`SignInRefused` (401 wrong, 429 locked or too
    many from this address, 404 no such card), the failure audited and committed."""
    try:
        _check_address()
    except SignInRefused as exc:
        raise _refuse(card, "address_limited", via, exc) from None
    now = utcnow()
    if card is None:
        _count_address_failure()
        raise _refuse(None, "unknown_card", via, SignInRefused(
            404, "unknown_card", _("卡号或二维码无效，或此卡已停用；请联系村（社区）或网格员。")))
    if card.locked_until is not None and card.locked_until > now:
        wait = math.ceil((card.locked_until - now).total_seconds())
        raise _refuse(card, "locked", via, SignInRefused(429, "card_locked", wait_message(wait), wait))
    if not cards.pin_matches(card.pin_hash, (pin or "").strip()):
        _count_address_failure()
        db.session.execute(update(HouseholdCard).where(HouseholdCard.id == card.id)
                           .values(failed_pins=HouseholdCard.failed_pins + 1)
                           .execution_options(synchronize_session=False))
        db.session.refresh(card)
        if card.failed_pins >= _tries():
            card.locked_until, card.failed_pins = now + dt.timedelta(minutes=_lock_minutes()), 0
            db.session.flush()
            wait = _lock_minutes() * 60
            raise _refuse(card, "wrong_pin_locked", via, SignInRefused(429, "card_locked", wait_message(wait), wait))
        left = _tries() - card.failed_pins
        raise _refuse(card, "wrong_pin", via, SignInRefused(
            401, "wrong_pin", _("密码不正确，还可以再试 %(left)s 次。", left=left)))
    card.failed_pins, card.locked_until, card.last_sign_in_at = 0, None, now
    return card


# --- devices -----------------------------------------------------------------------------------

def sign_in_device(tenant, card: HouseholdCard, via: str, response) -> ResidentDevice:
    """Remember this phone for ``card``: a device row and its cookie on ``response``."""
    token = secrets.token_urlsafe(32)
    device = ResidentDevice(card_id=card.id, token_hash=_digest(token),
                            user_agent=(request.user_agent.string or "")[:200], last_seen_at=utcnow())
    db.session.add(device)
    db.session.flush()
    audit.record("residents.sign_in", card, after={"via": via, "device_id": device.id,
                                                   "household_id": card.household_id})
    response.set_cookie(cookie_name(tenant), token, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/")
    return device


def current_device(tenant) -> ResidentDevice | None:
    """This request's signed-in device for ``tenant`` (its card active), or None. Cached on ``g``."""
    cached = g.get("_resident_device")
    if cached is not None and cached[0] == tenant.id:
        return cached[1]
    token = request.cookies.get(cookie_name(tenant)) or ""
    device = None
    if 20 <= len(token) <= 100:
        device = db.session.scalar(select(ResidentDevice).where(ResidentDevice.token_hash == _digest(token),
                                                                ResidentDevice.revoked_at.is_(None)))
        if device is not None and (device.card is None or not device.card.active):
            device = None
    g._resident_device = (tenant.id, device)
    return device


def resident_session(tenant):
    """``(card, household)`` of the phone signed in for ``tenant`` in this request, or None."""
    device = current_device(tenant)
    if device is None:
        return None
    card = device.card
    if card.household is None:
        return None
    now = utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > SEEN_EVERY:
        device.last_seen_at = now
        g._resident_touch = True  # committed by the portal's after_request
    return card, card.household


def sign_out_device(tenant, response) -> None:
    device = current_device(tenant)
    if device is not None:
        device.revoked_at = utcnow()
        audit.record("residents.sign_out", device.card, after={"device_id": device.id})
    response.delete_cookie(cookie_name(tenant), path="/")
