"""Core auth's hook answers: the console menu entries for users, roles, audit log and tokens."""
from __future__ import annotations

from core.plugins import hookimpl
from core.specs import NavItem


@hookimpl
def nav_items(tenant, user):
    return [
        NavItem("用户与角色", "Users and roles", "auth_admin_pages.users", permission="users.read", order=800),
        NavItem("权限矩阵", "Permission matrix", "auth_admin_pages.roles", permission="users.read", order=810),
        NavItem("审计日志", "Audit log", "auth_pages.audit_log", permission="audit.read", order=820),
        NavItem("API令牌", "API tokens", "auth_pages.tokens", order=830, tenant_kinds=("township", "county")),
    ]
