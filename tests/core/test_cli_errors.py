"""click's own errors in the CLI's language (core.cli_messages): "错误：缺少选项 '--tenant'。" by
default, click's English with ``--lang en``; over the app's group, as the tests run commands, and
over the installed ``gridgov`` entry point, as a user does."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from core.cli_messages import AT_IMPORT, CLICK, FOR_PROGRAMMERS, IN_HELP, MODULES
from tests.core.test_one_language import _CJK, english_runs

# (arguments, what the Chinese error says, what the English one says)
ERRORS = [
    (["modules", "list"], "错误：缺少选项 '--tenant'", "Error: Missing option '--tenant'."),
    (["nosuch"], "错误：没有命令 'nosuch'。", "Error: No such command 'nosuch'."),
    (["modules", "lis"], "是否想用 'list'？", "Did you mean 'list'?"),
    (["demo", "--scale", "x"], "'--scale' 的取值无效：'x' 不在可选值中", "Invalid value for '--scale': 'x' is not one of"),
    (["demo", "--bogus"], "错误：没有选项 '--bogus'。", "Error: No such option '--bogus'."),
    (["--lang", "fr", "tenants"], "'--lang' 的取值无效", "Invalid value for '--lang'"),
]
# what click shows as it is: the command line, option names, metavars
_SHOWN_AS_IS = ("gridgov", "core", "tenants", "modules", "list", "lis", "nosuch", "demo", "incidents", "--tenant",
                "--scale", "--bogus", "--lang", "--help", "[OPTIONS]", "COMMAND", "[ARGS]...", "SLUG", "NAME")


def _check(output: str, lang: str, chinese: str, english: str) -> None:
    if lang == "zh":
        assert chinese in output and "用法：" in output and "查看帮助：" in output, output
        assert not english_runs(output, _SHOWN_AS_IS), output
    else:
        assert english in output and "Usage:" in output and "for help." in output, output
        assert not _CJK.search(output), output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_clicks_errors_over_the_apps_group_follow_the_language(app, lang, monkeypatch):
    monkeypatch.delenv("GRIDGOV_LANG", raising=False)
    runner = app.test_cli_runner()
    for args, chinese, english in ERRORS:
        if lang == "en" and args[0] == "--lang":  # a wrong --lang: the environment's language
            monkeypatch.setenv("GRIDGOV_LANG", "en")
        result = runner.invoke(args=(["--lang", "en"] if lang == "en" and args[0] != "--lang" else []) + args)
        monkeypatch.delenv("GRIDGOV_LANG", raising=False)
        assert result.exit_code == 2, (args, result.output)
        _check(result.output, lang, chinese, english)
    # the language lasted for that command only
    assert "错误：没有命令" in runner.invoke(args=["nosuch"]).output


@pytest.mark.parametrize("how", ["--lang", "GRIDGOV_LANG"])
def test_clicks_errors_from_the_gridgov_entry_point(app, how, tmp_path):
    gridgov = Path(sys.executable).with_name("gridgov")
    env = {**os.environ, "SECRET_KEY": "x" * 32}
    env.pop("GRIDGOV_LANG", None)
    for lang in ("zh", "en"):
        for args, chinese, english in ERRORS[:4]:
            extra = []
            if lang == "en":
                if how == "--lang":
                    extra = ["--lang", "en"]
                else:
                    env["GRIDGOV_LANG"] = "en"
            done = subprocess.run([str(gridgov), *extra, *args], capture_output=True, text=True, env=env, timeout=120)
            env.pop("GRIDGOV_LANG", None)
            assert done.returncode == 2, (args, done.stdout, done.stderr)
            errors = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("WARNING:"))
            _check(errors, lang, chinese, english)


def test_every_message_click_makes_has_its_chinese():
    """Every gettext call in click's source is in core.cli_messages' table (or shown by
    core.cli_help, or for programmers), and still goes through the names the table is hooked
    into: a click upgrade that adds a message or changes how it calls gettext fails here."""
    found, hooked = set(), set()
    for name in MODULES:
        path = Path(click.__file__).with_name(f"{name}.py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "gettext":
                hooked |= {(name, alias.asname or alias.name) for alias in node.names}
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    assert found, "click calls gettext elsewhere now: hook core.cli_messages in there"
    missing = sorted(found - set(CLICK) - IN_HELP - AT_IMPORT - FOR_PROGRAMMERS)
    assert not missing, f"give these click messages their Chinese in core.cli_messages.CLICK: {missing}"
    other = {alias for _module, alias in hooked} - {"_", "ngettext"}
    assert not other, f"click imports gettext under other names now: {other}"
    import core.cli  # noqa: F401 (installs the hook)

    for name in MODULES:
        module = sys.modules[f"click.{name}"]
        assert getattr(module, "_", None) in (None, *{v for k, v in vars(sys.modules["core.cli_messages"]).items()
                                                       if k == "click_gettext"}), name
    assert all(not _CJK.search(english) for english in CLICK) and all(_CJK.search(c) for c in CLICK.values())
