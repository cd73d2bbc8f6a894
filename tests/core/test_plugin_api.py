"""Modules are written against the public plugin API only (``core.toolkit``), exactly as a third
party would write them: no module under ``plugins/`` imports another part of core, at module
level or inside a function. Migrations are exempt (they use alembic and sqlalchemy only)."""
from __future__ import annotations

import ast
from pathlib import Path

import core.toolkit

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"core.toolkit"}


def core_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "core" else [f"core.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                  if (n == "core" or n.startswith("core.")) and n not in ALLOWED]
    return found


def plugin_sources() -> list[Path]:
    """Built-in modules, and the external example distributions under ``examples/`` (package and tests)."""
    found = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "examples").glob("*/**/*.py"))
    return [p for p in found if "migrations" not in p.parts]


def test_plugins_import_only_the_toolkit():
    assert plugin_sources(), "no plugin sources found"
    bad = [hit for path in plugin_sources() for hit in core_imports(path)]
    assert not bad, "plugins import core internals (use core.toolkit):\n" + "\n".join(bad)


def test_the_check_catches_a_function_level_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from core.grid.models import Grid\n    from core import audit\n", encoding="utf-8")
    hits = [h.split(" ", 1)[1] for h in core_imports_at(sneaky)]
    assert hits == ["core.grid.models", "core.audit"]


def core_imports_at(path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return core_imports(path)
    finally:
        ROOT = saved


def test_every_toolkit_name_is_exported():
    missing = [n for n in core.toolkit.__all__ if not hasattr(core.toolkit, n)]
    assert not missing
    public = {n for n in vars(core.toolkit) if not n.startswith(("_", "@")) and n != "annotations"}
    assert public <= set(core.toolkit.__all__), f"names in the toolkit but not in __all__: {public - set(core.toolkit.__all__)}"
