"""The ``gridgov`` command line (命令行): database, plugins, accounts, serving.

Plugins add commands through the ``register_cli_commands`` hook; the tenant lifecycle adds
``tenants``, ``modules`` and ``demo`` that way (:mod:`tenants.cli`).
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


def fail_on_api_error(func):
    """Turn an ``ApiError``/``ValidationError`` into a click error (rolled back, fields shown)."""
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
        for label, reason in sorted(registry.refused.items()):
            click.echo(f"{label:20} refused  {reason}")

    from core.cli_plugins import register_plugin_commands

    register_plugin_commands(plugins_group)

    @cli.group("users")
    def users_group():
        """Accounts (账号)."""

    @users_group.command("create-admin")
    @click.argument("username")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--mobile", default=None)
    @fail_on_api_error
    def users_create_admin(username, password, mobile):
        """Create a platform admin."""
        from core.auth.service import create_user

        create_user(username, password, mobile=mobile, platform_admin=True)
        db.session.commit()
        click.echo(f"platform admin {username} created")

    from core.cli_backup import register_backup_commands
    from core.cli_queue import register_queue_commands

    register_queue_commands(cli)
    register_backup_commands(cli)


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
