"""Tables of the incidents module (事件), all prefixed ``incidents_`` and tenant-owned.

An incident sits at one *level* at a time: its own grid or a higher grid (``level="grid"`` with
``handling_grid_id``), the township office (``"office"``) or a named department
(``"department"``). ``reach`` keeps the highest level it ever went to, which is what the township
reports count (each incident once, at that level): 0 the grids below the village (its own grid,
or a grid between it and the village), 1 the village (a first-level grid, 村级), 2 the township
office (乡镇网格办), 3 a department. An incident reported in a first-level grid starts there at 0.
``open_due_at`` mirrors ``due_at`` while the incident is open and is NULL otherwise, so the
overdue list is a short index range instead of a scan of closed history.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Grid, TenantOwned, Timestamped, UTCDateTime, db, tenant_fk, utcnow

STATES = ("reported", "accepted", "in_progress", "resolved", "closed", "rejected", "merged")
OPEN_STATES = ("reported", "accepted", "in_progress", "resolved")
URGENCIES = ("urgent", "pressing", "normal")
LEVELS = ("grid", "office", "department")
SOURCES = ("worker", "resident", "open311")
SATISFACTION = ("satisfied", "basically", "dissatisfied")
REACH_LABELS = {0: "网格", 1: "村级网格", 2: "乡镇网格办", 3: "部门"}
LEVEL_NAMES = ("grid", "village", "office", "department")  # reach 0..3, as the numbers name them


class Category(TenantOwned, Timestamped, db.Model):
    """An item of the township's list (网格事项清单): a category or a subcategory."""

    __tablename__ = "incidents_category"
    __table_args__ = (tenant_fk("parent_id", "incidents_category"), UniqueConstraint("tenant_id", "code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    time_limit_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=72)
    auto_escalate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    parent: Mapped[Category | None] = relationship(
        remote_side="Category.id", primaryjoin="Category.parent_id == Category.id", foreign_keys="Category.parent_id")


class Incident(TenantOwned, Timestamped, db.Model):
    __tablename__ = "incidents_incident"
    __table_args__ = (
        tenant_fk("category_id", "incidents_category"),
        tenant_fk("grid_id", "core_grid"),
        tenant_fk("handling_grid_id", "core_grid"),
        tenant_fk("merged_into_id", "incidents_incident"),
        tenant_fk("household_id", "core_household"),
        UniqueConstraint("tenant_id", "public_token"),
        UniqueConstraint("tenant_id", "receipt"),
        Index("ix_incidents_incident_tenant_household", "tenant_id", "household_id"),
        # covering index: the numbers of a period are an index-only scan (see stats.py)
        Index("ix_incidents_incident_tenant_reported", "tenant_id", "reported_at", "state", "reach", "category_id",
              "grid_id", "reporter_user_id", "closed_by_user_id", "open_due_at", "close_hours", "satisfaction"),
        Index("ix_incidents_incident_tenant_open_due", "tenant_id", "open_due_at"),
        Index("ix_incidents_incident_tenant_grid_state", "tenant_id", "grid_id", "state"),
        # the closed-per-week chart and closed_at filters: a range of one state, index-only
        Index("ix_incidents_incident_tenant_closed", "tenant_id", "state", "closed_at", "grid_id"),
        # the person page's panel (涉及事件): the newest 20 about one resident
        Index("ix_incidents_incident_tenant_person", "tenant_id", "person_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, nullable=False)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    handling_grid_id: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16), nullable=False, default="grid")
    department: Mapped[str | None] = mapped_column(String(50))
    reach: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="reported")
    urgency: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="worker")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    person_id: Mapped[int | None] = mapped_column(Integer)  # core_people row; no FK on purpose
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    reporter_name: Mapped[str | None] = mapped_column(String(64))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    handler_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    public_token: Mapped[str] = mapped_column(String(32), nullable=False)
    # 回执号: the short random code a reporter tracks the report with (plugins/incidents/receipts.py)
    receipt: Mapped[str] = mapped_column(String(16), nullable=False)
    # the household whose card session sent a resident report (群众端), else NULL
    household_id: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    open_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    close_hours: Mapped[float | None] = mapped_column(Float)
    closed_level: Mapped[str | None] = mapped_column(String(16))
    closed_grid_id: Mapped[int | None] = mapped_column(Integer)
    closed_department: Mapped[str | None] = mapped_column(String(50))
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    satisfaction_note: Mapped[str | None] = mapped_column(String(500))
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    linked_module: Mapped[str | None] = mapped_column(String(50))
    linked_ref: Mapped[str | None] = mapped_column(String(64))
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # optimistic lock: two handlers acting at once cannot both move it (the second gets 409)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship(primaryjoin="Incident.category_id == Category.id",
                                              foreign_keys="Incident.category_id")
    grid: Mapped[Grid] = relationship(primaryjoin="Incident.grid_id == Grid.id", foreign_keys="Incident.grid_id")
    handling_grid: Mapped[Grid | None] = relationship(primaryjoin="Incident.handling_grid_id == Grid.id",
                                                      foreign_keys="Incident.handling_grid_id")
    steps: Mapped[list[Step]] = relationship(primaryjoin="Incident.id == Step.incident_id", foreign_keys="Step.incident_id",
                                             order_by="Step.id", back_populates="incident")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_at < utcnow()

    @property
    def awaiting_rating(self) -> bool:
        """Closed, not rated yet, and the reporter left a phone or has an account (满意度回访)."""
        return self.state == "closed" and self.satisfaction is None and bool(self.reporter_phone or self.reporter_user_id)

    @property
    def where(self) -> str:
        """Where it sits now, in words: a grid's name, 乡镇网格办 or a department."""
        if self.level == "office":
            return "乡镇网格办"
        if self.level == "department":
            return self.department or "部门"
        return self.handling_grid.name if self.handling_grid is not None else ""


class Step(TenantOwned, db.Model):
    """One recorded step of the timeline (流转记录): who, when, from where to where, note."""

    __tablename__ = "incidents_step"
    __table_args__ = (tenant_fk("incident_id", "incidents_incident", ondelete="CASCADE"),
                      Index("ix_incidents_step_tenant_incident", "tenant_id", "incident_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    from_where: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    to_where: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    note: Mapped[str] = mapped_column(String(1000), nullable=False, default="")

    incident: Mapped[Incident] = relationship(primaryjoin="Step.incident_id == Incident.id",
                                              foreign_keys="Step.incident_id", back_populates="steps")
    photos: Mapped[list[Photo]] = relationship(primaryjoin="Step.id == Photo.step_id", foreign_keys="Photo.step_id",
                                               order_by="Photo.id")


class Photo(TenantOwned, Timestamped, db.Model):
    """A photo stored under ``UPLOAD_DIR/incidents/<tenant id>/``; ``path`` is relative to it."""

    __tablename__ = "incidents_photo"
    __table_args__ = (tenant_fk("incident_id", "incidents_incident", ondelete="CASCADE"),
                      tenant_fk("step_id", "incidents_step", ondelete="CASCADE"),
                      Index("ix_incidents_photo_tenant_incident", "tenant_id", "incident_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, nullable=False)
    step_id: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)


class PublicQuota(TenantOwned, db.Model):
    """Resident reports per address and hour (随手拍防刷): one counter row per bucket."""

    __tablename__ = "incidents_public_quota"
    __table_args__ = (UniqueConstraint("tenant_id", "address", "bucket"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    bucket: Mapped[str] = mapped_column(String(16), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
