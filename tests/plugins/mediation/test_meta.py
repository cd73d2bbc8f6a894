"""The module's own hook specifications are typed, documented and each tested by name."""
from __future__ import annotations

import inspect
from pathlib import Path

from plugins.mediation import hookspecs


def _specs():
    return {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "gridgov_spec")}


def test_specs_are_typed_tenant_first_and_scoped():
    specs = _specs()
    assert set(specs) == {"mediation_case_concluded", "mediation_agreement_failed", "incident_from_mediation_topic"}
    for name, fn in specs.items():
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].name == "tenant" and all(p.annotation is not inspect.Parameter.empty for p in params), name
        assert "Tenant scope" in (fn.__doc__ or ""), name
        firstresult = fn.gridgov_spec.get("firstresult")
        assert name.endswith("ed") or (firstresult and "_from_" in name), name


def test_every_spec_has_a_test_named_after_it():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    assert [n for n in _specs() if f"def test_hook_{n}(" not in sources] == []


def test_specs_are_registered_with_the_plugin_manager(app):
    pm = app.extensions["gridgov.plugins"].pm
    for name in _specs():
        assert pm.hook.__dict__[name].spec is not None


def test_the_plugin_imports_only_the_toolkit_from_gridgov():
    for path in (Path(hookspecs.__file__).parent).glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith(("from core", "import core")):
                assert stripped.startswith("from core.toolkit import"), (path.name, stripped)
            assert not stripped.startswith(("from plugins.incidents", "import plugins.incidents")), path.name
