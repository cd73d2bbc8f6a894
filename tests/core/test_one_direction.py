"""Imports run one way: tenants/ (the tenant lifecycle) imports core, core never imports tenants/.

Core reaches the tenant lifecycle only through the plugin manager (``tenants`` is a library
plugin in the ``gridgov.plugins`` entry-point group), so every import in every core file counts,
function-level ones included, and so do ``importlib.import_module("tenants...")`` and
``__import__("tenants...")`` with a literal name.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imported_names(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _tenants_imports(folder: Path, root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in _imported_names(tree):
            if name == "tenants" or name.startswith("tenants."):
                found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return found


def test_no_core_module_imports_tenants():
    offenders = _tenants_imports(ROOT / "core")
    assert not offenders, "core must not import tenants/ (register through a hook instead):\n" + "\n".join(offenders)


def test_the_check_finds_a_function_level_import(tmp_path):
    (tmp_path / "late.py").write_text(
        "def f():\n    from tenants.onboarding import create_county\n\n"
        "def g():\n    import importlib\n    return importlib.import_module('tenants.api')\n", encoding="utf-8")
    assert _tenants_imports(tmp_path, root=tmp_path) == ["late.py:2 imports tenants.onboarding",
                                                          "late.py:6 imports tenants.api"]


def test_tenants_is_registered_as_a_library_plugin(app):
    plugin = app.extensions["gridgov.plugins"].plugins["tenants"]
    assert not plugin.broken and plugin.manifest is None  # always on, not switchable
    assert {"tenants_api", "tenants_console"} <= set(app.blueprints)
