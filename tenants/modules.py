"""Module switches per tenant (模块开关): enable (running the module's setup), disable (data
kept), re-enable, settings, and every module's state for a tenant.

Which modules are on, the relay and a module's effective settings are core's
(:mod:`core.modules`); this is the lifecycle that changes them.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantKind, TenantModule
from core.modules import enabled_modules, forget_enabled, manifest_of, registry
from core.tenancy import tenant_context


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


def enable_module(tenant: Tenant, name: str, settings: dict[str, Any] | None = None, actor: str | None = None) -> TenantModule:
    """Switch module ``name`` on for ``tenant`` and run its ``setup_tenant``. Idempotent.

    Raises :class:`ApiError` 404 for an unknown module, 409 when a required module is off, and
    ``ValidationError`` (422) for bad settings. Does not commit.
    """
    manifest = manifest_of(name)
    missing = [r for r in manifest.requires if r not in enabled_modules(tenant)]
    if missing:
        raise ApiError(409, "module_requires", _("模块 %(name)s 需要先启用：%(modules)s", name=name, modules=_("、").join(missing)), fields={"requires": missing})
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
        forget_enabled(tenant)
        registry().only(name).setup_tenant(tenant=tenant, settings=clean)
        audit.record("module.enable", row, before=before, after={"enabled": True, "settings": row.settings})
    forget_enabled(tenant)
    _follow_in_county(tenant, name, actor)
    return row


def _follow_in_county(township: Tenant, name: str, actor: str | None) -> None:
    """A county's modules follow its townships: the first township that switches a module on
    switches on its county part too (templates, the county's view across townships), with the
    module's default settings. Counties are never switched by hand (the CLI and console refuse)."""
    county = township.parent if township.kind == TenantKind.township else None
    if county is None or county.kind != TenantKind.county or name in enabled_modules(county):
        return
    enable_module(county, name, actor=actor or "follows-township")


def disable_module(tenant: Tenant, name: str, actor: str | None = None) -> TenantModule | None:
    """Switch ``name`` off for ``tenant``; its data stays. 409 if an enabled module requires it."""
    manifest_of(name)
    dependants = [n for n in enabled_modules(tenant) if name in registry().modules[n].requires]
    if dependants:
        raise ApiError(409, "module_required_by", _("模块 %(name)s 被以下模块依赖：%(modules)s", name=name, modules=_("、").join(sorted(dependants))), fields={"required_by": sorted(dependants)})
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantModule).where(TenantModule.module == name))
        if row is None or not row.enabled:
            return row
        row.enabled = False
        row.changed_by = actor
        audit.record("module.disable", row, before={"enabled": True}, after={"enabled": False})
        db.session.flush()
    forget_enabled(tenant)
    return row


def update_settings(tenant: Tenant, name: str, settings: dict[str, Any], actor: str | None = None) -> dict[str, Any]:
    """Validate and store settings for module ``name`` (partial update). Raises ValidationError."""
    manifest = manifest_of(name)
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
