"""Browsing and exporting the audit log (审计日志查询与导出).

The ORM guard limits every query to the request's tenant; filters narrow it by user, action
(exact, or a prefix such as ``role`` for ``role.assign`` and ``role.revoke``), object type and
an inclusive date range.
"""
from __future__ import annotations

import datetime as dt
import io
import json

from openpyxl import Workbook
from sqlalchemy import Select, or_, select

from core.models import AuditEntry

EXPORT_LIMIT = 50_000
HEADERS = ["时间 (UTC)", "用户", "用户ID", "操作", "对象类型", "对象ID", "修改前", "修改后", "IP 地址"]


def audit_query(filters: dict) -> Select:
    """Entries matching ``filters`` (as loaded by ``AuditFilterSchema``), newest first."""
    stmt = select(AuditEntry)
    user = (filters.get("user") or "").strip()
    if user:
        by_name = AuditEntry.actor == user
        stmt = stmt.where(or_(AuditEntry.user_id == int(user), by_name) if user.isdigit() else by_name)
    action = (filters.get("action") or "").strip()
    if action:
        stmt = stmt.where(or_(AuditEntry.action == action, AuditEntry.action.startswith(action + ".", autoescape=True)))
    if filters.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"].strip())
    if filters.get("date_from"):
        stmt = stmt.where(AuditEntry.created_at >= dt.datetime.combine(filters["date_from"], dt.time()))
    if filters.get("date_to"):
        stmt = stmt.where(AuditEntry.created_at < dt.datetime.combine(filters["date_to"] + dt.timedelta(days=1), dt.time()))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def _cell(value) -> str:
    if value is None:
        return ""
    return _text(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _text(value: str | None) -> str:
    # a leading = + - @ would make a spreadsheet treat the text as a formula
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def export_xlsx(stmt: Select, session) -> bytes:
    """The entries of ``stmt`` (at most ``EXPORT_LIMIT``) as an .xlsx workbook, Chinese headers."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(HEADERS)
    for e in session.scalars(stmt.limit(EXPORT_LIMIT)):
        ws.append([e.created_at.strftime("%Y-%m-%d %H:%M:%S"), _text(e.actor), e.user_id, _text(e.action),
                   _text(e.object_type), _text(e.object_id), _cell(e.before), _cell(e.after), _text(e.address)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
