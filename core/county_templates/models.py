"""Tables of county templates: the county's templates and versions, the townships' adoptions.

``core_county_template`` and ``core_template_version`` belong to the county (``tenant_id`` is the
county's); ``core_template_adoption`` belongs to the township. The adoption names the county's
template and version by plain ids (no foreign key: keys stay inside one tenant, as Citus needs).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Timestamped, UTCDateTime, db, utcnow
from core.tenancy import TenantOwned, tenant_fk


class CountyTemplate(TenantOwned, Timestamped, db.Model):
    """One kind's template of a county: the draft being edited and the newest version number."""

    __tablename__ = "core_county_template"
    __table_args__ = (UniqueConstraint("tenant_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0: never published
    draft: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    draft_locked: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class TemplateVersion(TenantOwned, db.Model):
    """A published version: immutable (changing or deleting one fails at flush)."""

    __tablename__ = "core_template_version"
    __table_args__ = (tenant_fk("template_id", "core_county_template"),
                      UniqueConstraint("tenant_id", "template_id", "version"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    data: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    locked_fields: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))


class TemplateAdoption(TenantOwned, Timestamped, db.Model):
    """A township's adoption of its county's template of one kind, with its local overrides
    (``{item key: {field: value}}``)."""

    __tablename__ = "core_template_adoption"
    __table_args__ = (UniqueConstraint("tenant_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    county_id: Mapped[int] = mapped_column(Integer, nullable=False)
    template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    overrides: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, nullable=False, default=dict)
    adopted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    adopted_by: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(Session, "before_flush")
def _versions_are_immutable(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TemplateVersion) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("a published template version cannot change; publish a new one")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_version_changes(state) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ is TemplateVersion for m in state.all_mappers):
        raise PermissionError("a published template version cannot change; publish a new one")
