"""Modules per tenant (模块): which modules a tenant has on, the per-tenant hook relay, a
module's effective settings, and the gate that answers 404 from a disabled module's routes.

Request code reaches plugins only through :func:`hooks`, the relay for the current tenant.
Switching modules on and off and changing their settings is the tenant lifecycle's business:
:mod:`tenants.modules`.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, request
from sqlalchemy import select

from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantModule
from core.plugins import PluginRegistry
from core.specs import ModuleManifest
from core.tenancy import tenant_context


def registry() -> PluginRegistry:
    return current_app.extensions["gridgov.plugins"]


def enabled_modules(tenant: Tenant) -> set[str]:
    """Names of the modules ``tenant`` has switched on (and that are installed)."""
    cached = g.get("_enabled_modules") if g else None
    if cached is not None and cached[0] == tenant.id:
        return cached[1]
    installed = registry().modules
    with tenant_context(tenant):
        rows = db.session.scalars(select(TenantModule.module).where(TenantModule.enabled.is_(True))).all()
    names = {n for n in rows if n in installed}
    g._enabled_modules = (tenant.id, names)
    return names


def hooks(tenant: Tenant | None = None):
    """The hook relay for ``tenant`` (default: the request's tenant): core plus enabled modules."""
    tenant = tenant or g.get("tenant")
    if tenant is None:
        raise RuntimeError("hooks() needs a tenant")
    return registry().relay(enabled_modules(tenant))


def manifest_of(name: str) -> ModuleManifest:
    """The manifest of installed module ``name``; ``ApiError`` 404 when there is none."""
    manifest = registry().modules.get(name)
    if manifest is None:
        raise ApiError(404, "unknown_module", f"没有名为 {name} 的模块 (no module named {name})")
    return manifest


def forget_enabled(tenant: Tenant) -> None:
    """Drop this request's cached :func:`enabled_modules` of ``tenant`` (after switching one)."""
    if g and g.get("_enabled_modules") and g._enabled_modules[0] == tenant.id:
        g.pop("_enabled_modules")


def module_settings(tenant: Tenant, name: str) -> dict[str, Any]:
    """The effective (loaded) settings of module ``name`` for ``tenant``."""
    manifest = manifest_of(name)
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
    stored = manifest.dump_settings({**manifest.default_settings(), **(row.settings if row else {})})
    return manifest.load_settings(stored)


def init_app(app: Flask, registry: PluginRegistry) -> None:
    """Register plugin blueprints and the gate that hides disabled modules' routes."""
    owners: dict[str, str] = {}
    with app.app_context():
        for blueprints in registry.pm.hook.register_routes():
            for bp in blueprints or []:
                app.register_blueprint(bp)
    for name, plugin in registry.plugins.items():
        if not plugin.is_module:
            continue
        for bp_name in app.blueprints:
            if bp_name == name or bp_name.startswith(name + "_"):
                owners[bp_name] = name
    app.extensions["gridgov.blueprint_owners"] = owners

    @app.before_request
    def _module_gate():
        module = owners.get((request.blueprint or "").split(".")[0])
        if module is None or (request.endpoint or "").endswith(".static"):
            return None
        tenant = g.get("tenant")
        if tenant is None or module not in enabled_modules(tenant):
            abort(404)
        return None
