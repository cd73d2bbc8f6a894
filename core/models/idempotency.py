"""Stored answers to writes sent with an ``Idempotency-Key`` header (see core.api.idempotency)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow


class IdempotencyKey(db.Model):
    """One key of one caller: the request's hash, then the answer once the work is done.

    Not :class:`~core.tenancy.TenantOwned` on purpose: the row is request plumbing written
    before and after the view (also for writes outside any tenant, ``tenant_id`` 0, and for
    anonymous callers, ``user_id`` 0), always looked up by the full ``(tenant_id, user_id, key)``
    in one module, and swept after a day. The unique constraint is what lets only one of two
    racing twins start the work. No foreign keys, so offboarding never waits on a cache.
    """

    __tablename__ = "core_idempotency_key"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "key"),
        UniqueConstraint("tenant_id", "id"),  # the key Citus distributes by (docs/scale.md)
        Index("ix_core_idempotency_key_tenant_expires", "tenant_id", "expires_at"),
    )

    IN_PROGRESS = "in_progress"
    DONE = "done"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=IN_PROGRESS)
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(128))
    location: Mapped[str | None] = mapped_column(String(1024))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
