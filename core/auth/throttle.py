"""Failed sign-in limits (登录限流), on Flask-Limiter's storage, in the order OWASP recommends:
per address first, then per account, without letting a stranger lock the owner out.

Only *failed* attempts count, in three buckets:

1. **per address** (``LOGIN_LIMIT_ADDRESS``, default ``30 per 15 minutes``): one address trying
   many accounts (password spraying) is stopped, whatever accounts it names;
2. **per account from one address** (``LOGIN_LIMIT_ACCOUNT``, default ``5 per 15 minutes``):
   guessing one account's password from one place is stopped; strangers elsewhere cannot use
   this to refuse the owner, since their failures fill their own buckets;
3. **per account from everywhere** (``LOGIN_LIMIT_ACCOUNT_TOTAL``, default ``20 per 15
   minutes``): a guess spread over many addresses is delayed, but only for browsers that have
   not signed in to this account before. A successful sign-in leaves a signed device cookie
   (``gridgov_device``, "device cookies" in OWASP's guidance), and a browser presenting one for
   the account is not held back by this bucket, so the owner's own phone or office PC still gets
   in with the right password while strangers are failing.

The account is the account, whatever spelling was typed: the username and the mobile number of
one user share buckets 2 and 3 (a login naming no account is counted under the text typed, lower
cased, and limited alike, so the answers reveal nothing about which accounts exist). A
successful sign-in clears the account's bucket for that address.

Storage: Redis when ``REDIS_URL`` is set (config key ``RATELIMIT_STORAGE_URI``), which every
production deployment with more than one gunicorn worker needs, since in-memory counters are per
worker (the app logs a warning when it starts outside tests without one). If the storage is
unreachable (Redis down) sign-in stays possible and the error is logged: the console must not
lock everyone out, and argon2 keeps each guess slow.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

from core.errors import ApiError, respond
from flask_babel import gettext as _

log = logging.getLogger("gridgov.auth")
EXTENSION = "gridgov.limiter"
DEFAULTS = {"LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes", "LOGIN_LIMIT_ADDRESS": "30 per 15 minutes",
            "LOGIN_LIMIT_ACCOUNT_TOTAL": "20 per 15 minutes"}
DEVICE_COOKIE = "gridgov_device"
DEVICE_DAYS = 180
DEVICE_ACCOUNTS = 5  # accounts one browser remembers (a shared office PC)


class LoginThrottled(ApiError):
    """429 with ``Retry-After``: too many failed sign-ins for this account or address."""

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            429, "too_many_failed_logins",
            _("登录失败次数过多，请在 %(minutes)s 分钟后再试", minutes=minutes),
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def _limit(name: str):
    return parse(current_app.config.get(name) or DEFAULTS[name])


def account_key(login: str, user=None) -> str:
    """One key per account whatever name was typed (username or mobile)."""
    return f"user:{user.id}" if user is not None else f"login:{(login or '').strip().lower()}"


def _installation() -> str:
    """Counters of one installation apart from another's in a shared Redis: account keys are
    user ids, which two databases both number from 1."""
    import hashlib

    return hashlib.sha1(str(current_app.config.get("SQLALCHEMY_DATABASE_URI", "")).encode()).hexdigest()[:10]


def _keys(login: str, user=None, *, trusted: bool | None = None) -> list[tuple[object, tuple[str, ...]]]:
    """The buckets of this attempt, in the order they are checked (address first)."""
    account, here = account_key(login, user), _installation()
    if not has_request_context():
        return [(_limit("LOGIN_LIMIT_ACCOUNT_TOTAL"), ("login-account", here, account))]
    address = request.remote_addr or "unknown"
    keys = [(_limit("LOGIN_LIMIT_ADDRESS"), ("login-address", here, address)),
            (_limit("LOGIN_LIMIT_ACCOUNT"), ("login-account-address", here, account, address))]
    if not (trusted if trusted is not None else _trusted_device(user)):
        keys.append((_limit("LOGIN_LIMIT_ACCOUNT_TOTAL"), ("login-account", here, account)))
    return keys


def _strategy():
    """The app's own limiter (one per app, so apps built side by side in tests keep apart)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return current_app.extensions[EXTENSION].limiter


def within_rate_limit(limit: str, *key: str) -> bool:
    """Count one hit of ``key`` against ``limit`` (``"10 per hour"``) in the app's limiter storage,
    shared by every worker and host when Redis is configured, as the sign-in counters are; False
    once the limit is reached. Keys are namespaced by this installation and the tenant in context,
    so townships never share a bucket. Storage down: True (not limited), logged."""
    from limits import parse

    from core.tenancy import current_tenant_id

    strategy = _strategy()
    if strategy is None:
        return True
    try:
        return strategy.hit(parse(limit), "rate", _installation(), str(current_tenant_id()), *key)
    except Exception:
        log.exception("rate-limit storage unavailable; not limiting %s", key[:1])
        return True


def check_login_allowed(login: str, user=None) -> None:
    """Raise :class:`LoginThrottled` when one of this attempt's buckets is full."""
    strategy = _strategy()
    if strategy is None:
        return
    try:
        for item, ids in _keys(login, user):
            if not strategy.test(item, *ids):
                reset = strategy.get_window_stats(item, *ids).reset_time
                g.login_throttled = max(1, math.ceil(reset - time.time()))
                raise LoginThrottled(g.login_throttled)
    except LoginThrottled:
        raise
    except Exception:  # storage down (Redis): sign-in stays possible; argon2 still slows guessing
        log.exception("login rate-limit storage unavailable; not limiting this attempt")


def login_failed(login: str, user=None) -> None:
    strategy = _strategy()
    if strategy is not None:
        try:
            # the account-wide bucket counts every failure, a trusted browser's too
            for item, ids in _keys(login, user, trusted=False):
                strategy.hit(item, *ids)
        except Exception:
            log.exception("login rate-limit storage unavailable; failure not counted")


def login_succeeded(login: str, user) -> None:
    """Clear the account's bucket for this address and remember this browser as one of the
    account's devices. The account-wide bucket is left to run out: the owner signing in must not
    reopen the account to strangers' guesses from elsewhere."""
    strategy = _strategy()
    if strategy is not None:
        try:
            for item, ids in _keys(login, user, trusted=True)[1:]:
                strategy.clear(item, *ids)
        except Exception:
            log.exception("login rate-limit storage unavailable; counter not cleared")
    if has_request_context():
        _remember_device(user)


# --- device cookies -------------------------------------------------------------------------

def _serializer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="gridgov.login-device")


def _device_accounts() -> list[int]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except Exception:  # tampered, expired or from another secret: simply not trusted
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _trusted_device(user) -> bool:
    return user is not None and has_request_context() and user.id in _device_accounts()


def _remember_device(user) -> None:
    from flask import after_this_request

    ids = [user.id] + [i for i in _device_accounts() if i != user.id]
    value = _serializer().dumps(ids[:DEVICE_ACCOUNTS])
    config = current_app.config

    @after_this_request
    def _set(resp):
        resp.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(config.get("SESSION_COOKIE_SECURE")))
        return resp


def init_app(app: Flask) -> None:
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    if not app.testing and app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        log.warning("sign-in limits are counted per worker process: set REDIS_URL so that every "
                    "gunicorn worker and host shares them (production needs it)")

    @app.errorhandler(LoginThrottled)
    def _throttled(exc: LoginThrottled):
        return respond(exc.status, exc.code, exc.message, headers=exc.headers)

    @app.after_request
    def _throttled_page(resp):
        # the sign-in page renders the error itself (as a 401); make it the 429 it is
        retry = g.get("login_throttled")
        if retry and resp.status_code == 401:
            resp.status_code = 429
            resp.headers["Retry-After"] = str(retry)
        return resp
