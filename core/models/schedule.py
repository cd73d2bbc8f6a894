"""Runs of schedules (定时任务记录): one row per schedule, township and run."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db
from core.tenancy import TenantOwned

SUCCEEDED, FAILED = "succeeded", "failed"


class ScheduleRun(TenantOwned, db.Model):
    """A finished run of schedule ``schedule`` in one township.

    A successful run is written in the run's own transaction, so the row exists exactly when the
    work was committed; a failed run is written after the rollback, with ``error`` saying why.
    ``trigger`` is ``schedule`` (the queue's tick) or ``manual`` (``gridgov schedules run``).
    """

    __tablename__ = "core_schedule_run"
    __table_args__ = (Index("ix_core_schedule_run_tenant_schedule_started", "tenant_id", "schedule", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule: Mapped[str] = mapped_column(String(100), nullable=False)
    trigger: Mapped[str] = mapped_column(String(16), nullable=False, default="schedule")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
