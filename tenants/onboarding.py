"""Onboarding and the tenant lifecycle (乡镇开通、暂停、恢复).

:func:`onboard_township` validates a manifest completely before writing anything: every problem
is collected and reported at once (422), a taken slug is a 409, and on any failure the
transaction is rolled back so no half-created township remains.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from core import audit
from core.auth.passwords import account_context, policy_problems
from core.auth.service import assign_role, create_user
from core.county_templates.service import seed_county_templates
from core.db import db
from core.errors import ApiError
from core.grid.service import create_tree
from core.models import Tenant, TenantKind, TenantStatus, User, platform_tenant
from core.modules import hooks
from core.tenancy import tenant_context
from tenants.manifest import REGION_CODE, SLUG, ManifestSchema
from tenants.modules import enable_module
from flask_babel import gettext as _


@dataclass
class Onboarded:
    tenant: Tenant
    admin: User | None
    admin_password: str | None  # only when generated; shown once
    grids: int
    modules: list[str]


def validate_manifest(data: Any, county: Tenant | None = None) -> dict[str, Any]:
    """Every problem with ``data`` at once: ``ApiError`` 422 (fields) or 409 (slug taken).

    The schema's problems and those found against the database (county, modules, admin, slug,
    grid names) come in one answer: the parts the schema accepted are checked even when others
    were refused."""
    try:
        clean, problems = ManifestSchema().load(data), {}
    except ValidationError as exc:
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        clean, problems = valid, (exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})
    target = county or (db.session.scalar(select(Tenant).where(Tenant.slug == clean["county"]))
                        if clean.get("county") else None)
    if "county" in problems:
        pass  # the schema said what is wrong with it
    elif target is None or target.kind != TenantKind.county:
        problems["county"] = [_("没有名为 %(county)s 的县", county=clean.get("county", ""))]
    elif county is not None and clean.get("county") != county.slug:
        problems["county"] = [_("清单所属县 %(county)s 与当前县 %(slug)s 不符", county=clean.get("county", ""),
                                slug=county.slug)]
    grid_problems = _duplicate_siblings(clean.get("grids") or [])
    if grid_problems and "grids" not in problems:
        problems["grids"] = grid_problems
    modules = current_app.extensions["gridgov.plugins"].modules
    mod_problems: dict[str, Any] = dict(problems.get("modules") or {}) if isinstance(problems.get("modules"), dict) else {}
    for name, settings in (clean.get("modules") or {}).items():
        manifest = modules.get(name)
        if manifest is None:
            mod_problems[name] = [_("未安装该模块")]
            continue
        missing = [r for r in manifest.requires if r not in clean.get("modules", {})]
        if missing:
            mod_problems[name] = [_("需要同时启用: %(modules)s", modules=', '.join(missing))]
            continue
        try:
            manifest.load_settings(settings or {})
        except ValidationError as exc:
            mod_problems[name] = exc.messages
    if mod_problems:
        problems["modules"] = mod_problems
    admin = clean.get("admin")
    if admin and "admin" not in problems and admin.get("username"):
        admin_problems: dict[str, list[str]] = {}
        if db.session.scalar(select(User.id).where(User.username == admin["username"])):
            admin_problems["username"] = [_("用户名已存在")]
        if admin.get("mobile") and db.session.scalar(select(User.id).where(User.mobile == admin["mobile"])):
            admin_problems["mobile"] = [_("手机号已被使用")]
        if admin.get("password"):
            township = SimpleNamespace(name=clean.get("name"), slug=clean.get("slug"))
            pw = policy_problems(admin["password"], admin["username"],
                                 account_context(admin.get("display_name"), admin.get("mobile"), tenants=[township]))
            if pw:
                admin_problems["password"] = pw
        if admin_problems:
            problems["admin"] = admin_problems
    slug_taken = bool(clean.get("slug")) and db.session.scalar(
        select(Tenant.id).where(Tenant.slug == clean["slug"])) is not None
    if problems:
        if slug_taken and "slug" not in problems:
            problems["slug"] = [_("该标识已被使用")]
        raise ApiError(422, "invalid_manifest", _("开通清单有误"), problems)
    if slug_taken:
        raise ApiError(409, "slug_taken", _("标识 %(slug)s 已被使用", slug=clean['slug']), {"slug": [_("该标识已被使用")]})
    clean["_county"] = target
    return clean


def _duplicate_siblings(nodes: list[dict[str, Any]], path: str = "") -> list[str]:
    """Two grids of one name under one parent (the grid service would refuse the second)."""
    found, seen = [], set()
    for node in nodes:
        name = node.get("name")
        where = f"{path} › {name}" if path else name
        if name in seen:
            found.append(_("同一上级下有两个「%(name)s」", name=where))
        seen.add(name)
        found += _duplicate_siblings(node.get("children") or [], where)
    return found


def onboard_township(data: Any, county: Tenant | None = None) -> Onboarded:
    """Create a township from a manifest: tenant, grids, first admin, modules. Commits.

    All-or-nothing: any error rolls everything back and is raised as ``ApiError``.
    """
    clean = validate_manifest(data, county)
    try:
        result = _create(clean)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def _create(clean: dict[str, Any]) -> Onboarded:
    parent: Tenant = clean["_county"]
    tenant = Tenant(slug=clean["slug"], name=clean["name"], kind=TenantKind.township, parent_id=parent.id,
                    region_code=clean.get("region_code"), settings={"grid_level_names": clean["grid_level_names"], "timezone": clean["timezone"]})
    db.session.add(tenant)
    db.session.flush()
    admin_user = None
    generated = None
    with tenant_context(tenant):
        grids = create_tree(tenant, clean["grids"])
        admin = clean.get("admin")
        if admin:
            password = admin.get("password")
            if not password:
                password = generated = "Gg" + secrets.token_urlsafe(10) + "9"
            admin_user = create_user(admin["username"], password, display_name=admin.get("display_name") or "",
                                     mobile=admin.get("mobile"), must_change_password=generated is not None)
            assign_role(admin_user, tenant, "township_admin")
        order = _dependency_order(clean["modules"])
        for name in order:
            enable_module(tenant, name, clean["modules"][name] or {})
        audit.record("tenant.onboard", tenant, after={"slug": tenant.slug, "name": tenant.name, "modules": order})
        hooks(tenant).tenant_onboarded(tenant=tenant)
    return Onboarded(tenant, admin_user, generated, grids, order)


def _dependency_order(modules: dict[str, Any]) -> list[str]:
    manifests = current_app.extensions["gridgov.plugins"].modules
    done: list[str] = []

    def visit(name: str, seen: tuple[str, ...] = ()):
        if name in done or name in seen:
            return
        for req in manifests[name].requires:
            visit(req, seen + (name,))
        done.append(name)

    for name in sorted(modules):
        visit(name)
    return done


def create_county(slug: str, name: str, region_code: str | None = None) -> Tenant:
    """Create a county under the platform tenant (platform admins only), with every installed
template kind's default list published as its first version. Commits."""
    problems = {}
    try:
        SLUG(slug)
    except ValidationError as exc:
        problems["slug"] = exc.messages
    if not name or len(name) > 100:
        problems["name"] = [_("名称须为 1 到 100 个字符")]
    try:
        if region_code is not None:
            REGION_CODE(region_code)
    except ValidationError as exc:
        problems["region_code"] = exc.messages
    if problems:
        raise ApiError(422, "validation_error", _("输入有误"), problems)
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise ApiError(409, "slug_taken", _("标识 %(slug)s 已被使用", slug=slug), {"slug": [_("该标识已被使用")]})
    county = Tenant(slug=slug, name=name, kind=TenantKind.county, parent_id=platform_tenant().id, region_code=region_code)
    db.session.add(county)
    db.session.flush()
    audit.record("tenant.create_county", county, tenant_id=county.id, after={"slug": slug, "name": name})
    seed_county_templates(county)  # the default lists (e.g. incident categories) as version 1
    db.session.commit()
    return county


def set_status(tenant: Tenant, status: TenantStatus) -> Tenant:
    """Suspend, resume or archive a township; every row is kept. Commits."""
    if tenant.kind != TenantKind.township:
        raise ApiError(422, "validation_error", _("只能暂停或恢复乡镇"), {"slug": [_("不是乡镇")]})
    before = tenant.status.value
    tenant.status = status
    audit.record(f"tenant.{status.value}", tenant, tenant_id=tenant.id, before={"status": before}, after={"status": status.value})
    db.session.commit()
    return tenant
