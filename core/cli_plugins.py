"""``gridgov plugins new``: the scaffold's command (:mod:`core.scaffold` writes the files)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from core.i18n import N_


def register_plugin_commands(plugins_group: click.Group) -> None:
    @plugins_group.command("new", help=N_("按本项目的目录结构新建插件发行包 NAME（snake_case），附测试。"))
    @click.argument("name")
    @click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help=N_("写到哪里（默认：./gridgov-NAME）"))
    @click.option("--title-zh", default="新模块", show_default=True, help=N_("控制台显示的中文名称"))
    @click.option("--title-en", default=None, help=N_("英文名称（默认：由 NAME 生成）"))
    def plugins_new(name, directory, title_zh, title_en):
        """Write a new plugin distribution NAME (snake_case) in the house layout, with tests."""
        from core.scaffold import PluginNames, ScaffoldError, new_plugin

        taken = set(current_app.extensions["gridgov.plugins"].plugins)
        target = directory or Path.cwd() / PluginNames(name, "", "").dist
        try:
            written = new_plugin(name, target, title_zh=title_zh, title_en=title_en, taken=taken)
        except ScaffoldError as exc:
            raise click.UsageError(str(exc)) from exc
        click.echo(f"wrote plugin {name} ({len(written)} files) in {target}")
        click.echo("next:\n"
                   f"  pip install -e {target}\n"
                   "  gridgov db upgrade\n"
                   f"  gridgov modules enable {name} --tenant SLUG\n"
                   f"  cd {target} && pytest\n"
                   "(docs/plugins.md walks through each step)")
