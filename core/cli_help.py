"""The command line's help in one language (命令行帮助): Chinese, or English with ``--lang en``.

A command's help is a Chinese msgid (``help=N_("…")``, English in the catalogues) and is put in
the CLI's language just before click shows it: :class:`LocalisedGroup` (the ``gridgov`` group)
translates the command it resolves, with its options and subcommands, from the msgids it keeps
aside, so one process can show both languages (the tests do). click's own words ("Usage:",
"Options", "Show this message and exit.") and the help of commands and options that Flask and
Flask-Limiter bring are English in their code: :data:`FOREIGN` gives each its Chinese msgid,
whose English is their text again (as :data:`core.i18n.MARSHMALLOW` does for marshmallow).
"""
from __future__ import annotations

import inspect
import re

import click
from flask_babel import gettext

from core.i18n import DEFAULT, N_, cli_language

# English text in click's, Flask's and Flask-Limiter's code → its Chinese msgid
FOREIGN = {
    "Usage:": N_("用法："),
    "Options": N_("选项"),
    "Commands": N_("命令"),
    "Arguments": N_("参数"),
    "Show this message and exit.": N_("显示此帮助并退出。"),
    "required": N_("必填"),
    "Set debug mode.": N_("设置调试模式。"),
    "Load environment variables from this file, taking precedence over those set by '.env' and '.flaskenv'. "
    "Variables set directly in the environment take highest precedence. python-dotenv must be installed.":
        N_("从此文件载入环境变量，优先于 '.env' 和 '.flaskenv' 中的设置；直接在环境中设置的变量优先级最高。"
           "需要安装 'python-dotenv'。"),
    "The Flask application or factory function to load, in the form 'module:name'. Module can be a dotted "
    "import or file path. Name is not required if it is 'app', 'application', 'create_app', or 'make_app', "
    "and can be 'name(args)' to pass arguments.":
        N_("要载入的 Flask 应用或工厂函数，格式为 'module:name'。模块可以是点分导入路径或文件路径；名称为 'app'、"
           "'application'、'create_app' 或 'make_app' 时可省略，也可写成 'name(args)' 传入参数。"),
    "Flask-Limiter maintenance & utility commands": N_("Flask-Limiter 的维护和工具命令"),
    "Clear limits for a specific key": N_("清除某个键的限流"),
    "View the extension configuration": N_("查看扩展的配置"),
    "Enumerate details about all routes with rate limits": N_("列出所有限流路由的详情"),
    "Endpoint to filter by": N_("按端点筛选"),
    "Path to filter by": N_("按路径筛选"),
    "HTTP Method to filter by": N_("按 HTTP 方法筛选"),
    "Key to reset the limits for": N_("要重置限流的键"),
    "Skip prompt for confirmation": N_("不再确认"),
    "Test the limit": N_("测试限流"),
    "Create a live dashboard": N_("显示实时面板"),
}
_EXTRA = re.compile(r"  \[(.*)\]$|^\[(.*)\]$", re.S)


def translate(text: str | None) -> str | None:
    """``text`` in the CLI's language: a Chinese msgid through the catalogue, the English of
    :data:`FOREIGN` as it is or as its Chinese msgid."""
    if not text:
        return text
    text = inspect.cleandoc(text)
    english = cli_language() != DEFAULT
    if text in FOREIGN:
        return text if english else FOREIGN[text]
    return gettext(text) if english else text


def _say(msgid: str, **values) -> str:
    return gettext(msgid, **values) if cli_language() != DEFAULT else msgid % values


def _extras(help_text: str) -> str:
    """click's ``[default: x; required]`` after an option's help, in the CLI's language."""
    match = _EXTRA.search(help_text)
    if not match:
        return help_text
    items = []
    for item in (match.group(1) or match.group(2)).split("; "):
        if item.startswith("default: "):
            item = _say(N_("默认：%(value)s"), value=item[len("default: "):])
        elif item.startswith("env var: "):
            item = _say(N_("环境变量：%(names)s"), names=item[len("env var: "):])
        else:
            item = translate(item)
        items.append(item)
    head = help_text[:match.start()]
    return f"{head}  [{'; '.join(items)}]" if head else f"[{'; '.join(items)}]"


def _short(text: str | None) -> str | None:
    """The line in a list of commands: the Chinese help's first clause (click's own shortening
    cuts at spaces and full stops, which Chinese has not)."""
    if not text or cli_language() != DEFAULT:
        return None  # click's, from the English help
    first = re.split(r"[。；]", text, maxsplit=1)[0]
    for mark in "：（":
        head = first.split(mark, 1)[0]
        if len(first) > 24 and len(head) >= 4:
            first = head
    return first if len(first) <= 24 else first[:23] + "…"


class LocalisedFormatter(click.HelpFormatter):
    """click's formatter with click's own words and option extras in the CLI's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = translate("Usage:") + (" " if cli_language() != DEFAULT else "")
        super().write_usage(prog, args, prefix=prefix)

    def write_heading(self, heading: str) -> None:
        colon = ":" if cli_language() != DEFAULT else "："
        self.write(f"{'':>{self.current_indent}}{translate(heading)}{colon}\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(first, _extras(translate(second) or "")) for first, second in rows], col_max, col_spacing)


class LocalisedContext(click.Context):
    """A context whose help is in the CLI's language: its command's (and subcommands') help is
    translated when asked for, in the app's context (the catalogues are the app's)."""

    formatter_class = LocalisedFormatter

    def get_help(self) -> str:
        with _app_context(self):
            localise(self.command)
            return super().get_help()


def _app_context(ctx: click.Context):
    from contextlib import nullcontext

    from flask import has_app_context
    from flask.cli import ScriptInfo

    if has_app_context() or not isinstance(ctx.find_object(ScriptInfo), ScriptInfo):
        return nullcontext()
    return ctx.find_object(ScriptInfo).load_app().app_context()


def localise(command: click.Command) -> click.Command:
    """Put ``command``'s help, its options' and its subcommands' in the CLI's language (again:
    the msgids are kept aside, so the next command may ask for the other language)."""
    kept = command.__dict__.setdefault("_help_msgids", (command.help, command.short_help))
    command.help = translate(kept[0])
    command.short_help = translate(kept[1]) if kept[1] else _short(command.help)
    command.context_class = LocalisedContext
    for param in command.params:
        if isinstance(param, click.Option):
            param.help = translate(param.__dict__.setdefault("_help_msgid", param.help))
    for sub in getattr(command, "commands", {}).values():
        localise(sub)
    return command


def use_localised_help(command: click.Command) -> None:
    """Give ``command`` and its subcommands :class:`LocalisedContext` (call once they are all
    registered; the help itself is translated when shown)."""
    command.context_class = LocalisedContext
    for sub in getattr(command, "commands", {}).values():
        use_localised_help(sub)
