"""The tenant lifecycle's commands (租户命令): ``gridgov tenants ...``, ``gridgov modules ...`` and
``gridgov demo``, added through the ``register_cli_commands`` hook."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from core.cli import fail_on_api_error, tenant_arg
from core.db import db
from core.i18n import cli_language
from flask_babel import gettext as _
from core.models import Tenant, TenantKind, TenantStatus
from tenants.demo import load_demo
from tenants.manifest import parse_manifest_text
from tenants.modules import disable_module, enable_module, module_state
from tenants.onboarding import create_county, onboard_township, set_status


def register_commands(cli: click.Group) -> None:
    @cli.group("tenants")
    def tenants_group():
        """Counties and townships (租户)."""

    @tenants_group.command("onboard")
    @click.argument("manifest", type=click.File("r", encoding="utf-8"))
    @fail_on_api_error
    def tenants_onboard(manifest):
        """Onboard a township from a YAML manifest file (or - for stdin)."""
        result = onboard_township(parse_manifest_text(manifest.read()))
        click.echo(_("已开通 %(slug)s（%(name)s）：%(grids)s 个网格，模块：%(modules)s", slug=result.tenant.slug,
                     name=result.tenant.name, grids=result.grids, modules=", ".join(result.modules) or "-"))
        if result.admin_password:
            click.echo(_("管理员 %(username)s 的密码（只显示这一次）：%(password)s", username=result.admin.username,
                         password=result.admin_password))

    @tenants_group.command("create-county")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--region-code", default=None)
    @fail_on_api_error
    def tenants_create_county(slug, name, region_code):
        """Create a county."""
        county = create_county(slug, name, region_code)
        click.echo(_("已创建县 %(slug)s（%(name)s）", slug=county.slug, name=county.name))

    @tenants_group.command("list")
    @click.option("--json", "as_json", is_flag=True, help="JSON lines for scripts")
    def tenants_list(as_json):
        """List counties and townships with their status."""
        kinds = {TenantKind.county: _("县/市"), TenantKind.township: _("乡镇")}
        statuses = {TenantStatus.active: _("在用"), TenantStatus.suspended: _("已暂停"), TenantStatus.archived: _("已归档")}
        for t in db.session.scalars(select(Tenant).where(Tenant.kind != TenantKind.platform).order_by(Tenant.kind, Tenant.slug)):
            parent = t.parent.slug if t.parent else None
            if as_json:
                click.echo(json.dumps({"kind": t.kind.value, "slug": t.slug, "status": t.status.value, "parent": parent,
                                       "name": t.name}, ensure_ascii=False))
            else:
                click.echo(f"{kinds.get(t.kind, t.kind.value):6} {t.slug:24} {statuses.get(t.status, t.status.value):6} "
                           f"{parent or '-':16} {t.name}")

    for verb, status in (("suspend", "suspended"), ("resume", "active")):
        def make(verb=verb, status=status):
            @tenants_group.command(verb)
            @click.argument("slug")
            @fail_on_api_error
            def change(slug):
                set_status(tenant_arg(slug), TenantStatus(status))
                click.echo(f"{slug}: " + (_("已暂停") if status == "suspended" else _("在用")))

            change.__doc__ = f"{verb.capitalize()} a township (its data is kept)."

        make()

    from tenants.cli_archive import register_archive_commands

    register_archive_commands(tenants_group)

    @cli.group("modules")
    def modules_group():
        """Modules per township (模块)."""

    @modules_group.command("list")
    @click.option("--tenant", "slug", required=True, help="township slug")
    @click.option("--json", "as_json", is_flag=True, help="JSON lines with each module's settings, for scripts")
    def modules_list(slug, as_json):
        """List modules and whether the township has them on."""
        english = cli_language() == "en"
        for m in module_state(tenant_arg(slug, township=True)):
            if as_json:
                click.echo(json.dumps({"name": m["name"], "enabled": m["enabled"], "title_zh": m["title_zh"],
                                       "settings": m["settings"]}, ensure_ascii=False))
            else:
                title = (m.get("title_en") or m["title_zh"]) if english else m["title_zh"]
                state = _("已启用") if m["enabled"] else _("未启用")
                click.echo(f"{m['name']:20} {state:6} {title}")

    @modules_group.command("enable")
    @click.argument("name")
    @click.option("--tenant", "slug", required=True, help="township slug")
    @click.option("--settings", default=None, help="JSON object of settings")
    @fail_on_api_error
    def modules_enable(name, slug, settings):
        """Switch a module on for a township."""
        try:
            values = json.loads(settings) if settings else None
        except json.JSONDecodeError as exc:
            raise click.BadParameter(_("不是有效的 JSON：%(reason)s", reason=exc), param_hint="--settings")
        enable_module(tenant_arg(slug, township=True), name, values, actor="cli")
        db.session.commit()
        click.echo(_("%(slug)s 已启用 %(name)s", slug=slug, name=name))

    @modules_group.command("disable")
    @click.argument("name")
    @click.option("--tenant", "slug", required=True, help="township slug")
    @fail_on_api_error
    def modules_disable(name, slug):
        """Switch a module off for a township (its data is kept)."""
        disable_module(tenant_arg(slug, township=True), name, actor="cli")
        db.session.commit()
        click.echo(_("%(slug)s 已停用 %(name)s", slug=slug, name=name))

    from tenants.cli_bench_data import SCALES, run_scale, scale_options

    @cli.command("demo")
    @click.option("--scale", type=click.Choice(SCALES), default=None,
                  help="build data at scale, with the enabled modules' data in proportion: a township of "
                       "1,000 grids and ~100,000 residents, a county of 20 townships, a prefecture of 8 counties")
    @scale_options
    def demo(scale, factor, prefix, residents):
        """Load demo counties, townships, grids and people (idempotent); with --scale, data at scale
        (bulk inserts, rows per second reported, resumable township by township)."""
        if scale is not None:
            run_scale(scale, factor, prefix, residents)
            return
        for line in load_demo():
            click.echo(line)
