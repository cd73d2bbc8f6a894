"""Signing a request in with an API token outside the usual guard (令牌登录), for endpoints whose
protocol carries the key its own way (Open311's ``api_key``)."""
from __future__ import annotations

from flask import g, request

from core.auth.access import access_for
from core.auth.tokens import user_for_token


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def sign_in_with_token(tenant, key: str):
    """The active user behind API token ``key`` for ``tenant``, made the request's user (``g.access``
    and the acting user of steps and audit entries); None when the key is unknown, expired,
    revoked or of another tenant."""
    user = user_for_token(tenant, key)
    if user is None:
        return None
    g.access = access_for(user, tenant)
    g._login_user = user  # flask-login's per-request user
    return user
