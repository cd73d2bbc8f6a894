"""What a plugin must be to start (插件检查): the checks behind a refusal at start.

A plugin that fails one is refused, not fatal: it is recorded as broken with a message naming it
and the problem (logged, listed by ``gridgov plugins list`` and on the platform admin's module
page), and the rest of gridgov starts. :func:`core.plugins.make_plugin_manager` applies them:

* its entry-point name is a snake_case identifier and not core's own;
* no other installed distribution claims the same name (gridgov's built-in modules keep theirs;
  two other distributions claiming one name are both refused, since either could otherwise end up
  running on the other's tables, permissions and settings);
* its manifest is a :class:`core.specs.ModuleManifest` named like the entry point, with titles,
  ``requires`` naming other modules, and a settings schema whose defaults load and dump;
* every module it ``requires`` is installed and loaded (checked again after routes are built,
  since a plugin can break there too).
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError

from core.specs import ModuleManifest

PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
BUILT_IN_DISTRIBUTION = "gridgov"


def name_problem(name: str) -> str | None:
    if not PLUGIN_NAME.match(name or ""):
        return (f"invalid name {name!r}: a plugin's entry-point name must be a snake_case identifier "
                f"(it names its tables, URLs and permissions)")
    if name == "core":
        return "invalid name 'core': the name is gridgov's own"
    return None


def clash_message(name: str, dist: str | None, others: list[str | None]) -> str:
    claimants = ", ".join(repr(d or "(unknown distribution)") for d in others)
    return (f"name clash: plugin {name!r} of distribution {dist or '(unknown distribution)'!r} is also claimed by "
            f"{claimants}; refused (uninstall one, or rename its gridgov.plugins entry point)")


def manifest_problem(name: str, manifest: Any) -> str | None:
    """Why ``manifest`` (a package's ``manifest`` attribute) is not a valid manifest of plugin
    ``name``, or None."""
    if not isinstance(manifest, ModuleManifest):
        return f"invalid manifest: it is a {type(manifest).__name__}, not a ModuleManifest (from core.toolkit)"
    if manifest.name != name:
        return f"invalid manifest: manifest name {manifest.name!r} differs from entry point {name!r}"
    for field in ("title_zh", "title_en"):
        value = getattr(manifest, field)
        if not isinstance(value, str) or not value.strip():
            return f"invalid manifest: {field} must be a non-empty string"
    requires = manifest.requires
    if isinstance(requires, str) or not all(isinstance(r, str) for r in requires or ()):
        return f"invalid manifest: requires must be a tuple of module names, not {requires!r}"
    if name in requires:
        return "invalid manifest: a module cannot require itself"
    schema = manifest.settings_schema
    if schema is None:
        return None
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return f"invalid manifest: settings_schema must be a marshmallow Schema class, not {schema!r}"
    try:
        manifest.load_settings(manifest.dump_settings(manifest.default_settings()))
    except ValidationError as exc:
        return f"invalid manifest: the settings schema's defaults do not load ({exc.messages}); give every field a load_default"
    except Exception as exc:  # a schema that cannot even be built
        return f"invalid manifest: the settings schema fails: {type(exc).__name__}: {exc}"
    return None


def requirement_problem(name: str, manifest: ModuleManifest, modules: set[str], plugins: dict) -> str | None:
    """Why module ``name`` cannot run given the loaded ``modules`` (None when it can)."""
    missing = [r for r in manifest.requires if r not in modules]
    if not missing:
        return None
    what = [f"{r!r} ({'failed to load' if r in plugins else 'not installed'})" for r in missing]
    return f"requires module {', '.join(what)}; refused until it is installed and loads"
