"""Hook specifications of gridgov core (钩子规范).

Every hook a plugin may implement is declared here, grouped by section. Conventions:

* ``register_<things>`` return a list; core concatenates the answers.
* announcements are past tense and return nothing (``tenant_onboarded``).
* tenant hooks take ``tenant`` first and are called through the per-tenant relay
  (:meth:`core.plugins.PluginRegistry.relay`), so only modules that tenant has enabled answer.
* a plugin may declare hooks of its own (a ``hookspecs`` module in its package); another plugin
  answering them marks its implementation ``optionalhook=True``.

``docs/plugins.md`` documents every hook here, and tests enforce that each has a
``test_hook_<name>``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from core.models import Tenant
    from core.specs import NavItem, Permission, Role, Schedule, TemplateKind, Widget

hookspec = pluggy.HookspecMarker("gridgov")


# --- Wiring: app-wide, called once when the app is built ---------------------------------


@hookspec
def register_routes() -> list[Blueprint]:
    """Return the Flask blueprints of this plugin.

    Blueprints named like the plugin (or ``<plugin>_<suffix>``) are switched off per tenant: a
    tenant that has not enabled the module gets 404 from them. Use URL prefixes
    ``/t/<tenant>/<plugin>`` for pages and ``/api/v1/t/<tenant>/<plugin>`` for the API; the
    ``tenant`` URL value is resolved by core before the view runs.

    Tenant scope: none (app-wide).
    """


@hookspec
def register_permissions() -> list[Permission]:
    """Return the permissions this plugin checks, named ``<plugin>.<action>``, with labels.

    Tenant scope: none (app-wide); whether they apply depends on the module being enabled.
    """


@hookspec
def register_roles() -> list[Role]:
    """Return roles this plugin adds (e.g. ``mediator``) and permissions to add to existing roles.

    A returned ``Role`` whose name already exists adds its permissions to that role.

    Tenant scope: none (app-wide).
    """


@hookspec
def register_cli_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``gridgov`` command line.

    Tenant scope: none; commands that work on a tenant take ``--tenant SLUG``.
    """


@hookspec
def register_template_kinds() -> list[TemplateKind]:
    """Return the kinds of configuration this plugin lets a county publish as templates (县级模板)
    for its townships to adopt: a :class:`core.specs.TemplateKind` each, named
    ``<plugin>.<thing>``, with the schema of one item, the fields a county may lock and the
    functions that write and read a township's own copy.

    Tenant scope: none (app-wide); a township sees the kinds of the modules it has enabled, and
    ``apply``/``read`` are called inside that township's context.
    """


@hookspec
def register_schedules() -> list[Schedule]:
    """Return this plugin's periodic work (定时任务) as :class:`core.specs.Schedule` values:
    ``Schedule("<plugin>.<what>", "<cron>", fn, description)``, ``fn(tenant)``.

    At each tick the queue runs ``fn`` once for every active (not suspended) township that has
    this module enabled (core's and library plugins' schedules: every active township), each
    inside that township's context and its own transaction. A run that raises is rolled back and
    recorded as failed with its reason; the other townships still run. Runs are recorded in
    ``core_schedule_run`` and shown to the platform admin. A schedule whose name does not start
    with its plugin's name, or that repeats another's name, is left out with a warning.

    Tenant scope: none when declared (app-wide); ``fn`` runs in one township's context.
    """


# --- Tenant lifecycle ----------------------------------------------------------------------


@hookspec
def setup_tenant(tenant: Tenant, settings: dict[str, Any]) -> None:
    """Prepare this module for a tenant that has just enabled it (seed default categories,
    scoring rules, standards). Called on the enabled module only, every time it is enabled,
    so it must be idempotent. Runs in the enabling transaction: raising rolls the enabling back.

    Tenant scope: ``tenant`` is in context; write only its rows.
    """


@hookspec
def tenant_onboarded(tenant: Tenant) -> None:
    """Announce that a township has been onboarded from a manifest (its grids, admin and modules
    exist). Runs inside the onboarding transaction.

    Tenant scope: ``tenant`` is in context; only its enabled modules are called.
    """


@hookspec
def demo_data(tenant: Tenant) -> None:
    """Fill a demo township with realistic module data (``gridgov demo``). Core's people and
    grids exist when it is called.

    Tenant scope: ``tenant`` is in context; only its enabled modules are called.
    """


@hookspec
def demo_data_at_scale(tenant: Tenant, scale: dict[str, Any]) -> dict[str, int]:
    """Fill a township generated at scale (``gridgov demo --scale``, :mod:`tenants.bench_data`) with
    module data in proportion to its size, fast: bulk inserts (Core ``insert`` executemany with
    ``tenant_id`` given explicitly, in chunks), never the ORM row by row. Grids, households and
    residents exist when it is called; the caller commits afterwards.

    :param scale: ``name`` (township, county or prefecture), ``factor`` (1.0 = full size),
        ``seed`` (for a deterministic ``random.Random``), ``years`` (of history to spread rows
        over, 2), and the township's ``residents``, ``households`` and ``grids`` counts.
    :returns: rows written per table, e.g. ``{"incidents_incident": 200000}``.

    Tenant scope: ``tenant`` is in context; only its enabled modules are called.
    """


@hookspec
def tenant_archive_contents(tenant: Tenant) -> dict[str, list[str]]:
    """Name what of ``tenant`` this component holds, for the whole-township archive that moves a
    township to another installation or lets it leave (乡镇整体导出): ``{"tables": [table names],
    "uploads": [folders under UPLOAD_DIR, e.g. "incidents/<tenant id>"]}``. Every table with a
    ``tenant_id`` column must be claimed by exactly one component, or the export refuses (and
    core's suite fails), so a forgotten table is never silently left behind. The rows themselves
    are read and written by :mod:`tenants.archive`, which keeps their ids.

    Tenant scope: every installed component is asked, enabled or not (data outlives a switch-off),
    inside a cross-tenant block; answer with names only, reading nothing.
    """


# --- Console -------------------------------------------------------------------------------


@hookspec
def nav_items(tenant: Tenant, user: Any) -> list[NavItem]:
    """Return menu entries for the township console. Core hides those whose ``permission`` the
    user lacks.

    Tenant scope: only the tenant's enabled modules are called.
    """


@hookspec(firstresult=True)
def console_home(tenant: Tenant, user: Any) -> Any:
    """Return the home page (``/t/<tenant>/``) of a tenant that is not a township, e.g. the county
    console (县级控制台): a rendered page or a response. The first answer that is not ``None``
    wins; with none the page is a 404. A township's home is core's dashboard of widgets.

    Tenant scope: ``tenant`` (a county) is in context; the user's membership is checked.
    """


@hookspec
def dashboard_widgets(tenant: Tenant, user: Any) -> list[Widget]:
    """Return widgets (numbers and charts) for the township home dashboard.

    Tenant scope: only the tenant's enabled modules are called; query only ``tenant``'s rows.
    """


@hookspec
def tenant_numbers(tenant: Tenant) -> dict[str, float]:
    """Return headline numbers for the county console's side-by-side comparison of townships,
    keyed ``<module>.<metric>`` (e.g. ``incidents.closure_rate``) with values.

    Tenant scope: called once per township, each inside its own tenant context.
    """


# --- People and grids ----------------------------------------------------------------------


@hookspec
def person_sections(tenant: Tenant, person: Any, user: Any) -> list[dict[str, Any]]:
    """Return sections for a person's page: ``{"title": str, "rows": [(label, value), ...]}``.

    Tenant scope: only the tenant's enabled modules are called.
    """


@hookspec
def person_data_export(tenant: Tenant, person: Any) -> dict[str, Any]:
    """Return everything this module holds about ``person`` for a PIPL access request, as
    JSON-ready data keyed by what it is. Core gathers the answers under each module's name.

    Tenant scope: every installed module is asked, enabled or not (data outlives a switch-off).
    """


@hookspec
def person_anonymised(tenant: Tenant, person: Any) -> None:
    """Erase identifying data this module holds about ``person`` (names, phones, free text
    naming them), keeping rows for statistics. Runs in the anonymising transaction.

    Tenant scope: every installed module is called, enabled or not.
    """


@hookspec
def grid_sections(tenant: Tenant, grid: Any, user: Any) -> list[dict[str, Any]]:
    """Return sections for a grid's page: ``{"title": str, "rows": [(label, value), ...],
    "links": [(label, url), ...]}`` (e.g. open incidents and the printable 随手拍 QR code).
    Check the user's permissions before offering a link.

    Tenant scope: only the tenant's enabled modules are called.
    """


@hookspec
def grid_usage(tenant: Tenant, grid: Any) -> dict[str, int]:
    """Return what this module still keeps in ``grid``'s subtree that would stop it being
    archived, as counts keyed by a label (e.g. ``{"居民": 12, "住户": 4}``); empty or zeros when
    nothing. Core refuses to archive a grid while any answer has a non-zero count.

    Tenant scope: every installed module is called, enabled or not.
    """


@hookspec
def grids_merged(tenant: Tenant, source: Any, target: Any) -> None:
    """Move this module's rows that point at grid ``source`` to grid ``target``; ``source`` is
    archived after the hook returns. Runs in the merging transaction.

    Tenant scope: every installed module is called, enabled or not.
    """


# --- Residents' portal (群众端) --------------------------------------------------------------


@hookspec
def resident_sections(tenant: Tenant, household: Any, card: Any) -> list[dict[str, Any]]:
    """Return sections for the residents' portal home of ``household`` (a phone signed in with
    its household card ``card``): each ``{"key": "<module>.<what>", "title": str (translated),
    "order": int, "html": Markup}``, the html rendered from the module's own template
    ``templates/<module>/resident_<what>.html`` (:func:`core.toolkit.render_section`). Core shows
    them by ``order`` after the household's members and grid, and drops answers missing a key.

    Show this household's data only (never another household's), nothing a resident should not
    see (staff names, other residents), and keep it short: residents read it on a phone.

    Tenant scope: only the tenant's enabled modules are called, inside the tenant's context.
    """


@hookspec
def resident_actions(tenant: Tenant, household: Any, card: Any) -> list[dict[str, Any]]:
    """Return buttons for the residents' portal home: each ``{"key": "<module>.<what>", "title":
    str (translated), "url": str, "order": int}``, usually a page of the module's
    ``<module>_resident`` blueprint under ``/r/<tenant>/<module>/...`` declared ``@resident``.

    Tenant scope: only the tenant's enabled modules are called, inside the tenant's context.
    """
