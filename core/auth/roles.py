"""Core permissions and roles, and the merged catalogue that plugins extend through hooks."""
from __future__ import annotations

from dataclasses import replace

from flask import current_app

from core.specs import Permission, Role

CORE_PERMISSIONS = [
    Permission("platform.manage", "平台管理", "Platform administration"),
    Permission("dashboard.view", "查看工作台", "View dashboard"),
    Permission("tenants.read", "查看乡镇", "View townships"),
    Permission("tenants.onboard", "新建乡镇", "Onboard townships"),
    Permission("tenants.suspend", "暂停/恢复乡镇", "Suspend or resume townships"),
    Permission("tenants.settings", "修改乡镇设置", "Change township settings"),
    Permission("modules.read", "查看模块", "View modules"),
    Permission("modules.manage", "开关模块与设置", "Switch modules and settings"),
    Permission("users.read", "查看用户", "View users"),
    Permission("users.manage", "管理用户与角色", "Manage users and roles"),
    Permission("roles.manage", "调整角色权限", "Change role permissions"),
    Permission("tokens.manage", "管理所有API令牌", "Manage everyone's API tokens"),
    Permission("audit.read", "查看审计日志", "Read the audit log"),
    Permission("grids.read", "查看网格", "View grids"),
    Permission("grids.edit", "编辑网格", "Edit grids"),
    Permission("people.read", "查看人员", "View people"),
    Permission("people.read_sensitive", "查看完整身份证号与电话", "View full ID and phone numbers"),
    Permission("people.edit", "编辑人员", "Edit people"),
    Permission("people.import", "导入人员", "Import people"),
    Permission("people.export", "导出人员", "Export people"),
    Permission("people.cards", "发放与打印户码卡", "Issue and print household cards"),
]

_ALL_TENANT = frozenset(p.name for p in CORE_PERMISSIONS) - {"tenants.onboard", "tenants.suspend"}
_GRID_BASE = frozenset({"dashboard.view", "grids.read", "people.read"})

CORE_ROLES = [
    Role("platform_admin", "平台管理员", "Platform admin", "platform", frozenset({"*"})),
    Role(
        "county_admin",
        "县级管理员",
        "County admin",
        "county",
        frozenset({"dashboard.view", "tenants.read", "tenants.onboard", "tenants.suspend", "modules.read", "grids.read"}),
    ),
    Role("township_admin", "乡镇管理员", "Township admin", "tenant", _ALL_TENANT),
    Role(
        "township_staff",
        "乡镇工作人员",
        "Township staff",
        "tenant",
        frozenset({"dashboard.view", "tenants.read", "modules.read", "grids.read", "grids.edit", "people.read",
                   "people.edit", "people.import", "people.export", "people.cards", "users.read"}),
    ),
    Role("grid_leader", "网格长", "Grid leader", "grid", _GRID_BASE | {"people.edit", "people.read_sensitive", "people.cards"}),
    Role("grid_worker", "网格员", "Grid worker", "grid", _GRID_BASE | {"people.edit", "people.cards"}),
    Role("info_officer", "信息员", "Information officer", "grid", _GRID_BASE),
    Role("grid_police", "网格警员", "Grid police officer", "grid", _GRID_BASE | {"people.read_sensitive"}),
    Role("grid_instructor", "网格指导员", "Grid instructor", "grid", _GRID_BASE),
]


def catalogue() -> tuple[dict[str, Permission], dict[str, Role]]:
    """All permissions and roles: core's plus every plugin's (cached on the app)."""
    cached = current_app.extensions.get("gridgov.roles")
    if cached is not None:
        return cached
    hook = current_app.extensions["gridgov.plugins"].pm.hook
    perms: dict[str, Permission] = {}
    for batch in reversed(hook.register_permissions()):  # core first
        for p in batch or []:
            perms[p.name] = p
    roles: dict[str, Role] = {}
    for batch in reversed(hook.register_roles()):
        for r in batch or []:
            if r.name in roles:
                roles[r.name] = replace(roles[r.name], permissions=roles[r.name].permissions | r.permissions)
            else:
                roles[r.name] = r
    current_app.extensions["gridgov.roles"] = (perms, roles)
    return perms, roles
