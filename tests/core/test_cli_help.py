"""The command line's help in one language (命令行帮助): Chinese by default, English with
``--lang en`` or ``GRIDGOV_LANG=en``; every command's ``--help`` walked, so a new command's help
is checked without anyone listing it here."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from core.cli import main
from tests.core.test_one_language import _CJK, english_runs

# words the Chinese help writes in Latin letters on purpose: programs, values a user types
LITERAL = {"flask", "limiter", "gunicorn", "cron", "core", "township", "county", "prefecture", "head", "module",
           "name", "args", "app", "application", "create_app", "make_app", "python-dotenv", "dotenv", "flaskenv",
           "env", "snake_case", "instance", "backups", "worker", "xlsx", "csv", "yaml", "api", "json", "zh", "en"}


# whose commands' help is checked: ours, and Flask's and Flask-Limiter's (core.cli_help.FOREIGN);
# a third party's plugin says what its author wrote (the test site's civic-notes, in English)
CHECKED = {"core", "tenants", "plugins", "gridgov_assessment", "flask", "flask_limiter"}


def _ours(command: click.Command) -> bool:
    return command.callback is None or command.callback.__module__.split(".")[0] in CHECKED


def _commands(app) -> list[list[str]]:
    """Every command's path below ``gridgov`` (groups included), from the app's own group."""
    found: list[list[str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        if not _ours(command):
            return
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, path + [name])

    walk(app.cli, [])
    return found


def _prose(output: str, names: set[str]) -> str:
    """``output`` without what help shows as it is: option names, metavars, command names, code."""
    text = re.sub(r"(?<![\w-])-{1,2}[\w-]+", " ", output)
    text = re.sub(r"\b[A-Z][A-Z_]+\b|\[[a-z|]+\]|\S*[./_:=<>'`]\S*", " ", text)
    for name in sorted(names | LITERAL, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text, flags=re.I)
    return text


@pytest.mark.parametrize("how", ["app", "gridgov"])
def test_help_is_chinese_by_default_and_english_with_lang_en(app, how, monkeypatch):
    """``gridgov --help`` and each command's ``--help``, over the app's group (as the tests run
    commands) and over the installed ``gridgov`` entry point's group (as a user does)."""
    monkeypatch.delenv("GRIDGOV_LANG", raising=False)
    paths = _commands(app)
    names = {part for path in paths for part in path} | {"gridgov"}
    theirs = [name for name, command in app.cli.commands.items() if not _ours(command)]
    assert len(paths) > 40, paths

    def invoke(args):
        if how == "app":
            return app.test_cli_runner().invoke(args=args)
        from flask.cli import ScriptInfo

        return CliRunner().invoke(main, args, obj=ScriptInfo(create_app=lambda: app))

    mixed, english, shown = [], [], 0
    for path in paths:
        for lang in ("zh", "en"):
            result = invoke((["--lang", "en"] if lang == "en" else []) + path + ["--help"])
            assert result.exit_code == 0, (path, result.output)
            shown += 1
            output = result.output
            for name in theirs:  # their line in the list of commands
                output = re.sub(rf"(?m)^  {re.escape(name)} .*$", "", output)
            if lang == "zh":
                found = english_runs(_prose(output, names))
                if found or "用法" not in output:
                    mixed.append(f"gridgov {' '.join(path)} --help: {sorted(set(found))}")
            elif _CJK.search(re.sub(r"\[default: [^]]*\]", "", output)) or "Usage:" not in output:
                english.append(f"gridgov --lang en {' '.join(path)} --help:\n{output}")
    assert shown == 2 * len(paths)
    assert not mixed, "English in the Chinese help (help=N_('…'), English in messages.po):\n" + "\n".join(mixed)
    assert not english, "Chinese in the English help (translate it in messages.po):\n" + "\n".join(english)


def test_the_environment_chooses_the_help_language_too(app, monkeypatch):
    monkeypatch.setenv("GRIDGOV_LANG", "en")
    english = app.test_cli_runner().invoke(args=["grids", "import", "--help"]).output
    monkeypatch.setenv("GRIDGOV_LANG", "zh")
    chinese = app.test_cli_runner().invoke(args=["grids", "import", "--help"]).output
    assert "Create the grids named in FILE" in english and "township slug  [required]" in english
    assert "按文件 FILE" in chinese and "乡镇标识  [必填]" in chinese and "显示此帮助并退出。" in chinese
    assert not _CJK.search(english)
