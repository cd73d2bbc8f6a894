"""Tenants API (租户接口): counties, onboarding townships, suspending, modules per tenant."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from core.api import doc, json_body, load
from core.auth import requires
from core.db import db
from core.errors import ApiError
from core.models import Tenant, TenantKind, TenantStatus
from core.modules import manifest_of
from tenants.manifest import parse_manifest_text
from tenants.modules import disable_module, enable_module, module_state, update_settings
from tenants.onboarding import create_county, onboard_township, set_status
from tenants.schemas import CountyCreateSchema, ModuleChangeSchema, ModuleStateSchema, OnboardResultSchema, TenantSchema, TenantSettingsSchema
from flask_babel import gettext as _

bp = Blueprint("tenants_api", __name__, url_prefix="/api/v1")


@bp.get("/counties")
@requires("platform.manage")
@doc("List counties (platform admins)", response_schema=TenantSchema, many=True, tags=["tenants"])
def list_counties():
    rows = db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.county).order_by(Tenant.slug))
    return jsonify(TenantSchema(many=True).dump(rows))


@bp.post("/counties")
@requires("platform.manage")
@doc("Create a county (platform admins)", request_schema=CountyCreateSchema, response_schema=TenantSchema, tags=["tenants"], status=201)
def create_county_view():
    data = load(CountyCreateSchema)
    county = create_county(data["slug"], data["name"], data.get("region_code"))
    return jsonify(TenantSchema().dump(county)), 201


@bp.get("/t/<tenant>")
@requires("tenants.read")
@doc("This tenant", response_schema=TenantSchema, tags=["tenants"])
def show_tenant():
    return jsonify(TenantSchema().dump(g.tenant))


@bp.patch("/t/<tenant>")
@requires("tenants.settings")
@doc("Change this township's name or grid level names", request_schema=TenantSettingsSchema, response_schema=TenantSchema, tags=["tenants"])
def update_tenant():
    from core import audit

    data = load(TenantSettingsSchema)
    before = {"name": g.tenant.name, "settings": dict(g.tenant.settings)}
    if "name" in data:
        g.tenant.name = data["name"]
    if "grid_level_names" in data:
        g.tenant.settings = {**g.tenant.settings, "grid_level_names": data["grid_level_names"]}
    audit.record("tenant.update", g.tenant, before=before, after={"name": g.tenant.name, "settings": g.tenant.settings})
    db.session.commit()
    return jsonify(TenantSchema().dump(g.tenant))


def _county() -> Tenant:
    if g.tenant.kind != TenantKind.county:
        raise ApiError(404)
    return g.tenant


@bp.get("/t/<tenant>/townships")
@requires("tenants.read")
@doc("The county's townships", response_schema=TenantSchema, many=True, tags=["tenants"])
def list_townships():
    county = _county()
    rows = db.session.scalars(select(Tenant).where(Tenant.parent_id == county.id).order_by(Tenant.name))
    return jsonify(TenantSchema(many=True).dump(rows))


@bp.post("/t/<tenant>/townships")
@requires("tenants.onboard")
@doc("Onboard a township from a manifest (JSON, or YAML with Content-Type application/yaml)",
     response_schema=OnboardResultSchema, tags=["tenants"], status=201)
def onboard():
    county = _county()
    if request.mimetype in ("application/yaml", "application/x-yaml", "text/yaml", "text/plain"):
        data = parse_manifest_text(request.get_data(as_text=True))
    else:
        data = json_body()
    data.setdefault("county", county.slug)
    result = onboard_township(data, county=county)
    return jsonify(OnboardResultSchema().dump({
        "tenant": result.tenant, "admin_username": result.admin.username if result.admin else None,
        "admin_password": result.admin_password, "grids": result.grids, "modules": result.modules,
    })), 201


def _township_of_county(slug: str) -> Tenant:
    county = _county()
    township = db.session.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.parent_id == county.id))
    if township is None:
        raise ApiError(404)
    return township


@bp.post("/t/<tenant>/townships/<slug>/suspend")
@requires("tenants.suspend")
@doc("Suspend a township: its users are locked out, its data kept", response_schema=TenantSchema, tags=["tenants"])
def suspend(slug: str):
    return jsonify(TenantSchema().dump(set_status(_township_of_county(slug), TenantStatus.suspended)))


@bp.post("/t/<tenant>/townships/<slug>/resume")
@requires("tenants.suspend")
@doc("Resume a suspended township", response_schema=TenantSchema, tags=["tenants"])
def resume(slug: str):
    return jsonify(TenantSchema().dump(set_status(_township_of_county(slug), TenantStatus.active)))


@bp.get("/t/<tenant>/modules")
@requires("modules.read")
@doc("Installed modules and their state for this tenant", response_schema=ModuleStateSchema, many=True, tags=["modules"])
def list_modules():
    return jsonify(ModuleStateSchema(many=True).dump(module_state(g.tenant)))


@bp.patch("/t/<tenant>/modules/<name>")
@requires("modules.manage")
@doc("Switch a module on or off and/or change its settings", request_schema=ModuleChangeSchema,
     response_schema=ModuleStateSchema, tags=["modules"])
def change_module(name: str):
    if g.tenant.kind != TenantKind.township:
        raise ApiError(422, "validation_error", _("模块只能在乡镇启用"), {"tenant": ["not a township"]})
    manifest_of(name)  # 404 unknown_module, whatever the body asks
    data = load(ModuleChangeSchema)
    actor = current_user.username
    try:
        if data["enabled"] is True:
            enable_module(g.tenant, name, data["settings"] or None, actor=actor)
        elif data["settings"] is not None:
            update_settings(g.tenant, name, data["settings"], actor=actor)
    except ValidationError as exc:
        db.session.rollback()
        raise ApiError(422, "validation_error", _("模块设置有误"), {"settings": exc.messages}) from exc
    if data["enabled"] is False:
        disable_module(g.tenant, name, actor=actor)
    db.session.commit()
    state = next(m for m in module_state(g.tenant) if m["name"] == name)
    return jsonify(ModuleStateSchema().dump(state))
