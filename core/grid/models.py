"""Grid tree storage: adjacency (``parent_id``) plus a materialized path for subtree queries.

``path`` is ``/<root id>/<child id>/.../<own id>/``; everything under grid G is
``path LIKE G.path || '%'`` on the ``(tenant_id, path)`` index. ``code`` (统一网格编码) is the
township's region code followed by each ancestor's sibling number (2 digits per level, 3 from
level 3 on), so it follows the grid's place in the tree and does not change on rename.

Because a code follows the tree, it changes when a grid moves and is then handed to the next
sibling added in its old place: printed things must not carry it. ``public_token`` (二维码标识)
is the grid's stable public identity: random, unique in the township, set at creation, never
changed by a rename, a move or a merge, never reused. A merge is recorded in
:class:`GridMerge`, so what was printed for the merged grid reaches the grid it was merged into
(see :mod:`core.grid.tokens`). ``legacy_code`` is the code a grid had when tokens were introduced: the
only code an old printed QR can name, kept so those stay valid; grids made later have none.
"""
from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, Timestamped, db
from core.i18n import N_
from core.tenancy import TenantOwned, tenant_fk


class GridStatus(str, enum.Enum):
    active = "active"
    archived = "archived"


def new_public_token() -> str:
    """16 URL-safe characters (96 random bits): short enough for a small QR code."""
    return secrets.token_urlsafe(12)


class Grid(TenantOwned, Timestamped, db.Model):
    __tablename__ = "core_grid"
    __table_args__ = (
        tenant_fk("parent_id", "core_grid"),
        # pattern ops: PostgreSQL uses a plain index for LIKE 'prefix%' only under the C collation
        Index("ix_core_grid_tenant_path", "tenant_id", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
        Index("ix_core_grid_tenant_parent", "tenant_id", "parent_id"),
        UniqueConstraint("tenant_id", "code"),
        # unique indexes rather than constraints: SQLite adds them to a full table in place
        Index("uq_core_grid_tenant_public_token", "tenant_id", "public_token", unique=True),
        Index("uq_core_grid_tenant_legacy_code", "tenant_id", "legacy_code", unique=True),
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
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    public_token: Mapped[str] = mapped_column(String(24), nullable=False, default=new_public_token)
    legacy_code: Mapped[str | None] = mapped_column(String(64))

    parent: Mapped[Grid | None] = relationship(
        remote_side="Grid.id", primaryjoin="Grid.parent_id == Grid.id", foreign_keys="Grid.parent_id",
    )

    def __repr__(self) -> str:
        return f"<Grid {self.code} {self.name}>"


class GridMerge(TenantOwned, Timestamped, db.Model):
    """A grid merged into another (合并网格): where the source's printed QR codes lead now."""

    __tablename__ = "core_grid_merge"
    __table_args__ = (
        tenant_fk("source_id", "core_grid"),
        tenant_fk("target_id", "core_grid"),
        UniqueConstraint("tenant_id", "source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)


class PartyOrgKind(str, enum.Enum):
    """Kinds of party organisation (党组织类型), from the largest to the smallest."""

    committee = "committee"  # 党委
    general_branch = "general_branch"  # 党总支
    branch = "branch"  # 党支部
    group = "group"  # 党小组


# Labels stay Chinese in the API; pages translate them (``_(org.kind_label)``), N_ marks them for that.
PARTY_ORG_LABELS = {
    PartyOrgKind.committee: N_("党委"),
    PartyOrgKind.general_branch: N_("党总支"),
    PartyOrgKind.branch: N_("党支部"),
    PartyOrgKind.group: N_("党小组"),
}


class PartyOrg(TenantOwned, Timestamped, db.Model):
    """A party organisation built on a grid (支部建在网格上), or the township's own (镇党委) when
    ``grid_id`` is empty. At most one per grid; the party tree follows the grid tree.
    """

    __tablename__ = "core_party_org"
    __table_args__ = (
        tenant_fk("grid_id", "core_grid"),
        UniqueConstraint("tenant_id", "grid_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[PartyOrgKind] = mapped_column(Enum(PartyOrgKind, native_enum=False, length=16), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    secretary_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    secretary_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")

    grid: Mapped[Grid | None] = relationship(primaryjoin="PartyOrg.grid_id == Grid.id", foreign_keys="PartyOrg.grid_id")

    @property
    def kind_label(self) -> str:
        return PARTY_ORG_LABELS[self.kind]


class DutyKind(str, enum.Enum):
    """Who looks after a grid (网格职责): the grid team and, in compounds, the three heads (三长)."""

    grid_leader = "grid_leader"  # 网格长
    grid_worker = "grid_worker"  # 网格员
    info_officer = "info_officer"  # 信息员
    grid_police = "grid_police"  # 网格警员
    grid_instructor = "grid_instructor"  # 网格指导员
    compound_head = "compound_head"  # 小区长
    building_head = "building_head"  # 楼长
    unit_head = "unit_head"  # 单元长


DUTY_LABELS = {
    DutyKind.grid_leader: N_("网格长"),
    DutyKind.grid_worker: N_("网格员"),
    DutyKind.info_officer: N_("信息员"),
    DutyKind.grid_police: N_("网格警员"),
    DutyKind.grid_instructor: N_("网格指导员"),
    DutyKind.compound_head: N_("小区长"),
    DutyKind.building_head: N_("楼长"),
    DutyKind.unit_head: N_("单元长"),
}

# Duties whose holder, when an account, gets the access role of the same name on the grid.
DUTY_ROLES = {d.value for d in DutyKind} & {
    "grid_leader", "grid_worker", "info_officer", "grid_police", "grid_instructor",
}


class GridDuty(TenantOwned, Timestamped, db.Model):
    """Someone who looks after a grid in a duty (网格长, 网格员, 楼长...), with how to reach them.

    ``user_id`` names an account, ``person_id`` a resident record (no foreign key: the people
    register is its own component); either, both or neither. ``role_assignment_id`` is the access
    role this duty granted, revoked again when the duty ends.
    """

    __tablename__ = "core_grid_duty"
    __table_args__ = (
        tenant_fk("grid_id", "core_grid"),
        Index("ix_core_grid_duty_tenant_grid", "tenant_id", "grid_id"),
        Index("ix_core_grid_duty_tenant_user", "tenant_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    duty: Mapped[DutyKind] = mapped_column(Enum(DutyKind, native_enum=False, length=32), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    role_assignment_id: Mapped[int | None] = mapped_column(Integer)

    grid: Mapped[Grid] = relationship(primaryjoin="GridDuty.grid_id == Grid.id", foreign_keys="GridDuty.grid_id")

    @property
    def duty_label(self) -> str:
        return DUTY_LABELS[self.duty]
