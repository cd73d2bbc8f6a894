"""Password hashing (argon2id) and the minimum password policy (密码规则).

Production uses argon2-cffi's default argon2id parameters (64 MiB, 3 passes). Apps with
``TESTING`` (or ``PASSWORD_HASH_FAST`` set true) use a cheap profile so the test suite does not
spend minutes hashing; hashes carry their parameters, so either profile verifies the other's, and
a cheap hash is upgraded at the next sign-in by a production app (:func:`needs_rehash`).
"""
from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from flask import current_app, has_app_context
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _
from core.i18n import N_

_STRONG = PasswordHasher()
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# verified when the account does not exist, so unknown users take as long as wrong passwords
_DUMMY_HASHES = {id(h): h.hash("gridgov-timing-equaliser") for h in (_STRONG, _FAST)}


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST", current_app.testing):
        return _FAST
    return _STRONG

MIN_LENGTH = 8
POLICY_MESSAGE = N_("密码至少 8 位，且须同时包含字母和数字")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with ``password_hash=None`` burns the same time and returns False."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _DUMMY_HASHES[id(hasher)], password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    hasher = _hasher()
    return hasher is _STRONG and hasher.check_needs_rehash(password_hash)  # never downgrade


def policy_problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with ``password`` under the policy (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        problems.append(POLICY_MESSAGE)
    if username and password.lower() == username.lower():
        problems.append(_("密码不能与用户名相同"))
    return problems


def generate_password() -> str:
    """A random password that passes the policy, for new accounts and admin resets (shown once)."""
    return "Gg" + secrets.token_urlsafe(9) + "7"
