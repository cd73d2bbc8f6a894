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
from core.i18n import N_


def register_commands(cli: click.Group) -> None:
    @cli.group("tenants", help=N_("县和乡镇"))
    def tenants_group():
        """Counties and townships (租户)."""

    @tenants_group.command("onboard", help=N_("开通乡镇：按 YAML 清单文件（- 表示标准输入）。"))
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

    @tenants_group.command("create-county", help=N_("新建县。"))
    @click.argument("slug")
    @click.argument("name")
    @click.option("--region-code", default=None)
    @fail_on_api_error
    def tenants_create_county(slug, name, region_code):
        """Create a county."""
        county = create_county(slug, name, region_code)
        click.echo(_("已创建县 %(slug)s（%(name)s）", slug=county.slug, name=county.name))

    @tenants_group.command("list", help=N_("列出县和乡镇及其状态。"))
    @click.option("--json", "as_json", is_flag=True, help=N_("每行一个 JSON，供脚本使用"))
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

    helps = {"suspend": N_("暂停乡镇（数据均保留）。"), "resume": N_("恢复已暂停的乡镇。")}
    for verb, status in (("suspend", "suspended"), ("resume", "active")):
        def make(verb=verb, status=status):
            @tenants_group.command(verb, help=helps[verb])
            @click.argument("slug")
            @fail_on_api_error
            def change(slug):
                set_status(tenant_arg(slug), TenantStatus(status))
                click.echo(f"{slug}: " + (_("已暂停") if status == "suspended" else _("在用")))

        make()

    from tenants.cli_archive import register_archive_commands

    register_archive_commands(tenants_group)

    @cli.group("modules", help=N_("各乡镇的模块"))
    def modules_group():
        """Modules per township (模块)."""

    @modules_group.command("list", help=N_("列出模块及乡镇是否已启用。"))
    @click.option("--tenant", "slug", required=True, help=N_("乡镇标识"))
    @click.option("--json", "as_json", is_flag=True, help=N_("每行一个 JSON，含各模块的设置，供脚本使用"))
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

    @modules_group.command("enable", help=N_("为乡镇启用模块。"))
    @click.argument("name")
    @click.option("--tenant", "slug", required=True, help=N_("乡镇标识"))
    @click.option("--settings", default=None, help=N_("设置（JSON 对象）"))
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

    @modules_group.command("disable", help=N_("为乡镇停用模块（数据保留）。"))
    @click.argument("name")
    @click.option("--tenant", "slug", required=True, help=N_("乡镇标识"))
    @fail_on_api_error
    def modules_disable(name, slug):
        """Switch a module off for a township (its data is kept)."""
        disable_module(tenant_arg(slug, township=True), name, actor="cli")
        db.session.commit()
        click.echo(_("%(slug)s 已停用 %(name)s", slug=slug, name=name))

    from tenants.cli_bench_data import SCALES, run_scale, scale_options

    @cli.command("demo", help=N_(
        "载入演示用的县、乡镇、网格和居民（可重复运行）；加 --scale 则批量生成大规模数据，含模块数据，报告每秒行数。"))
    @click.option("--scale", type=click.Choice(SCALES), default=None, help=N_(
        "按规模生成数据，含已启用模块的数据：乡镇为 1,000 个网格、约 100,000 名居民，县为 20 个乡镇，地市为 8 个县"))
    @scale_options
    def demo(scale, factor, prefix, residents):
        """Load demo counties, townships, grids and people (idempotent); with --scale, data at scale
        (bulk inserts, rows per second reported, resumable township by township)."""
        if scale is not None:
            run_scale(scale, factor, prefix, residents)
            return
        for line in load_demo():
            click.echo(line)
