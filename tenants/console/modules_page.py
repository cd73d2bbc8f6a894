"""Module switches (模块开关): every installed module, on or off for this township, what it
requires, and its settings as a form generated from its settings schema."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from core.auth import requires
from core.console.forms import build_form, localise, parse_form
from core.console.nav import label_of
from core.db import db
from core.errors import ApiError
from core.models import TenantKind
from core.modules import registry
from tenants.console import bp
from tenants.modules import disable_module, enable_module, module_state, update_settings


def _township():
    if g.tenant.kind != TenantKind.township:
        raise ApiError(404)
    return g.tenant


def render_modules(status: int = 200, errors: dict | None = None, typed: dict | None = None,
                   module_errors: dict | None = None):
    """The page; ``errors``/``typed`` hold one module's settings errors and what the user sent."""
    tenant = _township()
    errors, typed, module_errors = errors or {}, typed or {}, module_errors or {}
    manifests = registry().modules
    states = module_state(tenant)
    on = {s["name"] for s in states if s["enabled"]}
    titles = {s["name"]: (s["title_zh"], s["title_en"]) for s in states}
    cards = []
    for s in states:
        manifest = manifests[s["name"]]
        cards.append({
            **s,
            "requires": [{"name": r, "titles": titles.get(r, (r, r)), "on": r in on} for r in s["requires"]],
            "required_by": sorted(n for n in on if s["name"] in manifests[n].requires),
            "fields": build_form(manifest.settings_schema, s["settings"], errors.get(s["name"]), typed.get(s["name"])),
            "error": module_errors.get(s["name"]),
        })
    # why a plugin failed is for whoever runs the platform, not for a township's staff
    broken = registry().broken if current_user.is_platform_admin else {}
    return render_template("tenants/modules.html", cards=cards, broken=broken,
                           can_manage=g.access.can("modules.manage")), status


@bp.get("/t/<tenant>/modules/")
@requires("modules.read")
def modules():
    return render_modules()


def _known(name: str) -> str:
    if name not in registry().modules:
        raise ApiError(404, "unknown_module", _("没有名为 %(name)s 的模块", name=name))
    return name


@bp.post("/t/<tenant>/modules/<name>/switch")
@requires("modules.manage")
def switch_module(name: str):
    tenant = _township()
    _known(name)
    turn_on = request.form.get("enabled") == "1"
    try:
        if turn_on:
            enable_module(tenant, name, actor=current_user.username)
        else:
            disable_module(tenant, name, actor=current_user.username)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return render_modules(exc.status, module_errors={name: exc.message})
    except ValidationError as exc:  # stored settings no longer valid for the module's schema
        db.session.rollback()
        return render_modules(422, errors={name: exc.messages}, module_errors={name: "; ".join(localise(exc.messages))})
    title = label_of(registry().modules[name], "title")
    flash((_("已启用：%(name)s") if turn_on else _("已停用：%(name)s")) % {"name": title}, "success")
    return redirect(url_for("tenants_console.modules") + f"#module-{name}")


@bp.post("/t/<tenant>/modules/<name>/settings")
@requires("modules.manage")
def save_settings(name: str):
    tenant = _township()
    manifest = registry().modules[_known(name)]
    data = parse_form(manifest.settings_schema, request.form)
    try:
        update_settings(tenant, name, data, actor=current_user.username)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        general = "；".join(localise(errors.get("_schema", [])))
        message = _("设置未保存，请改正标出的项目") + (f"：{general}" if general else "")
        return render_modules(422, errors={name: errors}, typed={name: request.form}, module_errors={name: message})
    flash(_("设置已保存：%(name)s") % {"name": label_of(manifest, "title")}, "success")
    return redirect(url_for("tenants_console.modules") + f"#module-{name}")
