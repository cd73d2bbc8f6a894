"""Modules per tenant (模块开关): enable, disable (data kept), re-enable, settings, and the gate
that answers 404 from a disabled module's routes.

Request code reaches plugins only through :func:`hooks`, the relay for the current tenant.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, request
from marshmallow import ValidationError
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantModule
from core.plugins import PluginRegistry
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


def module_state(tenant: Tenant) -> list[dict[str, Any]]:
    """Every installed module with its state for ``tenant``."""
    with tenant_context(tenant):
        rows = {m.module: m for m in db.session.scalars(select(TenantModule))}
    out = []
    for name, manifest in registry().modules.items():
        row = rows.get(name)
        settings = manifest.default_settings()
        if row is not None:
            settings.update(row.settings or {})
        out.append(
            {
                "name": name,
                "title_zh": manifest.title_zh,
                "title_en": manifest.title_en,
                "description": manifest.description,
                "version": manifest.version,
                "requires": list(manifest.requires),
                "enabled": bool(row and row.enabled),
                "settings": manifest.dump_settings(settings),
            }
        )
    return out


def _manifest(name: str):
    manifest = registry().modules.get(name)
    if manifest is None:
        raise ApiError(404, "unknown_module", f"没有名为 {name} 的模块 (no module named {name})")
    return manifest


def _invalidate(tenant: Tenant) -> None:
    if g and g.get("_enabled_modules") and g._enabled_modules[0] == tenant.id:
        g.pop("_enabled_modules")


def enable_module(tenant: Tenant, name: str, settings: dict[str, Any] | None = None, actor: str | None = None) -> TenantModule:
    """Switch module ``name`` on for ``tenant`` and run its ``setup_tenant``. Idempotent.

    Raises :class:`ApiError` 404 for an unknown module, 409 when a required module is off, and
    ``ValidationError`` (422) for bad settings. Does not commit.
    """
    manifest = _manifest(name)
    missing = [r for r in manifest.requires if r not in enabled_modules(tenant)]
    if missing:
        raise ApiError(409, "module_requires", f"模块 {name} 需要先启用: {', '.join(missing)}", fields={"requires": missing})
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
        base = manifest.dump_settings({**manifest.default_settings(), **(row.settings if row else {})})
        clean = manifest.load_settings({**base, **(settings or {})})
        before = {"enabled": row.enabled, "settings": row.settings} if row else None
        if row is None:
            row = TenantModule(module=name, enabled=True, settings=manifest.dump_settings(clean), changed_by=actor)
            db.session.add(row)
        else:
            row.enabled = True
            row.settings = manifest.dump_settings(clean)
            row.changed_by = actor
        db.session.flush()
        _invalidate(tenant)
        registry().only(name).setup_tenant(tenant=tenant, settings=clean)
        audit.record("module.enable", row, before=before, after={"enabled": True, "settings": row.settings})
    _invalidate(tenant)
    return row


def disable_module(tenant: Tenant, name: str, actor: str | None = None) -> TenantModule | None:
    """Switch ``name`` off for ``tenant``; its data stays. 409 if an enabled module requires it."""
    _manifest(name)
    dependants = [n for n in enabled_modules(tenant) if name in registry().modules[n].requires]
    if dependants:
        raise ApiError(409, "module_required_by", f"模块 {name} 被以下模块依赖: {', '.join(sorted(dependants))}", fields={"required_by": sorted(dependants)})
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
        if row is None or not row.enabled:
            return row
        row.enabled = False
        row.changed_by = actor
        audit.record("module.disable", row, before={"enabled": True}, after={"enabled": False})
        db.session.flush()
    _invalidate(tenant)
    return row


def update_settings(tenant: Tenant, name: str, settings: dict[str, Any], actor: str | None = None) -> dict[str, Any]:
    """Validate and store settings for module ``name`` (partial update). Raises ValidationError."""
    manifest = _manifest(name)
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
        current = manifest.dump_settings({**manifest.default_settings(), **(row.settings if row else {})})
        clean = manifest.load_settings({**current, **settings})
        stored = manifest.dump_settings(clean)
        if row is None:
            row = TenantModule(module=name, enabled=False, settings=stored, changed_by=actor)
            db.session.add(row)
        else:
            row.settings = stored
            row.changed_by = actor
        audit.record("module.settings", row, before=current, after=stored)
        db.session.flush()
    return clean


def module_settings(tenant: Tenant, name: str) -> dict[str, Any]:
    """The effective (loaded) settings of module ``name`` for ``tenant``."""
    manifest = _manifest(name)
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
    stored = manifest.dump_settings({**manifest.default_settings(), **(row.settings if row else {})})
    return manifest.load_settings(stored)


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
    routes are registered, its hooks stop answering, and the rest of the app starts."""
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
