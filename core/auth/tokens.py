"""Personal access tokens (API令牌): created for one tenant, shown once, stored hashed.

A token names its tenant: ``ggv_<tenant id>.<secret>``, so it is looked up by
``(tenant_id, digest)``, on one node when the tables are distributed by ``tenant_id`` (Citus,
docs/scale.md), and a token of another township is told apart without a search of every tenant.
Tokens made before (``ggv_<secret>``, no dot: the secret's alphabet has none) keep working in
their tenant; only telling "another township's token" for them searches every tenant.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update

from core import audit
from core.db import db, utcnow, write_aside
from core.models import ApiToken, Tenant, User
from core.tenancy import cross_tenant, tenant_context

PREFIX = "ggv_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tenant_of(plain: str) -> int | None:
    """The tenant id a token names; None for a token made before tokens named it (or not one)."""
    head, dot, _secret = plain[len(PREFIX):].partition(".")
    if not plain.startswith(PREFIX) or not dot or not head.isdigit():
        return None
    return int(head)


def create_token(user: User, tenant: Tenant, name: str, expires_in_days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token (never stored, shown once)."""
    plain = f"{PREFIX}{tenant.id}.{secrets.token_urlsafe(32)}"
    expires = utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    with tenant_context(tenant):
        row = ApiToken(user_id=user.id, name=name, prefix=plain[:10], digest=_digest(plain), expires_at=expires)
        db.session.add(row)
        db.session.flush()
        audit.record("token.create", row, after={"name": name, "user_id": user.id})
    return row, plain


def user_for_token(tenant: Tenant, plain: str) -> User | None:
    """The user a bearer token stands for in ``tenant``; None if unknown, expired or revoked."""
    if not plain.startswith(PREFIX):
        return None
    named = tenant_of(plain)
    if named is not None and named != tenant.id:
        return None
    with tenant_context(tenant):
        row = db.session.scalar(select(ApiToken).where(ApiToken.tenant_id == tenant.id,
                                                       ApiToken.digest == _digest(plain)))
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= utcnow():
            return None
        now = utcnow()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            # written aside, never in the request's own transaction: a read stays a read (on
            # SQLite a read that writes is refused once another request has written)
            write_aside(update(ApiToken.__table__).where(ApiToken.__table__.c.id == row.id).values(last_used_at=now))
        user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user


def token_is_elsewhere(plain: str) -> bool:
    """Whether ``plain`` is a live token of some tenant (used when it failed for the tenant in the
    URL, to answer "another township's token" rather than "invalid token"). Reads the digest only,
    in the tenant the token names; a token made before tokens named it is searched for everywhere."""
    if not plain.startswith(PREFIX):
        return False
    named = tenant_of(plain)
    query = select(ApiToken).where(ApiToken.digest == _digest(plain), ApiToken.revoked_at.is_(None))
    if named is not None:
        query = query.where(ApiToken.tenant_id == named)
    with cross_tenant("token presented to another tenant"):
        row = db.session.scalar(query)
    return row is not None and (row.expires_at is None or row.expires_at > utcnow())


def revoke_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("token.revoke", row)
