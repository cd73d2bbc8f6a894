"""The ``gridgov`` command line (命令行): set-up, onboarding, modules, demo data, serving.

Plugins add commands through the ``register_cli_commands`` hook.
"""
from __future__ import annotations

import json
import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import select

from core.db import db


def _cli_app() -> Flask:
    from core import create_app

    overrides = {}
    if not os.environ.get("SECRET_KEY"):
        # CLI commands serve no requests; `gridgov run` checks SECRET_KEY in its workers.
        overrides["SECRET_KEY"] = "cli-" + secrets.token_hex(16)
    return create_app(overrides)


def tenant_arg(slug: str, township: bool = False):
    """The tenant a command's ``--tenant SLUG`` names (a township only, if ``township``); a clear
    click error otherwise. Shared by every component's commands."""
    from core.models import Tenant, TenantKind

    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None or (township and tenant.kind != TenantKind.township):
        raise click.ClickException(f"no {'township' if township else 'tenant'} with slug {slug!r}")
    return tenant


def _fail_on_api_error(func):
    import functools

    from marshmallow import ValidationError

    from core.errors import ApiError

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ApiError as exc:
            db.session.rollback()
            detail = json.dumps(exc.fields, ensure_ascii=False, indent=2) if exc.fields else ""
            raise click.ClickException(f"{exc.message}\n{detail}".strip()) from exc
        except ValidationError as exc:
            db.session.rollback()
            raise click.ClickException(json.dumps(exc.messages, ensure_ascii=False, indent=2)) from exc

    return wrapper


def register_core_commands(cli: click.Group) -> None:
    @cli.group("db")
    def db_group():
        """Database schema (数据库)."""

    @db_group.command("upgrade")
    @click.option("--component", default=None, help="core or a plugin name (default: all)")
    def db_upgrade(component):
        """Migrate core and every installed plugin to their newest revision."""
        from core.migrate import upgrade_all

        done = upgrade_all(only=component)
        click.echo("migrated: " + ", ".join(done))

    @db_group.command("revision")
    @click.option("--component", required=True)
    @click.option("-m", "--message", required=True)
    @click.option("--head", default="head", show_default=True, help="base revision when there are several heads")
    def db_revision(component, message, head):
        """Autogenerate a migration for one component from its models."""
        from core.migrate import make_revision

        make_revision(message, component, head=head)

    @cli.group("idempotency")
    def idempotency_group():
        """Idempotency keys of API writes (幂等键)."""

    @idempotency_group.command("sweep")
    def idempotency_sweep():
        """Delete idempotency keys older than 24 hours (all tenants)."""
        from core.api.idempotency import sweep_expired

        click.echo(f"swept {sweep_expired()} expired idempotency keys")

    @cli.group("tenants")
    def tenants_group():
        """Counties and townships (租户)."""

    @tenants_group.command("onboard")
    @click.argument("manifest", type=click.File("r", encoding="utf-8"))
    @_fail_on_api_error
    def tenants_onboard(manifest):
        """Onboard a township from a YAML manifest file (or - for stdin)."""
        from tenants.manifest import parse_manifest_text
        from tenants.onboarding import onboard_township

        result = onboard_township(parse_manifest_text(manifest.read()))
        click.echo(f"onboarded {result.tenant.slug} ({result.tenant.name}): {result.grids} grids, modules: {', '.join(result.modules) or '-'}")
        if result.admin_password:
            click.echo(f"admin {result.admin.username} password (shown once): {result.admin_password}")

    @tenants_group.command("create-county")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--region-code", default=None)
    @_fail_on_api_error
    def tenants_create_county(slug, name, region_code):
        """Create a county."""
        from tenants.onboarding import create_county

        county = create_county(slug, name, region_code)
        click.echo(f"created county {county.slug} ({county.name})")

    @tenants_group.command("list")
    def tenants_list():
        """List counties and townships with their status."""
        from core.models import Tenant, TenantKind

        for t in db.session.scalars(select(Tenant).where(Tenant.kind != TenantKind.platform).order_by(Tenant.kind, Tenant.slug)):
            click.echo(f"{t.kind.value:9} {t.slug:24} {t.status.value:10} {t.parent.slug if t.parent else '-':16} {t.name}")

    for verb, status in (("suspend", "suspended"), ("resume", "active")):
        def make(verb=verb, status=status):
            @tenants_group.command(verb)
            @click.argument("slug")
            @_fail_on_api_error
            def change(slug):
                from core.models import TenantStatus
                from tenants.onboarding import set_status

                set_status(tenant_arg(slug), TenantStatus(status))
                click.echo(f"{slug}: {status}")

            change.__doc__ = f"{verb.capitalize()} a township (its data is kept)."

        make()

    @cli.group("plugins")
    def plugins_group():
        """Installed plugins (插件)."""

    @plugins_group.command("list")
    def plugins_list():
        """List installed plugins: ok or broken (with the reason)."""
        registry = current_app.extensions["gridgov.plugins"]
        for name, plugin in sorted(registry.plugins.items()):
            if plugin.broken:
                click.echo(f"{name:20} broken   {plugin.error}")
            else:
                title = plugin.manifest.title_zh if plugin.manifest else "(library)"
                version = plugin.manifest.version if plugin.manifest else ""
                click.echo(f"{name:20} ok       {version:8} {title}")

    @cli.group("modules")
    def modules_group():
        """Modules per township (模块)."""

    @modules_group.command("list")
    @click.option("--tenant", "slug", required=True)
    def modules_list(slug):
        """List modules and whether the township has them on."""
        from core.modules import module_state

        for m in module_state(tenant_arg(slug)):
            click.echo(f"{m['name']:20} {'on ' if m['enabled'] else 'off'} {m['title_zh']} {json.dumps(m['settings'], ensure_ascii=False)}")

    @modules_group.command("enable")
    @click.argument("name")
    @click.option("--tenant", "slug", required=True)
    @click.option("--settings", default=None, help="JSON object of settings")
    @_fail_on_api_error
    def modules_enable(name, slug, settings):
        """Switch a module on for a township."""
        from core.modules import enable_module

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
    @_fail_on_api_error
    def modules_disable(name, slug):
        """Switch a module off for a township (its data is kept)."""
        from core.modules import disable_module

        disable_module(tenant_arg(slug), name, actor="cli")
        db.session.commit()
        click.echo(f"{name} off for {slug}")

    @cli.group("users")
    def users_group():
        """Accounts (账号)."""

    @users_group.command("create-admin")
    @click.argument("username")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--mobile", default=None)
    @_fail_on_api_error
    def users_create_admin(username, password, mobile):
        """Create a platform admin."""
        from core.auth.service import create_user

        create_user(username, password, mobile=mobile, platform_admin=True)
        db.session.commit()
        click.echo(f"platform admin {username} created")

    @cli.command("demo")
    def demo():
        """Load demo counties, townships, grids and people (idempotent)."""
        from core.demo import load_demo

        for line in load_demo():
            click.echo(line)

    from core.cli_queue import register_queue_commands

    register_queue_commands(cli)


def init_app(app: Flask) -> None:
    register_core_commands(app.cli)
    app.extensions["gridgov.plugins"].pm.hook.register_cli_commands(cli=app.cli)


main = FlaskGroup(
    name="gridgov",
    help="gridgov: 党建引领网格化治理 command line.",
    create_app=_cli_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
