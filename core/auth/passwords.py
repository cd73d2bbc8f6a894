"""Password hashing (argon2id) and the password policy (密码规则).

The policy: at least 8 characters with letters and digits, not the username, and not easy to
guess. "Easy to guess" is zxcvbn's estimate (the maintained ``zxcvbn`` package: its lists of
common passwords, words, names, keyboard walks, dates and repeats ship with it, so it works
offline) below :data:`MIN_GUESSES_LOG10`: ``password1``, ``qwerty123``, ``Abcdef12``. The
estimate also counts the account's own context as known words (username, display name, mobile,
the township's name, slug and pinyin, the product's name), so ``zhangsan1`` for ``zhangsan``, or
the township's pinyin plus a year, are refused too (NIST SP 800-63B 5.1.1.2).

Production uses argon2-cffi's default argon2id parameters (64 MiB, 3 passes). Apps with
``TESTING`` (or ``PASSWORD_HASH_FAST`` set true) use a cheap profile so the test suite does not
spend minutes hashing; hashes carry their parameters, so either profile verifies the other's, and
a cheap hash is upgraded at the next sign-in by a production app (:func:`needs_rehash`).
"""
from __future__ import annotations

import re
import secrets
from typing import Iterable

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
GUESSABLE_MESSAGE = N_("密码太常见或容易猜到（如 password1、用户名或乡镇名加数字），请换一个更长、更少见的密码")
MIN_GUESSES_LOG10 = 6  # zxcvbn score 2: beyond a million guesses, far past what sign-in throttling lets through
PRODUCT_WORDS = ("gridgov", "wangge", "grid", "网格", "admin")


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


def policy_problems(password: str, username: str | None = None, context: Iterable[str | None] = ()) -> list[str]:
    """What is wrong with ``password`` under the policy (empty when it is acceptable).

    :param context: words an attacker would try for this account besides ``username`` (display
        name, mobile, township names); see :func:`account_context`.
    """
    problems = []
    if len(password) < MIN_LENGTH or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        problems.append(POLICY_MESSAGE)
    if username and password.lower() == username.lower():
        problems.append(_("密码不能与用户名相同"))
    if not problems and guessable(password, [username, *context]):
        problems.append(_(GUESSABLE_MESSAGE))
    return problems


def guessable(password: str, context: Iterable[str | None] = ()) -> bool:
    """Whether zxcvbn puts ``password`` within :data:`MIN_GUESSES_LOG10` guesses, knowing ``context``."""
    from zxcvbn import zxcvbn

    words: list[str] = []  # the account's own words first: zxcvbn ranks earlier inputs as likelier
    for word in context:
        if word:
            words.append(str(word))
            words.extend(re.split(r"[\W_]+", str(word)))  # "zhang.san" → also "zhang", "san"
    words.extend(PRODUCT_WORDS)
    # zxcvbn's cost grows with length; anything this long is not guessable anyway
    result = zxcvbn(password[:64], user_inputs=[w.lower() for w in words if w])
    return result["guesses_log10"] < MIN_GUESSES_LOG10


def account_context(*words: str | None, tenants=()) -> list[str]:
    """The words :func:`policy_problems` treats as known for an account: ``words`` (its display
    name, mobile...), each of ``tenants``' name, slug and pinyin, and those of the request's
    township, if any."""
    from flask import g, has_request_context

    tenants = list(tenants)
    if has_request_context() and g.get("tenant") is not None and g.tenant not in tenants:
        tenants.append(g.tenant)
    out = [w for w in words if w]
    for tenant in tenants:
        out += tenant_words(tenant)
    return out


def tenant_words(tenant) -> list[str]:
    """A township's name with and without its 镇/乡/街道, in characters and in pinyin, and its slug."""
    from core.people.identity import pinyin_keys

    name = tenant.name or ""
    short = re.sub(r"(街道办事处|街道|镇|乡)$", "", name)
    words = [name, short, tenant.slug]
    for each in {name, short}:
        words.extend(pinyin_keys(each, surname=False))
    return [w for w in words if w]


def generate_password() -> str:
    """A random password that passes the policy, for new accounts and admin resets (shown once)."""
    return "Gg" + secrets.token_urlsafe(9) + "7"
