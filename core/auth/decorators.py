"""Every route declares who may reach it; the guard in :mod:`core.auth.guard` enforces it.

* ``@public``: anyone, signed in or not (sign-in page, resident QR reports, health check).
* ``@authenticated``: any signed-in user (their own profile, their own tokens).
* ``@requires("people.read")``: a signed-in member of the URL's tenant holding the permission.
* ``@resident``: a resident's phone signed in with a household card of the URL's township
  (residents' portal, ``/r/<tenant>/...``); the view finds ``g.household`` and ``g.resident_card``.

A test walks the URL map and fails on any route without a declaration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable)

ATTR = "__gridgov_access__"


@dataclass(frozen=True)
class AccessRule:
    kind: str  # "public" | "authenticated" | "permission" | "resident"
    permission: str | None = None


def _mark(rule: AccessRule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        setattr(view, ATTR, rule)
        return view

    return decorate


def public(view: F) -> F:
    """Declare a route open to anyone."""
    return _mark(AccessRule("public"))(view)


def authenticated(view: F) -> F:
    """Declare a route open to any signed-in user (in a tenant URL: any member of it)."""
    return _mark(AccessRule("authenticated"))(view)


def resident(view: F) -> F:
    """Declare a residents' portal route: only a phone signed in with an active card of the URL's
    township reaches it (others are sent to the PIN page); ``g.household`` is that card's household."""
    return _mark(AccessRule("resident"))(view)


def requires(permission: str) -> Callable[[F], F]:
    """Declare the permission a route needs in the tenant named by its URL."""
    return _mark(AccessRule("permission", permission))


def rule_of(view) -> AccessRule | None:
    return getattr(view, ATTR, None)
