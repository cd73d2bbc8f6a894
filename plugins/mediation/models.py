"""Tables of the mediation module (调解), all prefixed ``mediation_`` and tenant-owned.

A case (案件) belongs to one room (调解室) and one grid; its parties (当事人) are residents of the
township (``person_id``, with their household kept for the conflict check) or outsiders with
contact details. The free text of a case (summary, session notes, agreement terms) is private:
who may read it is decided in :mod:`plugins.mediation.permissions`, and every read is audited.
References to other tenant-owned rows are composite ``(tenant_id, x_id)`` keys; incidents'
rows are named by id only (``incident_id``), since a plugin never points into another's tables.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import N_, TenantOwned, Timestamped, UTCDateTime, db, tenant_fk, to_local, utcnow

SOURCES = {"walk_in": N_("来访"), "grid_worker": N_("网格员报送"), "meeting": N_("村民说事"), "incident": N_("事件转入")}
DISPUTE_TYPES = {"neighbours": N_("邻里纠纷"), "land_contract": N_("土地承包"), "family": N_("家庭纠纷"),
                 "marriage": N_("婚姻纠纷"), "labour": N_("劳动争议"), "property": N_("物业纠纷"),
                 "demolition": N_("征地拆迁"), "other": N_("其他纠纷")}
URGENCIES = {"urgent": N_("特急"), "pressing": N_("紧急"), "normal": N_("一般")}
BACKGROUNDS = {"retired_judge": N_("退休法官"), "retired_police": N_("退休民警"), "lawyer": N_("律师"),
               "cadre": N_("村(社区)干部"), "villager": N_("乡贤能人"), "other": N_("其他")}
REFERRAL_KINDS = {"judicial_office": N_("司法所"), "petitions": N_("信访"), "court": N_("法院"),
                  "police": N_("派出所"), "department": N_("职能部门")}
PARTY_ROLES = {"applicant": N_("申请人"), "respondent": N_("被申请人"), "other": N_("第三人")}
OUTCOMES = ("agreement", "partial", "failed", "referred")
CONCLUDED = OUTCOMES
TOPIC_STATES = {"open": N_("待处理"), "solved": N_("已解决"), "case": N_("转调解案件"), "incident": N_("转事件办理"),
                "dropped": N_("不予处理")}


def case_number(case_id: int, taken_in_at: dt.datetime) -> str:
    """A case number as written on paper: 〔local year of intake〕调字第N号."""
    return f"〔{to_local(taken_in_at).year}〕调字第{case_id}号"


class Room(TenantOwned, Timestamped, db.Model):
    """A mediation room (调解室/调解工作室) serving some grids' subtrees."""

    __tablename__ = "mediation_room"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    hours: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    grids: Mapped[list[RoomGrid]] = relationship(primaryjoin="Room.id == RoomGrid.room_id", foreign_keys="RoomGrid.room_id",
                                                 cascade="all, delete-orphan", order_by="RoomGrid.grid_id")


class RoomGrid(TenantOwned, db.Model):
    """A grid whose subtree a room serves."""

    __tablename__ = "mediation_room_grid"
    __table_args__ = (tenant_fk("room_id", "mediation_room", ondelete="CASCADE"), tenant_fk("grid_id", "core_grid"),
                      UniqueConstraint("tenant_id", "room_id", "grid_id"),
                      Index("ix_mediation_room_grid_tenant_grid", "tenant_id", "grid_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(Integer, nullable=False)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)


class Mediator(TenantOwned, Timestamped, db.Model):
    """A mediator (调解员): a resident of the township (``person_id``) or an outsider, optionally
    with an account (``user_id``) holding the ``mediator`` role."""

    __tablename__ = "mediation_mediator"
    __table_args__ = (tenant_fk("person_id", "core_person"), Index("ix_mediation_mediator_tenant_user", "tenant_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    background: Mapped[str] = mapped_column(String(32), nullable=False, default="other")
    specialities: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    rooms: Mapped[list[MediatorRoom]] = relationship(primaryjoin="Mediator.id == MediatorRoom.mediator_id",
                                                     foreign_keys="MediatorRoom.mediator_id", cascade="all, delete-orphan")

    @property
    def room_ids(self) -> list[int]:
        return sorted(r.room_id for r in self.rooms)

    @property
    def outsider(self) -> bool:
        return self.person_id is None


class MediatorRoom(TenantOwned, db.Model):
    __tablename__ = "mediation_mediator_room"
    __table_args__ = (tenant_fk("mediator_id", "mediation_mediator", ondelete="CASCADE"),
                      tenant_fk("room_id", "mediation_room", ondelete="CASCADE"),
                      UniqueConstraint("tenant_id", "mediator_id", "room_id"),
                      Index("ix_mediation_mediator_room_tenant_room", "tenant_id", "room_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mediator_id: Mapped[int] = mapped_column(Integer, nullable=False)
    room_id: Mapped[int] = mapped_column(Integer, nullable=False)


class Case(TenantOwned, Timestamped, db.Model):
    """A dispute case (调解案件) from intake to its outcome."""

    __tablename__ = "mediation_case"
    __table_args__ = (
        tenant_fk("room_id", "mediation_room"),
        tenant_fk("grid_id", "core_grid"),
        Index("ix_mediation_case_tenant_taken", "tenant_id", "taken_in_at", "state", "room_id", "grid_id", "dispute_type"),
        Index("ix_mediation_case_tenant_room_state", "tenant_id", "room_id", "state"),
        Index("ix_mediation_case_tenant_incident", "tenant_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(Integer, nullable=False)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="walk_in")
    dispute_type: Mapped[str] = mapped_column(String(32), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[float | None] = mapped_column(Numeric(14, 2))
    urgency: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="intake")
    intake_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    taken_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    concluded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agreement_terms: Mapped[str | None] = mapped_column(Text)
    agreement_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    referral_kind: Mapped[str | None] = mapped_column(String(32))
    referral_body: Mapped[str | None] = mapped_column(String(100))
    referral_date: Mapped[dt.date | None] = mapped_column(Date)
    incident_id: Mapped[int | None] = mapped_column(Integer)  # incidents' row, by id only
    topic_id: Mapped[int | None] = mapped_column(Integer)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # optimistic lock: two mediators acting at once cannot both move it (the second gets 409)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    room: Mapped[Room] = relationship(primaryjoin="Case.room_id == Room.id", foreign_keys="Case.room_id")
    grid = relationship("Grid", primaryjoin="Case.grid_id == Grid.id", foreign_keys="Case.grid_id", viewonly=True)
    parties: Mapped[list[Party]] = relationship(primaryjoin="Case.id == Party.case_id", foreign_keys="Party.case_id",
                                                order_by="Party.id", cascade="all, delete-orphan")
    mediators: Mapped[list[CaseMediator]] = relationship(primaryjoin="Case.id == CaseMediator.case_id",
                                                         foreign_keys="CaseMediator.case_id", order_by="CaseMediator.id",
                                                         cascade="all, delete-orphan")
    sessions: Mapped[list[CaseSession]] = relationship(primaryjoin="Case.id == CaseSession.case_id", foreign_keys="CaseSession.case_id",
                                                   order_by="CaseSession.held_on, CaseSession.id")
    followups: Mapped[list[FollowUp]] = relationship(primaryjoin="Case.id == FollowUp.case_id",
                                                     foreign_keys="FollowUp.case_id", order_by="FollowUp.due_on")

    @property
    def number(self) -> str:
        """The case number as written on paper: 〔year〕调字第N号."""
        return case_number(self.id, self.taken_in_at)

    @property
    def mediator_ids(self) -> list[int]:
        return [m.mediator_id for m in self.mediators]

    @property
    def concluded(self) -> bool:
        return self.state in CONCLUDED


class Party(TenantOwned, db.Model):
    """A party to a case (当事人): a resident (``person_id``) or an outsider with contacts."""

    __tablename__ = "mediation_party"
    __table_args__ = (tenant_fk("case_id", "mediation_case", ondelete="CASCADE"),
                      Index("ix_mediation_party_tenant_case", "tenant_id", "case_id"),
                      Index("ix_mediation_party_tenant_person", "tenant_id", "person_id"),
                      Index("ix_mediation_party_tenant_household", "tenant_id", "household_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="applicant")
    person_id: Mapped[int | None] = mapped_column(Integer)  # core_person; kept loose so anonymising can cut it
    household_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class CaseMediator(TenantOwned, db.Model):
    __tablename__ = "mediation_case_mediator"
    __table_args__ = (tenant_fk("case_id", "mediation_case", ondelete="CASCADE"),
                      tenant_fk("mediator_id", "mediation_mediator"),
                      UniqueConstraint("tenant_id", "case_id", "mediator_id"),
                      Index("ix_mediation_case_mediator_tenant_mediator", "tenant_id", "mediator_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False)
    mediator_id: Mapped[int] = mapped_column(Integer, nullable=False)
    lead: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    mediator: Mapped[Mediator] = relationship(primaryjoin="CaseMediator.mediator_id == Mediator.id",
                                              foreign_keys="CaseMediator.mediator_id")


class CaseSession(TenantOwned, Timestamped, db.Model):
    """A mediation session (调解记录): date, who attended, notes, next step."""

    __tablename__ = "mediation_session"
    __table_args__ = (tenant_fk("case_id", "mediation_case", ondelete="CASCADE"),
                      Index("ix_mediation_session_tenant_case", "tenant_id", "case_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    attendees: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_step: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))


class FollowUp(TenantOwned, Timestamped, db.Model):
    """A follow-up visit (回访) due some days after an agreement: does it hold?"""

    __tablename__ = "mediation_followup"
    __table_args__ = (tenant_fk("case_id", "mediation_case", ondelete="CASCADE"),
                      Index("ix_mediation_followup_tenant_due", "tenant_id", "done_at", "due_on"),
                      Index("ix_mediation_followup_tenant_case", "tenant_id", "case_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    holds: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    then: Mapped[str | None] = mapped_column(String(16))  # reopen | refer, when it does not hold
    visitor_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship(primaryjoin="FollowUp.case_id == Case.id", foreign_keys="FollowUp.case_id",
                                      viewonly=True)


class Meeting(TenantOwned, Timestamped, db.Model):
    """A villagers' talk-it-out meeting (村民说事/议事): date, grid, who came, what was raised."""

    __tablename__ = "mediation_meeting"
    __table_args__ = (tenant_fk("grid_id", "core_grid"), Index("ix_mediation_meeting_tenant_grid", "tenant_id", "grid_id", "held_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    host: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    attendees: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    attendee_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    grid = relationship("Grid", primaryjoin="Meeting.grid_id == Grid.id", foreign_keys="Meeting.grid_id", viewonly=True)
    topics: Mapped[list[Topic]] = relationship(primaryjoin="Meeting.id == Topic.meeting_id", foreign_keys="Topic.meeting_id",
                                               order_by="Topic.id", cascade="all, delete-orphan")


class Topic(TenantOwned, Timestamped, db.Model):
    """A topic raised at a meeting (说事议题): the decision, its owner, and what became of it."""

    __tablename__ = "mediation_topic"
    __table_args__ = (tenant_fk("meeting_id", "mediation_meeting", ondelete="CASCADE"),
                      Index("ix_mediation_topic_tenant_meeting", "tenant_id", "meeting_id"),
                      Index("ix_mediation_topic_tenant_incident", "tenant_id", "incident_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    raised_by: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    decision: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    owner: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    case_id: Mapped[int | None] = mapped_column(Integer)
    incident_id: Mapped[int | None] = mapped_column(Integer)
    solved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
