"""Modules per tenant (模块): which modules a tenant has on, the per-tenant hook relay, a
module's effective settings, and the gate that answers 404 from a disabled module's routes.

Request code reaches plugins only through :func:`hooks`, the relay for the current tenant.
Switching modules on and off and changing their settings is the tenant lifecycle's business:
:mod:`tenants.modules`.
"""
from __future__ import annotations

import copy
from typing import Any

from flask import Flask, abort, current_app, g, request
from sqlalchemy import select

from core.cache import ProcessCache
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantModule
from core.plugins import PluginRegistry
from core.specs import ModuleManifest
from core.tenancy import tenant_context
from flask_babel import gettext as _


def registry() -> PluginRegistry:
    return current_app.extensions["gridgov.plugins"]


# Each process keeps which modules a township has on and their loaded settings under the
# township's version (core.auth.access.version_key: switching a module or changing its settings
# bumps it in the same transaction), so a stale copy is never used, here or in another process.
_kept = ProcessCache(2048)


def _keep_key(tenant: Tenant, *parts) -> tuple | None:
    from core.auth.access import version_key

    key = version_key(tenant)
    return None if key is None else (id(registry()), *key, *parts)


def _kept_get(key):
    return None if key is None else _kept.get(key)


def _kept_put(key, value) -> None:
    if key is not None:
        _kept.put(key, value)


def enabled_modules(tenant: Tenant) -> set[str]:
    """Names of the modules ``tenant`` has switched on (and that are installed)."""
    cached = g.get("_enabled_modules") if g else None
    if cached is not None and cached[0] == tenant.id:
        return cached[1]
    key = _keep_key(tenant, "enabled")
    names = _kept_get(key)
    if names is None:
        installed = registry().modules
        with tenant_context(tenant):
            rows = db.session.scalars(select(TenantModule.module).where(TenantModule.enabled.is_(True))).all()
        names = frozenset(n for n in rows if n in installed)
        _kept_put(key, names)
    names = set(names)
    if g:
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
        raise ApiError(404, "unknown_module", _("没有名为 %(name)s 的模块", name=name))
    return manifest


def forget_enabled(tenant: Tenant) -> None:
    """Drop this request's cached :func:`enabled_modules` of ``tenant`` (after switching one)."""
    if g and g.get("_enabled_modules") and g._enabled_modules[0] == tenant.id:
        g.pop("_enabled_modules")


def module_settings(tenant: Tenant, name: str) -> dict[str, Any]:
    """The effective (loaded) settings of module ``name`` for ``tenant``: read and loaded once per
    township and settings version in each process (a copy each time: callers may change it)."""
    manifest = manifest_of(name)
    key = _keep_key(tenant, "settings", name)
    loaded = _kept_get(key)
    if loaded is None:
        with tenant_context(tenant):
            row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
        stored = manifest.dump_settings({**manifest.default_settings(), **(row.settings if row else {})})
        loaded = manifest.load_settings(stored)
        _kept_put(key, copy.deepcopy(loaded))
    return copy.deepcopy(loaded)


def _routes_by_plugin(app: Flask, registry: PluginRegistry) -> dict[str, list]:
    """Each plugin's own ``register_routes`` answer, by plugin name (called one by one, so that
    every blueprint has a known owner)."""
    out: dict[str, list] = {}
    with app.app_context():
        for impl in registry.pm.hook.register_routes.get_hookimpls():
            name = impl.plugin_name
            try:
                out.setdefault(name, []).extend(impl.function() or [])
            except Exception as exc:  # a plugin's routes failing to build must not stop the app
                if name not in registry.plugins:
                    raise
                registry.mark_broken(name, f"register_routes failed: {type(exc).__name__}: {exc}")
                out.pop(name, None)
    return out


def attribution_error(plugin: str, blueprint: str) -> str | None:
    """Why ``plugin`` may not register ``blueprint`` (None when it may): a blueprint must be named
    ``<plugin>`` or ``<plugin>_<suffix>``, or the module gate could not switch it off."""
    if blueprint == plugin or blueprint.startswith(plugin + "_"):
        return None
    return (f"blueprint {blueprint!r} is not named {plugin!r} or '{plugin}_...': core cannot attribute it "
            f"to the module, so it could not be switched off per township; its routes are not registered")


def init_app(app: Flask, registry: PluginRegistry) -> None:
    """Register plugin blueprints and the gate that hides disabled modules' routes.

    A plugin whose blueprints core cannot attribute to it (see :func:`attribution_error`), or
    whose blueprint names clash with ones already registered, is marked broken: none of its
    routes are registered, its hooks stop answering, and the rest of the app starts. So is a
    module that requires one of them."""
    owners: dict[str, str] = {}
    for name, blueprints in _routes_by_plugin(app, registry).items():
        plugin = registry.plugins.get(name)
        if plugin is None:  # core's own hook modules
            for bp in blueprints:
                app.register_blueprint(bp)
            continue
        problems = [attribution_error(name, bp.name) for bp in blueprints]
        problems += [f"blueprint {bp.name!r} is already registered by another component"
                     for bp in blueprints if bp.name in app.blueprints]
        problems = [p for p in problems if p]
        if problems:
            registry.mark_broken(name, problems[0])
            continue
        for bp in blueprints:
            app.register_blueprint(bp)
            if plugin.is_module:
                owners[bp.name] = name
    registry.refuse_unmet_requirements()  # a module whose required one just broke cannot run either
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
