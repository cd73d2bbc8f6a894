"""Plugins refused at start (core/plugin_checks.py): an invalid manifest, a name another
distribution claims, a required module missing. Each is named with its problem (log, ``gridgov
plugins list``, the platform admin's module page) and the rest of gridgov starts.
tests/fixtures/site installs one of each beside the good plugins, so the whole suite runs with them."""
from __future__ import annotations

import logging
import types

from core.plugins import hookimpl
from core.specs import ModuleManifest


def _probe_app(app, extra=()):
    from core import create_app

    return create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                       "INSTANCE_PATH": app.instance_path, "GRIDGOV_EXTRA_PLUGINS": list(extra)})


def _package(name: str, **attrs) -> types.ModuleType:
    package = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(package, key, value)
    return package


def test_the_installed_refused_plugins_are_named_with_their_problem(app):
    broken = app.extensions["gridgov.plugins"].broken
    assert "name clash" in broken["incidents (gridgov-rogue-incidents)"]
    assert "'gridgov'" in broken["incidents (gridgov-rogue-incidents)"]
    assert "invalid manifest" in broken["bad_manifest"] and "quota" in broken["bad_manifest"]
    assert "requires module 'module_that_is_not_installed' (not installed)" in broken["needs_missing"]


def test_the_rest_starts_and_the_built_in_keeps_its_name(app, create_tenant, create_user, api_as):
    registry = app.extensions["gridgov.plugins"]
    assert registry.plugins["incidents"].distribution == "gridgov" and "incidents" in registry.modules
    assert {"bad_manifest", "needs_missing"}.isdisjoint(registry.modules)
    assert "/rogue-probe" not in {r.rule for r in app.url_map.iter_rules()}  # never even imported
    town = create_tenant(modules=["incidents"])
    client = api_as(create_user(roles=[(town, "township_admin")]))
    assert client.get(f"/api/v1/t/{town.slug}/incidents").status_code == 200
    home = client.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert "needs_missing.widget" not in home  # a refused module's hooks do not answer
    resp = client.patch(f"/api/v1/t/{town.slug}/modules/needs_missing", json={"enabled": True})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_module"


def test_plugins_list_names_each_refusal(app):
    listing = app.test_cli_runner().invoke(args=["plugins", "list"]).output
    lines = {line.split()[0] + (" " + line.split()[1] if "(" in line.split()[1] else ""): line
             for line in listing.splitlines() if line.strip()}
    assert "已拒绝" in lines["incidents (gridgov-rogue-incidents)"]
    assert " 可用 " in lines["incidents"]
    assert "损坏" in lines["bad_manifest"] and "quota" in lines["bad_manifest"]
    assert "损坏" in lines["needs_missing"] and "module_that_is_not_installed" in lines["needs_missing"]


def test_each_refusal_is_logged_with_the_plugins_name(app, caplog):
    with caplog.at_level(logging.ERROR, logger="gridgov.plugins"):
        _probe_app(app)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "plugin incidents refused: name clash" in logged and "gridgov-rogue-incidents" in logged
    assert "plugin bad_manifest refused: invalid manifest" in logged
    assert "plugin needs_missing is broken: requires module 'module_that_is_not_installed'" in logged


def test_invalid_manifests_are_refused_with_the_reason(app):
    from marshmallow import Schema, fields

    class NoDefault(Schema):
        limit = fields.Integer(required=True)

    cases = {
        "dict_manifest": ({"name": "dict_manifest"}, "it is a dict, not a ModuleManifest"),
        "wrong_name": (ModuleManifest(name="other_name", title_zh="错", title_en="Wrong"), "differs from entry point"),
        "no_title": (ModuleManifest(name="no_title", title_zh="", title_en="No title"), "title_zh must be a non-empty"),
        "bad_requires": (ModuleManifest(name="bad_requires", title_zh="依赖", title_en="Req", requires="incidents"),
                         "requires must be a tuple"),
        "self_requiring": (ModuleManifest(name="self_requiring", title_zh="自", title_en="Self",
                                          requires=("self_requiring",)), "cannot require itself"),
        "schema_object": (ModuleManifest(name="schema_object", title_zh="设", title_en="Set", settings_schema=NoDefault()),
                          "settings_schema must be a marshmallow Schema class"),
        "no_default": (ModuleManifest(name="no_default", title_zh="设", title_en="Set", settings_schema=NoDefault),
                       "'limit'"),
    }
    extra = [(name, _package(name, manifest=manifest)) for name, (manifest, _why) in cases.items()]
    extra.append(("Bad-Name", _package("bad_name")))
    probe = _probe_app(app, extra)
    registry = probe.extensions["gridgov.plugins"]
    for name, (_manifest, why) in cases.items():
        assert why in (registry.broken.get(name) or ""), (name, registry.broken.get(name))
        assert name not in registry.modules
    assert "snake_case" in registry.broken["Bad-Name"]
    assert "incidents" in registry.modules and "civic_notes" in registry.modules


def test_a_module_whose_requirement_is_refused_is_refused_too(app):
    """A chain: ``top`` requires ``middle``, which requires a module that is not installed."""

    @hookimpl
    def dashboard_widgets(tenant, user):
        return []

    extra = [("top", _package("top", manifest=ModuleManifest(name="top", title_zh="上", title_en="Top",
                                                                requires=("middle",)),
                               dashboard_widgets=dashboard_widgets)),
             ("middle", _package("middle", manifest=ModuleManifest(name="middle", title_zh="中", title_en="Middle",
                                                                      requires=("absent",)))),
             ("fine", _package("fine", manifest=ModuleManifest(name="fine", title_zh="好", title_en="Fine",
                                                                  requires=("incidents",))))]
    registry = _probe_app(app, extra).extensions["gridgov.plugins"]
    assert "'absent' (not installed)" in registry.broken["middle"]
    assert "'middle' (failed to load)" in registry.broken["top"]
    assert registry.plugins["top"].impl is None  # its hooks are unregistered
    assert "fine" in registry.modules


def test_two_distributions_claiming_one_name_are_both_refused(app, tmp_path, monkeypatch):
    """Neither is gridgov's own, so neither may run on tables, permissions and settings the other
    may already have."""
    for dist in ("alpha", "beta"):
        package = f"gridgov_twin_{dist}"
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(
            "from core.toolkit import ModuleManifest\n"
            f"manifest = ModuleManifest(name='twin_notes', title_zh='双', title_en='{dist}')\n", encoding="utf-8")
        info = tmp_path / f"{package}-0.1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: gridgov-twin-{dist}\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text(f"[gridgov.plugins]\ntwin_notes = {package}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = _probe_app(app).extensions["gridgov.plugins"]
    why = registry.broken["twin_notes"]
    assert "name clash" in why and "gridgov-twin-alpha" in why and "gridgov-twin-beta" in why
    assert "twin_notes" not in registry.modules
    assert not [k for k in registry.broken if k.startswith("twin_notes (")]  # one entry, naming both
