"""Audit log API (审计日志): browse with filters, export to .xlsx. Nothing here changes it."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, g, request

from core import audit
from core.api import doc, load, page
from core.auth.audit_log import audit_query, export_xlsx
from core.auth.decorators import requires
from core.auth.schemas import AuditEntrySchema, AuditFilterSchema
from core.db import db

bp = Blueprint("auth_audit_api", __name__, url_prefix="/api/v1/t/<tenant>/audit")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("")
@requires("audit.read")
@doc("Audit entries, newest first; filters: user, action (or prefix), object_type, from, to (YYYY-MM-DD); "
     "page, per_page", response_schema=AuditEntrySchema, paged=True, tags=["audit"])
def browse():
    filters = load(AuditFilterSchema, request.args.to_dict())
    return page(AuditEntrySchema, audit_query(filters))


@bp.get("/export.xlsx")
@requires("audit.read")
@doc("The filtered audit log as an .xlsx workbook (Chinese headers)", tags=["audit"])
def export():
    filters = load(AuditFilterSchema, request.args.to_dict())
    body = export_xlsx(audit_query(filters), db.session)
    audit.record("audit.export", object_type="audit_log",
                 after={k: str(v) for k, v in filters.items() if v not in (None, "")})
    db.session.commit()
    name = f"audit-{g.tenant.slug}-{dt.date.today():%Y%m%d}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
