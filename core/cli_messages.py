"""click's own messages in the CLI's language (命令行的报错): "错误：缺少选项 '--tenant'。" in
Chinese, click's "Error: Missing option '--tenant'." with ``--lang en``.

click builds its messages ("Error: {message}", "Missing option", "No such command {name!r}.",
"Try '{command} {option}' for help.", "{value!r} is not one of {choices}.") with gettext, called
the moment the message is made, on the template before its values are put in. That is where they
are put in the CLI's language: :func:`install` gives click's modules, for their ``_`` and
``ngettext``, functions that read :data:`CLICK` (click's English template → its Chinese msgid,
whose English in the catalogues is click's text again, as :data:`core.cli_help.FOREIGN`).

Why there and not by rewriting click's finished English output (a custom group catching
``UsageError`` and matching its text): the template is exact, whatever the values (an option
name, a user's typo with a full stop in it), and a message appears in one place only; the output
would need a pattern per message and per way click joins them. Why not the stdlib's gettext
catalogues (``gettext.bindtextdomain``): their language is the process's locale
(``LANGUAGE``/``LANG``), global, and read from ``.mo`` files by domain, while ours is
:func:`core.i18n.cli_language` and may change between two commands of one process (the tests).

The names ``_``/``ngettext`` are click's internals: ``tests/core/test_cli_errors.py`` reads every
gettext call in click's source and fails if a message is not in :data:`CLICK` (or
:data:`FOR_PROGRAMMERS`) or if click stops calling gettext through these names, so a click
upgrade cannot silently bring English back. A template not in the table stays click's English.
"""
from __future__ import annotations

import gettext as _stdlib

from core.i18n import DEFAULT, N_, cli_language

# click's English template → its Chinese msgid; the placeholders are click's ({name!r}, …). A
# template whose values are English words (click's "integer", "option") leaves them out.
CLICK = {
    # exceptions.py
    "Error: {message}": N_("错误：{message}"),
    "Try '{command} {option}' for help.": N_("查看帮助：'{command} {option}'。"),
    "Invalid value: {message}": N_("取值无效：{message}"),
    "Invalid value for {param_hint}: {message}": N_("{param_hint} 的取值无效：{message}"),
    "Missing argument": N_("缺少参数"),
    "Missing option": N_("缺少选项"),
    "Missing parameter": N_("缺少参数"),
    "Missing {param_type}": N_("缺少参数"),
    "Missing parameter: {param_name}": N_("缺少参数：{param_name}"),
    "No such option {name!r}.": N_("没有选项 {name!r}。"),
    "No such command {name!r}.": N_("没有命令 {name!r}。"),
    "Did you mean {possibility}?": N_("是否想用 {possibility}？"),
    "(Did you mean one of: {possibilities}?)": N_("（是否想用其中之一：{possibilities}？）"),
    "unknown error": N_("未知错误"),
    "Could not open file {filename!r}: {message}": N_("无法打开文件 {filename!r}：{message}"),
    # core.py
    "Aborted!": N_("已中止。"),
    "deprecated": N_("已弃用"),
    "Missing command.": N_("缺少命令。"),
    "Positional arguments": N_("位置参数"),
    "Got unexpected extra argument ({args})": N_("多余的参数（{args}）"),
    "Got unexpected extra arguments ({args})": N_("多余的参数（{args}）"),
    "Value must be an iterable.": N_("取值须为多个值。"),
    "Takes {nargs} values but 1 was given.": N_("需要 {nargs} 个值，只给了 1 个。"),
    "Takes {nargs} values but {len} were given.": N_("需要 {nargs} 个值，给了 {len} 个。"),
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        N_("弃用提醒：命令 {name!r} 已弃用。{extra_message}"),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        N_("弃用提醒：参数 {name!r} 已弃用。{extra_message}"),
    "(dynamic)": N_("（动态）"),
    # decorators.py
    "Do you want to continue?": N_("是否继续？"),
    "Confirm the action without prompting.": N_("不再确认，直接执行。"),
    "%(prog)s, version %(version)s": N_("%(prog)s，版本 %(version)s"),
    "Show the version and exit.": N_("显示版本并退出。"),
    # parser.py
    "Option {name!r} does not take a value.": N_("选项 {name!r} 不带取值。"),
    "Option {name!r} requires an argument.": N_("选项 {name!r} 需要一个取值。"),
    "Option {name!r} requires {nargs} arguments.": N_("选项 {name!r} 需要 {nargs} 个取值。"),
    "Argument {name!r} takes {nargs} values.": N_("参数 {name!r} 需要 {nargs} 个值。"),
    # types.py
    "Choose from:\n\t{choices}": N_("可选：\n\t{choices}"),
    "{value!r} is not {choice}.": N_("{value!r} 不是 {choice}。"),
    "{value!r} is not one of {choices}.": N_("{value!r} 不在可选值中：{choices}。"),
    "{value!r} does not match the format {format}.": N_("{value!r} 不符合格式 {format}。"),
    "{value!r} does not match the formats {formats}.": N_("{value!r} 不符合以下任一格式：{formats}。"),
    "{value!r} is not a valid {number_type}.": N_("{value!r} 不是有效的数字。"),
    "{value} is not in the range {range}.": N_("{value} 不在范围 {range} 内。"),
    "{value!r} is not a valid boolean. Recognized values: {states}": N_("{value!r} 不是有效的是/否值，可用：{states}"),
    "{value!r} is not a valid UUID.": N_("{value!r} 不是有效的 UUID。"),
    "{name} {filename!r} does not exist.": N_("{name} {filename!r} 不存在。"),
    "{name} {filename!r} is a file.": N_("{name} {filename!r} 是文件。"),
    "{name} {filename!r} is a directory.": N_("{name} {filename!r} 是目录。"),
    "{name} {filename!r} is not readable.": N_("{name} {filename!r} 不可读。"),
    "{name} {filename!r} is not writable.": N_("{name} {filename!r} 不可写。"),
    "{name} {filename!r} is not executable.": N_("{name} {filename!r} 不可执行。"),
    "{len_type} values are required, but {len_value} was given.": N_("需要 {len_type} 个值，给了 {len_value} 个。"),
    "{len_type} values are required, but {len_value} were given.": N_("需要 {len_type} 个值，给了 {len_value} 个。"),
    # termui.py
    "Press any key to continue...": N_("按任意键继续……"),
    "Repeat for confirmation": N_("再输入一次以确认"),
    "Error: The two entered values do not match.": N_("错误：两次输入不一致。"),
    "Error: invalid input": N_("错误：输入无效"),
    "{editor}: Editing failed": N_("{editor}：编辑失败"),
    "{editor}: Editing failed: {e}": N_("{editor}：编辑失败：{e}"),
    # shell_completion.py
    "Couldn't detect Bash version, shell completion is not supported.": N_("无法确定 Bash 的版本，不支持命令补全。"),
    "Shell completion is not supported for Bash versions older than 4.4.": N_("Bash 4.4 以前的版本不支持命令补全。"),
}

# click's words that help shows: core.cli_help translates them where help is written (its
# formatter), so here they stay click's English
IN_HELP = {"Usage:", "Options", "Commands", "Show this message and exit.", "required", "default: {default}",
           "env var: {var}"}
# click.Path's name, given when a command is defined (at import, before any --lang) and shown as
# the option's metavar (FILE, DIRECTORY) and in "file 'x' does not exist.": click's English word
AT_IMPORT = {"file", "directory", "path"}
# what only a programmer sees (a command defined wrongly, a repr, Windows' console): click's English
FOR_PROGRAMMERS = {
    "Name '{name}' defined twice", "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.", "Choice({choices})",
    "Unknown standard stream '{name}'", "Unknown color {colour!r}", "Windows error: {error}",
    "Invalid start character for option ({option})", "d",
}
# click's modules that call gettext (each as ``from gettext import gettext as _`` and ``ngettext``)
MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui", "types",
           "utils", "_termui_impl")


def click_gettext(message: str) -> str:
    """click's ``_``: its template in the CLI's language."""
    if cli_language() != DEFAULT:
        return _stdlib.gettext(message)
    return CLICK.get(message, message)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    """click's ``ngettext``: Chinese has one form (the table gives both English forms one msgid)."""
    if cli_language() != DEFAULT:
        return _stdlib.ngettext(singular, plural, n)
    return click_gettext(singular if n == 1 else plural)


def install() -> None:
    """Hook :func:`click_gettext`/:func:`click_ngettext` in where click calls gettext (once per
    process; importing :mod:`core.cli` does it)."""
    import importlib

    for name in MODULES:
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is _stdlib.gettext:
            module._ = click_gettext
        if getattr(module, "ngettext", None) is _stdlib.ngettext:
            module.ngettext = click_ngettext
