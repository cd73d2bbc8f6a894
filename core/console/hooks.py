"""Core's console entries (控制台): menu items, home widgets and comparison numbers of its own.

Registered as a core hook module (always on). Modules add theirs through the same hooks.
"""
from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from core.models import RoleAssignment, TenantKind
from core.plugins import hookimpl
from core.specs import NavItem, Widget


@hookimpl
def nav_items(tenant, user):
    if tenant.kind != TenantKind.township:
        return []  # a county's menu comes from the tenant lifecycle (tenants.hooks)
    return [NavItem("工作台", "Dashboard", "web.tenant_home", permission="dashboard.view", order=0)]


def _member_count(tenant) -> int:
    return db.session.scalar(select(func.count(func.distinct(RoleAssignment.user_id)))) or 0


@hookimpl
def dashboard_widgets(tenant, user):
    from core.modules import enabled_modules

    if tenant.kind != TenantKind.township:
        return []
    return [
        Widget(key="core.modules_enabled", title_zh="已启用模块", title_en="Modules on", kind="number",
               value=len(enabled_modules(tenant)), order=900, link_endpoint="tenants_console.modules"),
        Widget(key="core.members", title_zh="工作人员", title_en="Staff with a role", kind="number",
               value=_member_count(tenant), order=910),
    ]


@hookimpl
def tenant_numbers(tenant):
    from core.modules import enabled_modules

    return {"core.modules_enabled": len(enabled_modules(tenant)), "core.members": _member_count(tenant)}
