"""The public plugin API (插件工具箱): everything a plugin needs from core, in one stable place.

Third-party plugins import from here only; names here keep working across core releases.
"""
from __future__ import annotations

from flask_babel import gettext, pgettext

from core.api import doc, dump, json_body, load, page, page_args
from core.audit import record as audit
from core.auth import authenticated, current_access, public, requires
from core.db import Timestamped, db, immediate_transaction, utcnow
from core.errors import ApiError
from core.modules import enabled_modules, hooks, module_settings
from core.hookspecs import hookspec
from core.i18n import N_
from core.plugins import hookimpl
from core.specs import ModuleManifest, NavItem, Permission, Role, Widget
from core.tenancy import TenantOwned, TenantScopeError, cross_tenant, current_tenant_id, tenant_context, tenant_fk
# re-exports of existing core names that the volunteer module needs
from core.auth import csrf
from core.grid.models import Grid, GridStatus
from core.grid.scope import grid_in_reach, subtree_condition, visible
from core.models import Tenant, TenantKind, TenantStatus
from core.people.models import Household, Person

__all__ = [
    "ApiError", "ModuleManifest", "N_", "NavItem", "Permission", "Role", "TenantOwned", "TenantScopeError",
    "Timestamped", "Widget", "audit", "authenticated", "cross_tenant", "current_access", "current_tenant_id",
    "db", "doc", "dump", "enabled_modules", "gettext", "hookimpl", "hookspec", "hooks", "immediate_transaction",
    "json_body", "load", "module_settings", "page", "page_args", "pgettext", "public", "requires", "tenant_context",
    "tenant_fk", "utcnow",
    "Grid", "GridStatus", "Household", "Person", "Tenant", "TenantKind", "TenantStatus", "csrf", "grid_in_reach",
    "subtree_condition", "visible",
]
