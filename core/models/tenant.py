"""Tenants (租户): platform → county (县/市) → township (乡/镇/街道), and per-tenant modules."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, Timestamped, db, utcnow
from core.i18n import N_
from core.tenancy import TenantOwned


class TenantKind(str, enum.Enum):
    platform = "platform"
    county = "county"
    township = "township"


class TenantStatus(str, enum.Enum):
    active = "active"
    suspended = "suspended"
    archived = "archived"


# the township did not name its levels; pages translate these (core.grid.service.level_title)
DEFAULT_LEVEL_NAMES = [N_("一级网格"), N_("二级网格"), N_("三级网格")]


class Tenant(Timestamped, db.Model):
    """A node of the tenancy tree. Not itself tenant-owned: it *is* the tenant."""

    __tablename__ = "core_tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[TenantKind] = mapped_column(Enum(TenantKind, native_enum=False, length=16), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, native_enum=False, length=16), default=TenantStatus.active, nullable=False
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("core_tenant.id"), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    # bumped with every change to the township's role permissions (core.auth.access caches the
    # effective permissions by tenant and this version across requests)
    permissions_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    parent: Mapped[Tenant | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Tenant]] = relationship(back_populates="parent", order_by="Tenant.name")

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.active

    @property
    def level_names(self) -> list[str]:
        return list(self.settings.get("grid_level_names") or DEFAULT_LEVEL_NAMES)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug} {self.kind.value}>"


def platform_tenant() -> Tenant:
    """The root of the tenancy tree (平台), created on first use (flushed, not committed).

    Its log holds account-level actions (sign-ins, password changes); counties hang below it."""
    from sqlalchemy import select

    root = db.session.scalar(select(Tenant).where(Tenant.kind == TenantKind.platform))
    if root is None:
        root = Tenant(slug="platform", name="平台", kind=TenantKind.platform)
        db.session.add(root)
        db.session.flush()
    return root


class TenantModule(TenantOwned, db.Model):
    """Whether a module is on for a tenant, with its settings. Disabling keeps module data."""

    __tablename__ = "core_tenant_module"
    __table_args__ = (UniqueConstraint("tenant_id", "module"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module: Mapped[str] = mapped_column(String(64), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
