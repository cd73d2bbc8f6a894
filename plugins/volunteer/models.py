"""Tables of the volunteer module (志愿服务), all prefixed ``volunteer_`` and tenant-owned.

``Unit`` rows belong to a *county* tenant (units' members live in many townships); everything
else belongs to one township. A volunteer points at a unit by id only (``unit_id``: the county's
row, no foreign key across tenants), checked against the township's county when written.

Counts that concurrent requests change (an activity's ``taken`` slots) move only by guarded
``UPDATE ... WHERE taken < slots`` with a row-count check (see ``activities.py``). Every hour that
counts is one :class:`ServiceRecord` (one per attendance or confirmed order), so totals,
rankings, certificates and the county's unit report are one query over one table.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Grid, TenantOwned, Timestamped, UTCDateTime, db, tenant_fk, utcnow

VOLUNTEER_STATES = ("pending", "confirmed", "rejected", "withdrawn")
SIGNUP_STATES = ("confirmed", "waiting", "cancelled")
ORDER_STATES = ("open", "claimed", "done", "confirmed", "cancelled")


class Unit(TenantOwned, Timestamped, db.Model):
    """A county's unit (机关事业单位) whose in-service party members register where they live."""

    __tablename__ = "volunteer_unit"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="government")
    annual_target_hours: Mapped[float] = mapped_column(Float, nullable=False, default=50.0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Post(TenantOwned, Timestamped, db.Model):
    """A standing volunteer post (志愿岗位: 疫情防控, 应急救援, 政策宣传 ...)."""

    __tablename__ = "volunteer_post"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Volunteer(TenantOwned, Timestamped, db.Model):
    """A registration (报到): a resident of the township (``person_id``) or an outsider."""

    __tablename__ = "volunteer_volunteer"
    __table_args__ = (
        tenant_fk("person_id", "core_person"),
        tenant_fk("grid_id", "core_grid"),
        UniqueConstraint("tenant_id", "mobile"),
        UniqueConstraint("tenant_id", "token_hash"),
        Index("ix_volunteer_volunteer_tenant_unit", "tenant_id", "unit_id"),
        Index("ix_volunteer_volunteer_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(Integer)  # the community (社区/村) registered at
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    mobile: Mapped[str] = mapped_column(String(11), nullable=False)
    is_party_member: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    unit_id: Mapped[int | None] = mapped_column(Integer)  # the county's Unit; no FK across tenants
    unit_name: Mapped[str | None] = mapped_column(String(100))
    party_branch: Mapped[str | None] = mapped_column(String(100))
    skills: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    availability: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the personal link's token

    grid: Mapped[Grid | None] = relationship(primaryjoin="Volunteer.grid_id == Grid.id",
                                             foreign_keys="Volunteer.grid_id")


class VolunteerPost(TenantOwned, db.Model):
    """The posts a volunteer takes (认领岗位)."""

    __tablename__ = "volunteer_volunteer_post"
    __table_args__ = (tenant_fk("volunteer_id", "volunteer_volunteer"), tenant_fk("post_id", "volunteer_post"),
                      PrimaryKeyConstraint("tenant_id", "volunteer_id", "post_id"))  # Citus distributes by tenant_id

    volunteer_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int] = mapped_column(Integer)


class Team(TenantOwned, Timestamped, db.Model):
    """A volunteer team (志愿服务队) with its leader (队长), usually on one post."""

    __tablename__ = "volunteer_team"
    __table_args__ = (tenant_fk("post_id", "volunteer_post"), tenant_fk("leader_id", "volunteer_volunteer"),
                      UniqueConstraint("tenant_id", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    post_id: Mapped[int | None] = mapped_column(Integer)
    leader_id: Mapped[int | None] = mapped_column(Integer)


class TeamMember(TenantOwned, db.Model):
    __tablename__ = "volunteer_team_member"
    __table_args__ = (tenant_fk("team_id", "volunteer_team"), tenant_fk("volunteer_id", "volunteer_volunteer"),
                      PrimaryKeyConstraint("tenant_id", "team_id", "volunteer_id"))  # Citus distributes by tenant_id

    team_id: Mapped[int] = mapped_column(Integer)
    volunteer_id: Mapped[int] = mapped_column(Integer)


class Activity(TenantOwned, Timestamped, db.Model):
    """A volunteer activity (志愿活动): ``slots`` places, ``taken`` of them confirmed."""

    __tablename__ = "volunteer_activity"
    __table_args__ = (
        tenant_fk("post_id", "volunteer_post"),
        tenant_fk("team_id", "volunteer_team"),
        tenant_fk("grid_id", "core_grid"),
        Index("ix_volunteer_activity_tenant_starts", "tenant_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    post_id: Mapped[int] = mapped_column(Integer, nullable=False)
    team_id: Mapped[int | None] = mapped_column(Integer)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    slots: Mapped[int] = mapped_column(Integer, nullable=False)
    taken: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    requirements: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")  # open | cancelled

    post: Mapped[Post] = relationship(primaryjoin="Activity.post_id == Post.id", foreign_keys="Activity.post_id")
    grid: Mapped[Grid] = relationship(primaryjoin="Activity.grid_id == Grid.id", foreign_keys="Activity.grid_id")

    @property
    def length_hours(self) -> float:
        return max((self.ends_at - self.starts_at).total_seconds(), 0) / 3600


class Signup(TenantOwned, db.Model):
    """A volunteer's place at an activity (报名): confirmed, waiting (候补, by ``queued_at``) or cancelled."""

    __tablename__ = "volunteer_signup"
    __table_args__ = (
        tenant_fk("activity_id", "volunteer_activity"),
        tenant_fk("volunteer_id", "volunteer_volunteer"),
        UniqueConstraint("tenant_id", "activity_id", "volunteer_id"),
        Index("ix_volunteer_signup_tenant_volunteer", "tenant_id", "volunteer_id", "status"),
        Index("ix_volunteer_signup_tenant_activity", "tenant_id", "activity_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    volunteer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    volunteer: Mapped[Volunteer] = relationship(primaryjoin="Signup.volunteer_id == Volunteer.id",
                                                foreign_keys="Signup.volunteer_id")
    activity: Mapped[Activity] = relationship(primaryjoin="Signup.activity_id == Activity.id",
                                              foreign_keys="Signup.activity_id")


class Attendance(TenantOwned, db.Model):
    """Check-in and check-out of one volunteer at one activity (签到签退); one row per pair."""

    __tablename__ = "volunteer_attendance"
    __table_args__ = (
        tenant_fk("activity_id", "volunteer_activity"),
        tenant_fk("volunteer_id", "volunteer_volunteer"),
        UniqueConstraint("tenant_id", "activity_id", "volunteer_id"),
        Index("ix_volunteer_attendance_tenant_open", "tenant_id", "checked_out_at", "activity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    volunteer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    checked_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    checked_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hours: Mapped[float | None] = mapped_column(Float)
    closed_by: Mapped[str | None] = mapped_column(String(16))  # scan | leader | schedule
    missing_checkout: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    corrected: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    volunteer: Mapped[Volunteer] = relationship(primaryjoin="Attendance.volunteer_id == Volunteer.id",
                                                foreign_keys="Attendance.volunteer_id")
    activity: Mapped[Activity] = relationship(primaryjoin="Attendance.activity_id == Activity.id",
                                              foreign_keys="Attendance.activity_id")


class Correction(TenantOwned, db.Model):
    """A leader's correction of check-in/out times, with its reason (更正记录)."""

    __tablename__ = "volunteer_correction"
    __table_args__ = (tenant_fk("attendance_id", "volunteer_attendance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attendance_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    before: Mapped[dict] = mapped_column(JSON, nullable=False)
    after: Mapped[dict] = mapped_column(JSON, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ServiceItem(TenantOwned, db.Model):
    """An item of the service menu (服务清单) residents order from; retired items stay for history."""

    __tablename__ = "volunteer_service_item"
    __table_args__ = (tenant_fk("post_id", "volunteer_post"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    post_id: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MenuChange(TenantOwned, db.Model):
    """One change of the menu (added, changed, retired, restored): "25 items last year, 29 now"."""

    __tablename__ = "volunteer_menu_change"
    __table_args__ = (tenant_fk("item_id", "volunteer_service_item"),
                      Index("ix_volunteer_menu_change_tenant_at", "tenant_id", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    change: Mapped[str] = mapped_column(String(16), nullable=False)
    detail: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Order(TenantOwned, Timestamped, db.Model):
    """A resident's order from the menu (点单): open → claimed → done → confirmed (rated)."""

    __tablename__ = "volunteer_order"
    __table_args__ = (
        tenant_fk("item_id", "volunteer_service_item"),
        tenant_fk("household_id", "core_household"),
        tenant_fk("grid_id", "core_grid"),
        tenant_fk("volunteer_id", "volunteer_volunteer"),
        Index("ix_volunteer_order_tenant_status", "tenant_id", "status"),
        Index("ix_volunteer_order_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    household_id: Mapped[int | None] = mapped_column(Integer)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    requester_name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(11))
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="worker")  # worker | resident
    ordered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    volunteer_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hours: Mapped[float | None] = mapped_column(Float)
    done_note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_note: Mapped[str] = mapped_column(String(300), nullable=False, default="")

    item: Mapped[ServiceItem] = relationship(primaryjoin="Order.item_id == ServiceItem.id",
                                             foreign_keys="Order.item_id")
    volunteer: Mapped[Volunteer | None] = relationship(primaryjoin="Order.volunteer_id == Volunteer.id",
                                                       foreign_keys="Order.volunteer_id")


class ServiceRecord(TenantOwned, db.Model):
    """One completed service that counts (服务记录): ``kind`` activity|order, ``ref`` unique per kind."""

    __tablename__ = "volunteer_service_record"
    __table_args__ = (
        tenant_fk("volunteer_id", "volunteer_volunteer"),
        UniqueConstraint("tenant_id", "kind", "ref"),
        Index("ix_volunteer_service_record_tenant_when", "tenant_id", "occurred_at", "volunteer_id", "hours"),
        Index("ix_volunteer_service_record_tenant_volunteer", "tenant_id", "volunteer_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    ref: Mapped[str] = mapped_column(String(40), nullable=False)
    hours: Mapped[float] = mapped_column(Float, nullable=False)
    grid_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
