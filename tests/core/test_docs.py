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
    return {name: fn for specs in _specs_by_plugin(app).values() for name, fn in specs.items()}


def _specs_by_plugin(app) -> dict[str, dict[str, object]]:
    """Plugin name → the hooks it declares."""
    out = {}
    for plugin in app.extensions["gridgov.plugins"].plugins.values():
        module = getattr(plugin.package, "hookspecs", None) if plugin.package else None
        specs = {name: fn for name, fn in inspect.getmembers(module or object(), inspect.isfunction)
                 if hasattr(fn, "gridgov_spec")}
        if specs:
            out[plugin.name] = specs
    return out


def _heading(name: str, fn) -> str:
    return f"### {name}({', '.join(inspect.signature(fn).parameters)})"


def _where_documented(plugin) -> tuple[str, str]:
    """docs/plugins.md for the modules in this repository (and the suite's examples); a
    separately distributed plugin's own README (its distribution's long description)."""
    from importlib.metadata import PackageNotFoundError, metadata

    where = Path(plugin.package.__file__).resolve()
    if ROOT / "plugins" in where.parents or ROOT / "tests" in where.parents:
        return "docs/plugins.md", (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    try:
        meta = metadata(plugin.distribution)
    except (PackageNotFoundError, ValueError, TypeError):
        return f"the README of {plugin.name}", ""
    return f"the README of {plugin.distribution}", (meta.get_payload() or meta.get("Description") or "")


def test_every_hook_a_plugin_declares_is_documented_with_its_signature(app):
    specs = _specs_by_plugin(app)
    assert sum(len(s) for s in specs.values()) >= 12, "the built-in modules declare a dozen hooks"
    missing = []
    plugins = app.extensions["gridgov.plugins"].plugins
    for name_, declared in specs.items():
        where, text = _where_documented(plugins[name_])
        missing += [f"{where}: {_heading(name, fn)}" for name, fn in sorted(declared.items())
                    if _heading(name, fn) not in text]
    assert not missing, "undocumented hooks (a '### name(args)' section each):\n" + "\n".join(missing)


def _sections(doc: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r"(?ms)^### (\w+)\(.*?(?=^##)", doc + "\n##")}


def test_every_documented_hook_says_its_tenant_scope_and_shows_an_example_from_the_tests(app):
    """Each hook's section has a "Tenant scope" and names the file its example comes from: a
    test (or a module a test_hook_<name> exercises) that implements the hook."""
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    sections = _sections(doc)
    plugins = app.extensions["gridgov.plugins"].plugins
    names = _specs() + [n for plugin, specs in _specs_by_plugin(app).items()
                        if _where_documented(plugins[plugin])[0] == "docs/plugins.md" for n in specs]
    problems = []
    for name in names:
        text = sections.get(name, "")
        if "Tenant scope" not in text:
            problems.append(f"{name}: no 'Tenant scope'")
        cited = [ROOT / path for path in re.findall(r"`((?:tests|plugins)/[\w/.-]+\.py)`", text)]
        if not any(path.is_file() and f"def {name}(" in path.read_text(encoding="utf-8") for path in cited):
            problems.append(f"{name}: cites no file under tests/ or plugins/ that implements it ({cited})")
    assert not problems, "\n".join(problems)


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
