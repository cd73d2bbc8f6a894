"""The plugin manager (插件管理): discovery, registration and the per-tenant hook relay.

Plugins are Python packages named in the entry-point group ``gridgov.plugins``; built-in
modules under ``plugins/`` are registered exactly like external ones. A package provides:

* ``manifest``: a :class:`core.specs.ModuleManifest` (a plugin without one is a library plugin:
  always on, not switchable);
* ``hooks``: a module of ``@hookimpl`` functions (or the package itself holds them);
* optionally ``hookspecs`` (hooks it declares for others), ``models`` and ``migrations/``.

A plugin that fails to import, or is refused at start (an invalid name or manifest, a name
another distribution claims, a required module missing: :mod:`core.plugin_checks`), is recorded as
broken with the reason, and the app still starts.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Iterable

import pluggy

from core import hookspecs
from core.plugin_checks import (BUILT_IN_DISTRIBUTION, clash_message, manifest_problem, name_problem,
                                requirement_problem)
from core.specs import ModuleManifest

log = logging.getLogger("gridgov.plugins")
hookimpl = pluggy.HookimplMarker("gridgov")
ENTRY_POINT_GROUP = "gridgov.plugins"
# Core's own hook implementations, one module per concern, always on (never switchable).
CORE_HOOK_MODULES = ("core.core_hooks", "core.auth.hooks", "core.grid.hooks", "core.people.hooks", "core.console.hooks",
                     "core.county_templates.hooks")


@dataclass
class LoadedPlugin:
    name: str
    package: ModuleType | None = None
    impl: object | None = None
    manifest: ModuleManifest | None = None
    error: str | None = None
    distribution: str | None = None

    @property
    def broken(self) -> bool:
        return self.error is not None

    @property
    def is_module(self) -> bool:
        return self.manifest is not None and not self.broken

    @property
    def migrations_dir(self) -> Path | None:
        return self._folder("migrations")

    @property
    def translations_dir(self) -> Path | None:
        """The plugin's message catalogues (``translations/<lang>/LC_MESSAGES/messages.mo``)."""
        return self._folder("translations")

    def _folder(self, name: str) -> Path | None:
        where = getattr(self.package, "__file__", None)  # a module built in memory (tests) has none
        if where is None:
            return None
        path = Path(where).parent / name
        return path if path.is_dir() else None


class HookRelay:
    """Hook callers for one set of enabled modules (pytest's ``FSHookProxy`` for tenants).

    ``relay.dashboard_widgets(tenant=t, user=u)`` reaches core and the enabled modules only.
    """

    def __init__(self, pm: pluggy.PluginManager, remove: list[object]):
        self._pm = pm
        self._remove = remove

    def __getattr__(self, name: str):
        if self._remove:
            caller = self._pm.subset_hook_caller(name, remove_plugins=self._remove)
        else:
            caller = getattr(self._pm.hook, name)
        self.__dict__[name] = caller
        return caller


@dataclass
class PluginRegistry:
    pm: pluggy.PluginManager
    plugins: dict[str, LoadedPlugin] = field(default_factory=dict)
    # distributions refused because a built-in module has their name: "name (distribution)" → why
    refused: dict[str, str] = field(default_factory=dict)
    _relays: dict[frozenset[str], HookRelay] = field(default_factory=dict)

    @property
    def modules(self) -> dict[str, ModuleManifest]:
        """Switchable modules by name (plugins with a manifest that loaded)."""
        return {n: p.manifest for n, p in sorted(self.plugins.items()) if p.is_module}

    @property
    def broken(self) -> dict[str, str]:
        """Plugins refused or failed, with the reason: by name, and ``name (distribution)`` for a
        distribution refused because a built-in module already has its name."""
        return {**{n: p.error for n, p in self.plugins.items() if p.broken}, **self.refused}

    def relay(self, enabled: Iterable[str]) -> HookRelay:
        """Hook callers that reach core, library plugins and the ``enabled`` modules only."""
        key = frozenset(enabled)
        relay = self._relays.get(key)
        if relay is None:
            remove = [p.impl for n, p in self.plugins.items() if p.is_module and n not in key and p.impl is not None]
            relay = self._relays[key] = HookRelay(self.pm, remove)
        return relay

    def only(self, name: str) -> HookRelay:
        """Hook callers that reach the named plugin alone (e.g. its ``setup_tenant``)."""
        keep = self.plugins[name].impl if name in self.plugins else None
        remove = [plugin for plugin in self.pm.get_plugins() if plugin is not keep]
        return HookRelay(self.pm, remove)

    @property
    def all(self):
        """Hook callers of every installed plugin, enabled or not (data export, anonymising)."""
        return self.pm.hook

    def refuse_unmet_requirements(self) -> None:
        """Mark broken every module that requires one that is not installed or not loaded (again
        and again: refusing one can leave another's requirement unmet)."""
        while True:
            modules = set(self.modules)
            unmet = {n: requirement_problem(n, self.plugins[n].manifest, modules, self.plugins) for n in modules}
            unmet = {n: why for n, why in unmet.items() if why}
            if not unmet:
                return
            for name, why in sorted(unmet.items()):
                self.mark_broken(name, why)

    def mark_broken(self, name: str, reason: str) -> None:
        """Take a loaded plugin out at start: its hooks stop answering and it is listed as broken."""
        plugin = self.plugins[name]
        if plugin.impl is not None and self.pm.is_registered(plugin.impl):
            self.pm.unregister(plugin.impl)
        plugin.impl = None
        plugin.error = reason
        self._relays.clear()
        log.error("plugin %s is broken: %s", name, reason)


def _submodule(package: ModuleType, name: str) -> ModuleType | None:
    if not hasattr(package, "__path__"):
        return None
    full = f"{package.__name__}.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def make_plugin_manager(extra: Iterable[tuple[str, ModuleType]] = (), use_entry_points: bool = True) -> PluginRegistry:
    """Build a fresh plugin manager: core's hookspecs, core's own hooks, then every plugin.

    :param extra: ``(name, package)`` pairs to register besides the entry points (tests).
    """
    pm = pluggy.PluginManager("gridgov")
    pm.add_hookspecs(hookspecs)
    registry = PluginRegistry(pm)

    candidates: list[tuple[str, object, str | None]] = []
    if use_entry_points:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            candidates.append((ep.name, ep, getattr(ep.dist, "name", None)))
    for name, package in extra:
        candidates.append((name, package, None))

    claims: dict[str, list[str | None]] = {}
    for name, _source, dist in candidates:
        if dist not in claims.setdefault(name, []):
            claims[name].append(dist)

    loaded: list[LoadedPlugin] = []
    for name, source, dist in candidates:
        if name in registry.plugins and registry.plugins[name].distribution == dist:
            log.warning("plugin %s registered twice; keeping the first", name)
            continue
        problem = name_problem(name)
        rivals = [d for d in claims[name] if d != dist]
        if rivals and not problem:
            if dist == BUILT_IN_DISTRIBUTION:
                pass  # gridgov's own module keeps its name; the others are refused below
            elif BUILT_IN_DISTRIBUTION in rivals:
                registry.refused[f"{name} ({dist or 'unpackaged'})"] = why = clash_message(name, dist, rivals)
                log.error("plugin %s refused: %s", name, why)
                continue
            elif name in registry.plugins:
                continue  # the same clash, already recorded under the name
            else:
                problem = clash_message(name, dist, rivals)
        plugin = LoadedPlugin(name=name, distribution=dist)
        registry.plugins[name] = plugin
        if problem:
            plugin.error = problem
            log.error("plugin %s refused: %s", name, problem)
            continue
        try:
            package = source.load() if hasattr(source, "load") else source
            plugin.package = package
            manifest = getattr(package, "manifest", None)
            if isinstance(manifest, ModuleType):  # a submodule named manifest (tenants.manifest), not one
                manifest = None
            problem = manifest_problem(name, manifest) if manifest is not None else None
            if problem:
                plugin.error = problem
                log.error("plugin %s refused: %s", name, problem)
                continue
            plugin.manifest = manifest
            specs = _submodule(package, "hookspecs")
            if specs is not None:
                pm.add_hookspecs(specs)
            _submodule(package, "models")
            plugin.impl = _submodule(package, "hooks") or package
        except Exception as exc:  # a broken plugin must not take the app down
            plugin.error = f"{type(exc).__name__}: {exc}"
            log.error("plugin %s failed to load: %s\n%s", name, plugin.error, traceback.format_exc())
            continue
        loaded.append(plugin)

    for module_name in CORE_HOOK_MODULES:
        try:
            present = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            present = False
        if present:
            pm.register(importlib.import_module(module_name), name=module_name.removesuffix(".core_hooks"))
    for plugin in loaded:
        try:
            pm.register(plugin.impl, name=plugin.name)
        except Exception as exc:
            plugin.error = f"{type(exc).__name__}: {exc}"
            plugin.impl = None
            log.error("plugin %s failed to register: %s", plugin.name, plugin.error)
    _drop_invalid(pm, registry)
    registry.refuse_unmet_requirements()
    return registry


def _drop_invalid(pm: pluggy.PluginManager, registry: PluginRegistry) -> None:
    # A plugin answering a hook nobody declares (and not marked optionalhook) is broken, not fatal.
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin)
            pm.unregister(exc.plugin)
            plugin = registry.plugins.get(name)
            if plugin is None:
                raise
            plugin.error = f"PluginValidationError: {exc}"
            plugin.impl = None
            log.error("plugin %s is broken: %s", name, exc)
