"""The ``gridgov`` command line (命令行): database, plugins, accounts, serving.

Plugins add commands through the ``register_cli_commands`` hook; the tenant lifecycle adds
``tenants``, ``modules`` and ``demo`` that way (:mod:`tenants.cli`).

Output is in one language: Chinese, or English with ``gridgov --lang en ...`` (or
``GRIDGOV_LANG=en``), messages from the same catalogues as the pages (``_()``). Errors are lines
of ``field: problem``, never JSON; a command that prints data for scripts has ``--json``.
"""
from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup
from flask_babel import gettext as _
from sqlalchemy import select

from core.cli_help import LocalisedContext, localise, use_localised_help
from core.cli_messages import install as _install_click_messages
from core.db import db
from core.i18n import N_, cli_language, localise_errors, localise_message


_install_click_messages()  # click's own errors ("Error: Missing option") in the CLI's language


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
    if tenant is None:
        raise click.ClickException(_("没有标识为 %(slug)s 的单位", slug=slug))
    if township and tenant.kind != TenantKind.township:
        raise click.ClickException(_("%(slug)s 不是乡镇：此命令只用于乡镇", slug=slug))
    return tenant


def problem_lines(fields) -> list[str]:
    """An error's fields as ``  field: problem`` lines (nested fields dotted), in the CLI's language."""
    lines: list[str] = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for inner in value:
                walk(prefix, inner)
        else:
            lines.append(f"  {prefix}: {value}" if prefix and prefix != "_schema" else f"  {value}")

    walk("", localise_errors(fields or {}))
    return lines


_AFTER_MAIN: list[list] = []  # what KeepsLanguage.main undoes once click has shown an error


class KeepsLanguage(click.Group):
    """A group whose ``--lang`` lasts until click has shown the command's error: click formats
    "Error: …" and "Try … for help." after the command's context is closed."""

    def main(self, *args, **kwargs):
        _AFTER_MAIN.append([])
        try:
            return super().main(*args, **kwargs)
        finally:
            for undo in reversed(_AFTER_MAIN.pop()):
                undo()


def set_language(ctx, param, value):
    """``--lang``: the language of the command's output (Chinese by default)."""
    if value:
        before = os.environ.get("GRIDGOV_LANG")

        def restore():
            if before is None:
                os.environ.pop("GRIDGOV_LANG", None)
            else:
                os.environ["GRIDGOV_LANG"] = before
            _refresh()

        os.environ["GRIDGOV_LANG"] = value
        _refresh()
        # for this command only (tests run many in one process): after click has shown its error,
        # which it does once the context is closed, when the command runs through main()
        if _AFTER_MAIN:
            _AFTER_MAIN[-1].append(restore)
        else:
            ctx.call_on_close(restore)
    return value


def _refresh() -> None:
    """Choose the locale again in this app context (one may have been chosen already, in tests)."""
    from flask import has_app_context
    from flask_babel import refresh

    if has_app_context():
        refresh()


LANG_OPTION = click.Option(["--lang"], type=click.Choice(["zh", "en"]), expose_value=False, is_eager=True,
                           callback=set_language, help=N_("输出语言：zh 或 en（也可设环境变量 GRIDGOV_LANG）"))


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
            raise click.ClickException("\n".join([localise_message(exc.message), *problem_lines(exc.fields)])) from exc
        except ValidationError as exc:
            db.session.rollback()
            raise click.ClickException("\n".join([_("输入有误"), *problem_lines(
                exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})])) from exc

    return wrapper


def register_core_commands(cli: click.Group) -> None:
    @cli.group("db", help=N_("数据库结构"))
    def db_group():
        """Database schema (数据库)."""

    @db_group.command("upgrade", help=N_("把核心和每个已安装的插件迁移到最新版本。"))
    @click.option("--component", default=None, help=N_("core 或一个插件名（默认：全部）"))
    def db_upgrade(component):
        """Migrate core and every installed plugin to their newest revision."""
        from core.migrate import upgrade_all

        done = upgrade_all(only=component)
        click.echo(_("已迁移：%(components)s", components=", ".join(done)))

    @db_group.command("revision", help=N_("按模型为一个组件自动生成迁移。"))
    @click.option("--component", required=True)
    @click.option("-m", "--message", required=True)
    @click.option("--head", default="head", show_default=True, help=N_("有多个分支头时所基于的版本"))
    def db_revision(component, message, head):
        """Autogenerate a migration for one component from its models."""
        from core.migrate import make_revision

        make_revision(message, component, head=head)

    @db_group.command("partition", help=N_("按 tenant_id 对最大的几张表做哈希分区（仅 PostgreSQL，见 docs/scale.md）。"))
    @click.option("--table", "tables", multiple=True,
                  help=N_("要分区的表（可重复；默认：事件、积分流水、志愿服务签到、审计日志）"))
    @click.option("--partitions", type=click.IntRange(2, 1024), default=16, show_default=True,
                  help=N_("每张表的分区数"))
    def db_partition(tables, partitions):
        """Hash-partition the largest tables by tenant_id (PostgreSQL; docs/scale.md)."""
        from core.db import db
        from core.partition import LARGEST, partition_largest

        if db.engine.dialect.name != "postgresql":
            raise click.ClickException(_("分区仅用于 PostgreSQL（DATABASE_URL）"))
        why = {"no_table": _("没有该表（模块未安装？）"), "partitioned": _("已经分区")}
        for table, done in partition_largest(db.engine, tables or LARGEST, partitions).items():
            if "skipped" in done:
                click.echo(_("%(table)s：跳过（%(why)s）", table=table, why=why[done["skipped"]]))
            else:
                click.echo(_("%(table)s：已分为 %(n)s 个分区，迁移 %(rows)s 行", table=table, n=done["partitions"],
                             rows=done["rows"]))

    @cli.group("idempotency", help=N_("API 写操作的幂等键"))
    def idempotency_group():
        """Idempotency keys of API writes (幂等键)."""

    @idempotency_group.command("sweep", help=N_("删除 24 小时前的幂等键（所有单位）。"))
    def idempotency_sweep():
        """Delete idempotency keys older than 24 hours (all tenants)."""
        from core.api.idempotency import sweep_expired

        click.echo(_("已清除 %(n)s 个过期的幂等键", n=sweep_expired()))

    @cli.group("plugins", help=N_("已安装的插件"))
    def plugins_group():
        """Installed plugins (插件)."""

    @plugins_group.command("list", help=N_("列出已安装的插件：正常或损坏（附原因）。"))
    def plugins_list():
        """List installed plugins: ok or broken (with the reason)."""
        registry = current_app.extensions["gridgov.plugins"]
        for name, plugin in sorted(registry.plugins.items()):
            if plugin.broken:
                state = _("损坏")
                click.echo(f"{name:20} {state:8} {plugin.error}")
            else:
                title = plugin.manifest.title_zh if plugin.manifest else _("（库）")
                if plugin.manifest and cli_language() == "en":
                    title = plugin.manifest.title_en or title
                version = plugin.manifest.version if plugin.manifest else ""
                state = _("可用")
                click.echo(f"{name:20} {state:8} {version:8} {title}")
        for label, reason in sorted(registry.refused.items()):
            state = _("已拒绝")
            click.echo(f"{label:20} {state:8} {reason}")

    from core.cli_plugins import register_plugin_commands

    register_plugin_commands(plugins_group)

    @cli.group("users", help=N_("账号"))
    def users_group():
        """Accounts (账号)."""

    @users_group.command("create-admin", help=N_("新建平台管理员。"))
    @click.argument("username")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--mobile", default=None)
    @fail_on_api_error
    def users_create_admin(username, password, mobile):
        """Create a platform admin."""
        from core.auth.service import create_user

        create_user(username, password, mobile=mobile, platform_admin=True)
        db.session.commit()
        click.echo(_("已创建平台管理员 %(username)s", username=username))

    from core.cli_backup import register_backup_commands
    from core.cli_queue import register_queue_commands

    register_queue_commands(cli)
    register_backup_commands(cli)


class LocalisedAppGroup(KeepsLanguage, AppGroup):
    """The app's group (``app.cli``, what ``app.test_cli_runner()`` runs), keeping ``--lang``
    for its errors as ``gridgov`` does."""


def init_app(app: Flask) -> None:
    if type(app.cli) is AppGroup:  # Flask's; the commands registered so far move with it
        app.cli = LocalisedAppGroup(app.cli.name, commands=app.cli.commands, params=app.cli.params)
    app.cli.params.append(LANG_OPTION)
    register_core_commands(app.cli)
    app.extensions["gridgov.plugins"].pm.hook.register_cli_commands(cli=app.cli)
    use_localised_help(app.cli)


class LocalisedGroup(KeepsLanguage, FlaskGroup):
    """``gridgov``: Flask's group, its help and its commands' in the CLI's language (core.cli_help)."""

    context_class = LocalisedContext

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)  # the app's command, in the app's context
        return None if command is None else localise(command)


main = LocalisedGroup(
    name="gridgov",
    help=N_("gridgov：党建引领网格化治理命令行。"),
    create_app=_cli_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    params=[LANG_OPTION],
)
