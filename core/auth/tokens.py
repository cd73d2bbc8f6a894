"""Personal access tokens (API令牌): created for one tenant, shown once, stored hashed."""
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


def create_token(user: User, tenant: Tenant, name: str, expires_in_days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token (never stored, shown once)."""
    plain = PREFIX + secrets.token_urlsafe(32)
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
    with tenant_context(tenant):
        row = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(plain)))
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
    URL, to answer "another township's token" rather than "invalid token"). Reads the digest only."""
    if not plain.startswith(PREFIX):
        return False
    with cross_tenant("token presented to another tenant"):
        row = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(plain), ApiToken.revoked_at.is_(None)))
    return row is not None and (row.expires_at is None or row.expires_at > utcnow())


def revoke_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("token.revoke", row)
