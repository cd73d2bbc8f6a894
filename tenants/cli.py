"""The tenant lifecycle's commands (租户命令): ``gridgov tenants ...``, ``gridgov modules ...`` and
``gridgov demo``, added through the ``register_cli_commands`` hook."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from core.cli import fail_on_api_error, tenant_arg
from core.db import db
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
        click.echo(f"onboarded {result.tenant.slug} ({result.tenant.name}): {result.grids} grids, modules: {', '.join(result.modules) or '-'}")
        if result.admin_password:
            click.echo(f"admin {result.admin.username} password (shown once): {result.admin_password}")

    @tenants_group.command("create-county")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--region-code", default=None)
    @fail_on_api_error
    def tenants_create_county(slug, name, region_code):
        """Create a county."""
        county = create_county(slug, name, region_code)
        click.echo(f"created county {county.slug} ({county.name})")

    @tenants_group.command("list")
    def tenants_list():
        """List counties and townships with their status."""
        for t in db.session.scalars(select(Tenant).where(Tenant.kind != TenantKind.platform).order_by(Tenant.kind, Tenant.slug)):
            click.echo(f"{t.kind.value:9} {t.slug:24} {t.status.value:10} {t.parent.slug if t.parent else '-':16} {t.name}")

    for verb, status in (("suspend", "suspended"), ("resume", "active")):
        def make(verb=verb, status=status):
            @tenants_group.command(verb)
            @click.argument("slug")
            @fail_on_api_error
            def change(slug):
                set_status(tenant_arg(slug), TenantStatus(status))
                click.echo(f"{slug}: {status}")

            change.__doc__ = f"{verb.capitalize()} a township (its data is kept)."

        make()

    from tenants.cli_archive import register_archive_commands

    register_archive_commands(tenants_group)

    @cli.group("modules")
    def modules_group():
        """Modules per township (模块)."""

    @modules_group.command("list")
    @click.option("--tenant", "slug", required=True)
    def modules_list(slug):
        """List modules and whether the township has them on."""
        for m in module_state(tenant_arg(slug)):
            click.echo(f"{m['name']:20} {'on ' if m['enabled'] else 'off'} {m['title_zh']} {json.dumps(m['settings'], ensure_ascii=False)}")

    @modules_group.command("enable")
    @click.argument("name")
    @click.option("--tenant", "slug", required=True)
    @click.option("--settings", default=None, help="JSON object of settings")
    @fail_on_api_error
    def modules_enable(name, slug, settings):
        """Switch a module on for a township."""
        try:
            values = json.loads(settings) if settings else None
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--settings")
        enable_module(tenant_arg(slug), name, values, actor="cli")
        db.session.commit()
        click.echo(f"{name} on for {slug}")

    @modules_group.command("disable")
    @click.argument("name")
    @click.option("--tenant", "slug", required=True)
    @fail_on_api_error
    def modules_disable(name, slug):
        """Switch a module off for a township (its data is kept)."""
        disable_module(tenant_arg(slug), name, actor="cli")
        db.session.commit()
        click.echo(f"{name} off for {slug}")

    @cli.command("demo")
    def demo():
        """Load demo counties, townships, grids and people (idempotent)."""
        for line in load_demo():
            click.echo(line)
