"""Browsing and exporting the audit log (审计日志查询与导出).

The ORM guard limits every query to the request's tenant; filters narrow it by user, action
(exact, or a prefix such as ``role`` for ``role.assign`` and ``role.revoke``), object type and
an inclusive date range.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Select, or_, select

from core.exports import Column, XlsxBook
from core.localtime import day_start
from core.models import AuditEntry

EXPORT_LIMIT = 50_000
HEADERS = [Column("时间 (本地时间)", width=18), "用户", "用户ID", "操作", "操作说明", "对象类型", "对象ID",
           Column("修改前", width=40), Column("修改后", width=40), "IP 地址"]
# Chinese names of core's actions; others (modules') show their code alone
ACTION_LABELS = {
    "user.login": "登录", "user.logout": "退出登录", "user.create": "新建用户", "user.password_change": "修改密码",
    "user.password_reset": "重置密码", "role.assign": "授予角色", "role.revoke": "撤销角色",
    "role.permission.grant": "角色增加权限", "role.permission.revoke": "角色撤销权限",
    "token.create": "创建API令牌", "token.revoke": "撤销API令牌", "audit.export": "导出审计日志",
    "module.enable": "启用模块", "module.disable": "停用模块", "module.settings": "修改模块设置",
    "tenant.onboard": "新建乡镇", "tenant.create_county": "新建县", "tenant.update": "修改乡镇设置",
    "tenant.suspended": "暂停乡镇", "tenant.active": "恢复乡镇", "tenant.cross": "跨租户访问",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, "")


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
        stmt = stmt.where(AuditEntry.created_at >= day_start(filters["date_from"]))
    if filters.get("date_to"):
        stmt = stmt.where(AuditEntry.created_at < day_start(filters["date_to"] + dt.timedelta(days=1)))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def export_xlsx(stmt: Select, session) -> bytes:
    """The entries of ``stmt`` (at most ``EXPORT_LIMIT``) as an .xlsx workbook, Chinese headers,
    times in the township's zone; cells made safe by :mod:`core.exports`."""
    book = XlsxBook()
    sheet = book.sheet("审计日志", HEADERS)
    for e in session.scalars(stmt.limit(EXPORT_LIMIT)):
        sheet.append([e.created_at, e.actor, e.user_id, e.action, action_label(e.action), e.object_type, e.object_id,
                      _json(e.before), _json(e.after), e.address])
    return book.to_bytes()
