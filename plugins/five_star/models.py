"""Tables of the five-star module (五星支部), all prefixed ``five_star_`` and tenant-owned.

The standard of a year (``Standard``) holds its stars, each star its key tasks, each task its
criteria. A standard adopted from the county carries ``template_key``/``template_version`` and its
county tasks are ``locked``: the township may add tasks, not drop or weaken those. Plans,
assessments and published stars point at the standard of their year, so last year's results stay
tied to last year's standard.

An assessment of one branch for one star and year moves self → township → county → confirmed;
each step is a row of ``AssessmentStep`` with who, when, the scores per criterion, comments and the
numbers snapshotted at submission. A confirmed assessment that reaches the star's pass score
publishes an ``Award`` (摘星 sets ``withdrawn_at``; a new assessment can win it back).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import TenantOwned, Timestamped, UTCDateTime, db, tenant_fk

CRITERION_KINDS = ("threshold", "yesno", "checklist")
PLAN_STATES = ("draft", "submitted", "approved", "returned")
ASSESSMENT_STATES = ("self", "township", "county", "confirmed")
EVIDENCE_KINDS = ("document", "photo", "note")


class Standard(TenantOwned, Timestamped, db.Model):
    """The five-star standard of one year (创建标准)."""

    __tablename__ = "five_star_standard"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    template_key: Mapped[str | None] = mapped_column(String(64))
    template_version: Mapped[int | None] = mapped_column(Integer)

    stars: Mapped[list[Star]] = relationship(
        primaryjoin="Standard.id == foreign(Star.standard_id)", order_by="Star.sort", viewonly=True)


class Star(TenantOwned, db.Model):
    """One of the five stars of a standard, with the score it needs (达标分)."""

    __tablename__ = "five_star_star"
    __table_args__ = (tenant_fk("standard_id", "five_star_standard"), UniqueConstraint("tenant_id", "standard_id", "code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    pass_score: Mapped[float] = mapped_column(Float, nullable=False)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    tasks: Mapped[list[Task]] = relationship(
        primaryjoin="Star.id == foreign(Task.star_id)", order_by="Task.sort", viewonly=True)


class Task(TenantOwned, db.Model):
    """A key task (重点任务) under a star; ``locked`` ones come from the county."""

    __tablename__ = "five_star_task"
    __table_args__ = (tenant_fk("star_id", "five_star_star"), Index("ix_five_star_task_tenant_star", "tenant_id", "star_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    star_id: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    criteria: Mapped[list[Criterion]] = relationship(
        primaryjoin="Task.id == foreign(Criterion.task_id)", order_by="Criterion.sort", viewonly=True)


class Criterion(TenantOwned, db.Model):
    """A measurable criterion (评价标准). ``max_score`` is its weight: a score lies in [0, max].

    * ``threshold``: ``metric_key`` (a ``star_evidence`` key) compared with ``threshold`` (>=);
      met → the full score, else 0; without the number the assessor scores by hand;
    * ``yesno``: done or not, with evidence: 0 or the full score;
    * ``checklist``: ``items`` listed, any score from 0 to the full score.
    """

    __tablename__ = "five_star_criterion"
    __table_args__ = (tenant_fk("task_id", "five_star_task"), Index("ix_five_star_criterion_tenant_task", "tenant_id", "task_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    max_score: Mapped[float] = mapped_column(Float, nullable=False)
    metric_key: Mapped[str | None] = mapped_column(String(64))
    threshold: Mapped[float | None] = mapped_column(Float)
    items: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Plan(TenantOwned, Timestamped, db.Model):
    """A branch's creation plan for a year (创建计划表): the stars it aims for and its actions."""

    __tablename__ = "five_star_plan"
    __table_args__ = (tenant_fk("org_id", "core_party_org", ondelete="CASCADE"), tenant_fk("standard_id", "five_star_standard"),
                      UniqueConstraint("tenant_id", "org_id", "year"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    standard_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    star_codes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    actions: Mapped[list[PlanAction]] = relationship(
        primaryjoin="Plan.id == foreign(PlanAction.plan_id)", order_by="PlanAction.id", viewonly=True)


class PlanAction(TenantOwned, db.Model):
    """What a branch will do for one key task: action, owner and dates (措施、责任人、时限)."""

    __tablename__ = "five_star_plan_action"
    __table_args__ = (tenant_fk("plan_id", "five_star_plan", ondelete="CASCADE"), tenant_fk("task_id", "five_star_task"),
                      Index("ix_five_star_plan_action_tenant_plan", "tenant_id", "plan_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(Integer, nullable=False)
    task_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)


class Reminder(TenantOwned, db.Model):
    """The township reminded a branch that has not filed its plan (催报): queued at ``at`` by
    ``by``; the ``five_star.send_reminders`` schedule delivers it to the people of the branch's
    grid (``recipients``: ``[{"user_id", "name"}]``, each getting a :class:`Notice`) and sets
    ``sent_at`` and ``outcome``."""

    __tablename__ = "five_star_reminder"
    __table_args__ = (tenant_fk("org_id", "core_party_org", ondelete="CASCADE"),
                      Index("ix_five_star_reminder_tenant_year", "tenant_id", "year", "org_id"),
                      Index("ix_five_star_reminder_tenant_sent", "tenant_id", "sent_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    by: Mapped[str] = mapped_column(String(64), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    # None while queued; "sent", "no_recipient" (nobody on the grid to tell) or "filed" (the
    # branch filed before the reminder went out, so it was not sent)
    outcome: Mapped[str | None] = mapped_column(String(16))


class Notice(TenantOwned, db.Model):
    """A message in one user's five-star inbox (站内提醒), shown on their console start page
    until read; today the reminders to file a plan."""

    __tablename__ = "five_star_notice"
    __table_args__ = (tenant_fk("reminder_id", "five_star_reminder", ondelete="CASCADE"),
                      Index("ix_five_star_notice_tenant_user", "tenant_id", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), nullable=False)
    reminder_id: Mapped[int] = mapped_column(Integer, nullable=False)
    org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Evidence(TenantOwned, Timestamped, db.Model):
    """A document, photo or note a branch keeps for a key task (佐证材料)."""

    __tablename__ = "five_star_evidence"
    __table_args__ = (tenant_fk("org_id", "core_party_org", ondelete="CASCADE"), tenant_fk("task_id", "five_star_task"),
                      Index("ix_five_star_evidence_tenant_org_year", "tenant_id", "org_id", "year"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    task_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    file_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    stored_as: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64), nullable=False)


class Assessment(TenantOwned, Timestamped, db.Model):
    """One branch's assessment for one star of a year (三级联创), at ``state`` now."""

    __tablename__ = "five_star_assessment"
    __table_args__ = (tenant_fk("org_id", "core_party_org", ondelete="CASCADE"), tenant_fk("star_id", "five_star_star"),
                      Index("ix_five_star_assessment_tenant_year_org", "tenant_id", "year", "org_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    star_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="self")
    total: Mapped[float | None] = mapped_column(Float)
    awarded: Mapped[bool | None] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    steps: Mapped[list[AssessmentStep]] = relationship(
        primaryjoin="Assessment.id == foreign(AssessmentStep.assessment_id)", order_by="AssessmentStep.id", viewonly=True)


class AssessmentStep(TenantOwned, db.Model):
    """A step of an assessment: who, when, the scores, comments and the numbers seen then."""

    __tablename__ = "five_star_assessment_step"
    __table_args__ = (tenant_fk("assessment_id", "five_star_assessment", ondelete="CASCADE"),
                      Index("ix_five_star_assessment_step_tenant_assessment", "tenant_id", "assessment_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    total: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    numbers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)


class Award(TenantOwned, Timestamped, db.Model):
    """A published star of a branch and year (已授星); ``withdrawn_at`` set when taken away (摘星)."""

    __tablename__ = "five_star_award"
    __table_args__ = (tenant_fk("org_id", "core_party_org", ondelete="CASCADE"), tenant_fk("star_id", "five_star_star"),
                      tenant_fk("assessment_id", "five_star_assessment"),
                      Index("ix_five_star_award_tenant_year_org", "tenant_id", "year", "org_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, nullable=False)
    star_id: Mapped[int] = mapped_column(Integer, nullable=False)
    star_code: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    assessment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    awarded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_level: Mapped[str | None] = mapped_column(String(16))  # "township" or "county" (县级摘星)
    redo_task_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)


class HouseholdStar(TenantOwned, db.Model):
    """A star households can earn in ``year`` (十星农户: 爱党爱国星, 政策明白星, ...), defined by the
    township: the 评分组 scores it from 0 to ``max_score`` and a score of ``pass_score`` or more
    earns it. ``category`` is the points_bank category that derives it. Definitions are versioned
    per year like the branch standards: a month's ratings point at the definitions of the
    month's year, so editing this year's stars never rewrites last year's. A retired star
    (``active`` false, ``retired_at``) is scored no more; its ratings stay."""

    __tablename__ = "five_star_household_star"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "code"),
                      Index("ix_five_star_household_star_tenant_year", "tenant_id", "year", "sort"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    max_score: Mapped[float] = mapped_column(Float, nullable=False, default=100.0)
    pass_score: Mapped[float] = mapped_column(Float, nullable=False, default=80.0)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class HouseholdRating(TenantOwned, Timestamped, db.Model):
    """A household's star for a month: scored by the 评分组, confirmed by the 评星组."""

    __tablename__ = "five_star_household_rating"
    __table_args__ = (tenant_fk("household_id", "core_household", ondelete="CASCADE"),
                      tenant_fk("star_id", "five_star_household_star"),
                      UniqueConstraint("tenant_id", "month", "household_id", "star_id"),
                      Index("ix_five_star_household_rating_tenant_month", "tenant_id", "month", "confirmed"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(Integer, nullable=False)
    star_id: Mapped[int] = mapped_column(Integer, nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="manual")
    scored_by: Mapped[str] = mapped_column(String(64), nullable=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # snapshotted when the 评星组 confirms (score >= the star's pass score then): a later change
    # of the pass score does not rewrite a confirmed month
    earned: Mapped[bool | None] = mapped_column(Boolean)
