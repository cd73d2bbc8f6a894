"""Tables of the assessment module (网格考核), all prefixed ``assessment_`` and tenant-owned.

A ``Quarter`` (考核季度, named like ``2026-Q3``) owns its checklist: ``ChecklistRule`` rows grouped by
``item`` (考核项目). A rule adopted from the county template keeps its ``code`` (the template's
key). Inspectors record ``Deduction`` rows (扣分: grid, rule, points lost, reason, evidence, who and
on which day). A rule with a ``metric_key`` is also scored from a number another module answers
(``assessment_numbers``); closing the quarter snapshots those numbers as ``NumberSnapshot`` rows,
so a closed quarter's ranking never moves when the other modules' data does.

A quarter goes ``open`` → ``closed`` → ``published``; only an open quarter takes deductions or
checklist changes.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import TenantOwned, Timestamped, UTCDateTime, db, tenant_fk

QUARTER_STATES = ("open", "closed", "published")


class Quarter(TenantOwned, Timestamped, db.Model):
    """One quarter's assessment (季度考核) and its state."""

    __tablename__ = "assessment_quarter"
    __table_args__ = (UniqueConstraint("tenant_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(8), nullable=False)  # 2026-Q3
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ChecklistRule(TenantOwned, db.Model):
    """A rule of a quarter's checklist (考核细则): its points and how it is scored."""

    __tablename__ = "assessment_rule"
    __table_args__ = (tenant_fk("quarter_id", "assessment_quarter"), UniqueConstraint("tenant_id", "quarter_id", "code"),
                      Index("ix_assessment_rule_tenant_quarter", "tenant_id", "quarter_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    item: Mapped[str] = mapped_column(String(50), nullable=False)  # 考核项目: 党建引领, 平安建设...
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    max_points: Mapped[float] = mapped_column(Float, nullable=False)
    method: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # 评分方法
    metric_key: Mapped[str | None] = mapped_column(String(64))  # a number from assessment_numbers
    target: Mapped[float | None] = mapped_column(Float)  # the number that earns full points
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Deduction(TenantOwned, Timestamped, db.Model):
    """Points a grid lost on a rule at an inspection (督查扣分), with who, when and the evidence."""

    __tablename__ = "assessment_deduction"
    __table_args__ = (tenant_fk("quarter_id", "assessment_quarter"), tenant_fk("rule_id", "assessment_rule"),
                      tenant_fk("grid_id", "core_grid"),
                      Index("ix_assessment_deduction_tenant_quarter_grid", "tenant_id", "quarter_id", "grid_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rule_id: Mapped[int] = mapped_column(Integer, nullable=False)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    points: Mapped[float] = mapped_column(Float, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    evidence: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # photo numbers, file names
    inspected_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # Beijing date of the inspection
    inspector_id: Mapped[int | None] = mapped_column(Integer)
    inspector_name: Mapped[str] = mapped_column(String(64), nullable=False)


class NumberSnapshot(TenantOwned, db.Model):
    """A number another module answered for a grid, frozen when its quarter closed."""

    __tablename__ = "assessment_number"
    __table_args__ = (tenant_fk("quarter_id", "assessment_quarter"), tenant_fk("grid_id", "core_grid"),
                      UniqueConstraint("tenant_id", "quarter_id", "grid_id", "key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    grid_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    label_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    label_en: Mapped[str] = mapped_column(String(100), nullable=False)
    source: Mapped[str] = mapped_column(String(32), nullable=False)  # the module that answered
