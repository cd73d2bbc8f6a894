"""Grid tree storage: adjacency (``parent_id``) plus a materialized path for subtree queries.

``path`` is ``/<root id>/<child id>/.../<own id>/``; everything under grid G is
``path LIKE G.path || '%'`` on the ``(tenant_id, path)`` index. ``code`` (统一网格编码) is the
township's region code followed by each ancestor's sibling number (2 digits per level, 3 from
level 3 on), so it follows the grid's place in the tree and does not change on rename.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, Enum, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Timestamped, db
from core.tenancy import TenantOwned, tenant_fk


class GridStatus(str, enum.Enum):
    active = "active"
    archived = "archived"


class Grid(TenantOwned, Timestamped, db.Model):
    __tablename__ = "core_grid"
    __table_args__ = (
        tenant_fk("parent_id", "core_grid"),
        Index("ix_core_grid_tenant_path", "tenant_id", "path"),
        Index("ix_core_grid_tenant_parent", "tenant_id", "parent_id"),
        UniqueConstraint("tenant_id", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    path: Mapped[str] = mapped_column(String(512), nullable=False, default="")
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[GridStatus] = mapped_column(
        Enum(GridStatus, native_enum=False, length=16), default=GridStatus.active, nullable=False
    )
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    parent: Mapped[Grid | None] = relationship(
        remote_side="Grid.id", primaryjoin="Grid.parent_id == Grid.id", foreign_keys="Grid.parent_id",
    )

    def __repr__(self) -> str:
        return f"<Grid {self.code} {self.name}>"
