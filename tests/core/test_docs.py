"""The docs are held to the code: every hook is documented and tested."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

from core import hookspecs

ROOT = Path(__file__).resolve().parents[2]


def _specs() -> list[str]:
    return [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, "gridgov_spec")]


def test_every_core_hook_is_documented_with_its_signature():
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### (\w+)\(", doc, re.M))
    for name in _specs():
        assert name in headings, f"docs/plugins.md has no '### {name}(...)' section"
        params = [p for p in inspect.signature(getattr(hookspecs, name)).parameters]
        assert f"### {name}({', '.join(params)})" in doc, f"the heading of {name} does not match its signature"


def _plugin_specs(app) -> dict[str, object]:
    """Hooks that installed plugins declare in their own ``hookspecs`` modules."""
    specs = {}
    for plugin in app.extensions["gridgov.plugins"].plugins.values():
        module = getattr(plugin.package, "hookspecs", None) if plugin.package else None
        for name, fn in inspect.getmembers(module or object(), inspect.isfunction):
            if hasattr(fn, "gridgov_spec"):
                specs[name] = fn
    return specs


def test_every_hook_has_a_test_named_after_it(app):
    tests = [*(ROOT / "tests").rglob("test_*.py"), *(ROOT / "examples").glob("*/tests/test_*.py")]  # and the examples'
    sources = "\n".join(p.read_text(encoding="utf-8") for p in tests)
    names = _specs() + sorted(_plugin_specs(app))
    missing = [name for name in names if f"def test_hook_{name}" not in sources]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def test_every_hook_has_a_docstring_with_a_tenant_scope(app):
    for name in _specs():
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Tenant scope" in doc, name
    for name, fn in _plugin_specs(app).items():
        assert "Tenant scope" in (fn.__doc__ or ""), name


def test_every_path_in_the_api_notes_exists(app):
    """docs/api.md's curl examples name real endpoints (its township slug and ids are examples)."""
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"http://127\.0\.0\.1:8000(/api/v1/[^\s\"'?]*)", doc))
    assert len(paths) >= 5
    adapter = app.url_map.bind("127.0.0.1")
    from werkzeug.exceptions import MethodNotAllowed

    for path in sorted(paths):
        try:
            adapter.match(path, method="GET")
        except MethodNotAllowed:  # a write-only endpoint: it exists
            pass
