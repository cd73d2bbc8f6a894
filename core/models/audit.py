"""The append-only audit log (审计日志): every write and every read of unmasked personal data."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from core.tenancy import TenantOwned


class AuditEntry(TenantOwned, db.Model):
    """One audited action. Rows are inserted, never updated or deleted (a flush check refuses).

    Platform-level actions are recorded against the platform tenant.
    """

    __tablename__ = "core_audit_entry"
    # platform and county actions are recorded in the log of the tenant they concern
    __cross_tenant_insert__ = True
    # no RETURNING on insert (the id comes from the sequence first): on PostgreSQL the returned row
    # would have to pass the read policy of row-level security, and an entry written into the log
    # of the tenant it concerns is often not one the writer may read (core.rls)
    __table_args__ = (Index("ix_core_audit_entry_tenant_time", "tenant_id", "created_at"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
