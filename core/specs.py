"""Plain value types that hooks exchange: module manifests, permissions, roles, menu items, schedules.

Plugins build these and return them from ``register_*`` hooks; core never imports a plugin.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from zoneinfo import ZoneInfo

from huey import crontab
from marshmallow import Schema


@dataclass(frozen=True)
class ModuleManifest:
    """What a module says about itself (模块清单). Lives in the plugin package as ``manifest``.

    :param name: snake_case name: entry point, blueprint, URL segment, table prefix, permission prefix.
    :param title_zh: Chinese title shown in the console.
    :param title_en: English title.
    :param description: one paragraph for the module switches page.
    :param requires: names of modules that must be enabled first.
    :param settings_schema: marshmallow schema of per-tenant settings; its ``load_default`` values
        are the defaults.
    """

    name: str
    title_zh: str
    title_en: str
    description: str = ""
    version: str = "0.1.0"
    requires: tuple[str, ...] = ()
    settings_schema: type[Schema] | None = None

    def _schema(self) -> Schema:
        """The settings schema, built once per manifest (building one deep-copies its fields:
        it was done three times for every read of a module's settings)."""
        built = self.__dict__.get("_built_schema")
        if built is None or built[0] is not self.settings_schema:
            built = (self.settings_schema, self.settings_schema())
            object.__setattr__(self, "_built_schema", built)
        return built[1]

    def default_settings(self) -> dict[str, Any]:
        if self.settings_schema is None:
            return {}
        return self._schema().load({})

    def load_settings(self, data: dict[str, Any] | None) -> dict[str, Any]:
        """Validate settings; raises ``marshmallow.ValidationError`` with field errors."""
        if self.settings_schema is None:
            return {}
        return self._schema().load(data or {})

    def dump_settings(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.settings_schema is None:
            return {}
        return self._schema().dump(data)


@dataclass(frozen=True)
class Permission:
    """A named permission such as ``people.read`` with its labels."""

    name: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class Role:
    """A role and the permissions it carries by default.

    :param scope: ``platform``, ``county`` (reaches the county's townships), ``tenant`` (one
        township) or ``grid`` (a grid and its whole subtree).
    """

    name: str
    label_zh: str
    label_en: str
    scope: str = "tenant"
    permissions: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class NavItem:
    """A console menu entry. ``endpoint`` is a Flask endpoint taking the ``tenant`` URL value.

    ``tenant_kinds``: where the entry appears (``township`` by default; ``county`` for the county
    console), so a township's pages never show in a county's menu.
    """

    label_zh: str
    label_en: str
    endpoint: str
    permission: str | None = None
    order: int = 100
    icon: str = ""
    tenant_kinds: tuple[str, ...] = ("township",)


@dataclass(frozen=True)
class Widget:
    """A dashboard widget: a title, a number or a chart, rendered by the console.

    :param kind: ``number`` or ``text`` (``value``), ``bar``, ``line`` or ``pie`` (``series``: list of (label, value)).
    :param detail: what a number is made of, shown under it (``13/14`` under a rate); a number whose
        ``value`` is ``None`` shows "—" (nothing to count yet), never a misleading 0.
    """

    key: str
    title_zh: str
    title_en: str
    kind: str = "number"
    value: float | int | None = None
    series: list[tuple[str, float]] = field(default_factory=list)
    order: int = 100
    link_endpoint: str | None = None
    detail: str | None = None


SCHEDULE_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
# Cron fields are read in Beijing time (core.localtime's default zone), where the townships are:
# "0 1 1 * *" is 1 am on the first of the month in Beijing, whatever the host's zone. Schedules
# fire once for every township, so a township's own zone setting does not move them.
SCHEDULE_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Schedule:
    """Periodic work a module declares (定时任务), run once per township at each tick.

    :param name: ``<module>.<what>``, e.g. ``incidents.escalate_overdue``; the prefix is the
        declaring plugin's name (``core`` for core's own).
    :param cron: five crontab fields, ``minute hour day month day_of_week`` (0 = Sunday), in
        Beijing time: ``*/5 * * * *`` every five minutes, ``0 2 * * 1`` Mondays at 02:00.
    :param fn: ``fn(tenant)``, called inside that township's context and its own transaction,
        committed when it returns and rolled back when it raises (the run is then recorded as
        failed with the reason). Its return value is shown by ``gridgov schedules run``.
    :param description: one line for ``gridgov schedules list`` and the platform admin.
    """

    name: str
    cron: str
    fn: Callable[[Any], Any]
    description: str = ""

    def __post_init__(self):
        if not SCHEDULE_NAME.match(self.name or ""):
            raise ValueError(f"schedule name {self.name!r} is not '<module>.<what>' (snake_case)")
        fields_ = (self.cron or "").split()
        if len(fields_) != 5:
            raise ValueError(f"schedule {self.name}: cron {self.cron!r} needs 5 fields (minute hour day month weekday)")
        minute, hour, day, month, weekday = fields_
        object.__setattr__(self, "_test", crontab(minute=minute, hour=hour, day=day, month=month,
                                                  day_of_week=weekday, strict=True))
        if not callable(self.fn):
            raise ValueError(f"schedule {self.name}: fn must be callable")

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

    def matches(self, when: dt.datetime) -> bool:
        """Whether the schedule fires in the minute of ``when`` (naive UTC, or aware)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return self._test(when.astimezone(SCHEDULE_ZONE).replace(tzinfo=None))


@dataclass(frozen=True)
class TemplateKind:
    """Configuration a county may publish and its townships adopt (县级模板), e.g. incident
    categories. A template's data is a list of items, each identified by ``key_field``.

    :param name: ``<module>.<thing>`` (``incidents.categories``); the module part decides which
        townships see it (those that enabled the module).
    :param label_zh: Chinese label; :param label_en: English label.
    :param item_schema: marshmallow schema of one item (an allow-list: unknown fields raise).
    :param key_field: the item field that names an item across versions and in the copy (``code``).
    :param lockable: item fields the county may lock; a township can neither override a locked
        field nor (when the kind's "off" field such as ``active`` is locked) drop a county item.
    :param apply: ``apply(tenant, items, removed)`` writes the township's own rows from the adopted
        items (county values with local overrides applied) and handles ``removed`` keys (items the
        county dropped). Runs in the township's context, in the adopting transaction; must flush.
    :param read: ``read(tenant) -> list[dict]``: the township's current copy, items shaped like
        ``item_schema`` (its own additions included).
    :param defaults: ``defaults() -> list[dict]``: the list a county starts with (seeded lazily).
    """

    name: str
    label_zh: str
    label_en: str
    item_schema: type[Schema]
    key_field: str
    apply: Callable[..., None]
    read: Callable[..., list[dict[str, Any]]]
    lockable: tuple[str, ...] = ()
    defaults: Callable[[], list[dict[str, Any]]] | None = None

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

