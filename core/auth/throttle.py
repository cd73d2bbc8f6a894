"""Failed sign-in limits (登录限流), per account and per address, on Flask-Limiter's storage.

Only *failed* attempts count: memory by default, Redis when ``REDIS_URL`` is set (config key
``RATELIMIT_STORAGE_URI``), so gunicorn workers share the counters. The account key is the
login as typed (lower-cased), whether or not such an account exists, so the limit reveals
nothing about which accounts exist. A successful sign-in clears the account's counter.

If the storage is unreachable (Redis down) sign-in stays possible and the error is logged: the
console must not lock everyone out, and argon2 keeps each guess slow.

Limits are configurable: ``LOGIN_LIMIT_ACCOUNT`` (default ``5 per 15 minutes``) and
``LOGIN_LIMIT_ADDRESS`` (default ``30 per 15 minutes``).
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
DEFAULTS = {"LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes", "LOGIN_LIMIT_ADDRESS": "30 per 15 minutes"}


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


def _keys(login: str) -> list[tuple[object, tuple[str, ...]]]:
    cfg = current_app.config
    keys = [(parse(cfg.get("LOGIN_LIMIT_ACCOUNT") or DEFAULTS["LOGIN_LIMIT_ACCOUNT"]),
             ("login-account", (login or "").strip().lower()))]
    if has_request_context():
        keys.append((parse(cfg.get("LOGIN_LIMIT_ADDRESS") or DEFAULTS["LOGIN_LIMIT_ADDRESS"]),
                     ("login-address", request.remote_addr or "unknown")))
    return keys


def _strategy():
    """The app's own limiter (one per app, so apps built side by side in tests keep apart)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return current_app.extensions[EXTENSION].limiter


def check_login_allowed(login: str) -> None:
    """Raise :class:`LoginThrottled` when the account or the address is over its limit."""
    strategy = _strategy()
    if strategy is None:
        return
    waits = []
    try:
        for item, ids in _keys(login):
            if not strategy.test(item, *ids):
                reset = strategy.get_window_stats(item, *ids).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
    except Exception:  # storage down (Redis): sign-in stays possible; argon2 still slows guessing
        log.exception("login rate-limit storage unavailable; not limiting this attempt")
        return
    if waits:
        g.login_throttled = max(waits)
        raise LoginThrottled(max(waits))


def login_failed(login: str) -> None:
    strategy = _strategy()
    if strategy is not None:
        try:
            for item, ids in _keys(login):
                strategy.hit(item, *ids)
        except Exception:
            log.exception("login rate-limit storage unavailable; failure not counted")


def login_succeeded(login: str) -> None:
    strategy = _strategy()
    if strategy is not None:
        item, ids = _keys(login)[0]
        try:
            strategy.clear(item, *ids)
        except Exception:
            log.exception("login rate-limit storage unavailable; counter not cleared")


def init_app(app: Flask) -> None:
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter

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
