"""The public plugin API (插件工具箱): everything a plugin needs from core, in one stable place.

Plugins, built-in or third-party, import from here only (``tests/core/test_plugin_api.py`` fails
when a module under ``plugins/`` imports another part of core); names here keep working across
core releases. Grouped by what they are for:

* wiring: ``hookimpl``, ``hookspec``, ``ModuleManifest``, ``NavItem``, ``Permission``, ``Role``,
  ``Widget``, ``hooks`` (the per-tenant relay), ``enabled_modules``, ``module_settings``;
* data: ``db``, ``TenantOwned``, ``Timestamped``, ``UTCDateTime``, ``tenant_fk``, ``utcnow``,
  ``immediate_transaction``, ``reads_first`` (a write view that reads without SQLite's write
  lock and writes only in ``immediate_transaction``), ``reads_replica`` (a read-only view
  content with data seconds old: dashboards, rankings, numbers; read from the streaming replica
  when one is configured and fresh) and ``replica_reads`` (the same for a job's block, see
  ``core/replica.py``), ``tenant_context``, ``cross_tenant``, ``current_tenant_id``,
  ``TenantScopeError``;
* core's models a module reads (never writes: people and grids change through core's services):
  ``Tenant``, ``TenantKind``, ``TenantStatus``, ``User``, ``Grid``, ``GridStatus``, ``Person``,
  ``Household``, ``PartyOrg``, ``GridDuty`` and ``DutyKind`` (who holds which duty on a grid:
  网格长, 网格指导员...); scope helpers ``subtree_condition`` (rows in grid subtrees),
  ``visible`` (rows in the current user's reach for a permission), ``grid_in_reach``,
  ``grid_users`` (the accounts a grid role with a permission attaches to a grid: whom to tell),
  ``grid_place`` (a grid named with its place, ``查冲村 › 一组``; also the ``grid_place`` filter);
  ``grid_by_public_token`` / ``grid_by_legacy_code`` (what a printed QR code or an external
  reference names, see ``core/grid/tokens.py``: put ``grid.public_token`` in anything printed);
* requests: ``requires``/``authenticated``/``public``, ``current_access``, ``csrf``,
  ``bearer_token``, ``sign_in_with_token``, ``ApiError``, ``json_body``, ``load``, ``dump``,
  ``page``, ``page_args``, ``int_arg``, ``choice_arg``, ``known_args`` (query parameters that
  refuse what they do not know), ``doc`` (OpenAPI), ``within_rate_limit`` (a public form's
  submissions per address: core's limiter storage, shared across workers and hosts with Redis);
* residents' portal (群众端): ``resident`` (routes under ``/r/<tenant>/<module>/...`` for a phone
  signed in with a household card; ``g.household``), ``resident_session`` (that card and household
  from a public route, or None), ``render_section`` (a ``resident_sections`` answer's html);
* personal data: ``mask_id``, ``mask_mobile``, ``audit``;
* pages: ``confirm_first`` (a destructive form post asks first, naming what will happen);
  ``typed`` and ``form_errors`` (a refused form shown again with what was typed and each problem
  beside its field), ``refusal_message`` (the flash after a refused action), see
  ``core/console/forms.py``;
* time: ``to_local``, ``from_local``, ``local_now``, ``local_today``, ``date_range``,
  ``local_period``, ``period_bounds``, ``parse_period``, ``bucket_key``, ``period_name``,
  ``format_local``, ``iso_local``, ``tenant_zone``, ``LocalDateTime`` (see ``core/localtime.py``);
* uploaded files: ``storage()`` (save/open/delete/entries by a relative key such as
  ``<module>/<tenant id>/<name>``, on ``UPLOAD_DIR`` or an S3-compatible store) and
  ``StoredFileMissing`` (see ``core/storage.py``); ``check_image`` and ``CheckedImage`` (a photo
  checked by its content, shrunk when over the limit, EXIF/GPS dropped, see ``core/images.py``);
* spreadsheets: ``XlsxBook`` (sheets of ``Column`` headers, rows streamed), ``write_xlsx``,
  ``xlsx_response``, ``write_csv``, ``csv_response``, ``safe_value``: formula text neutralised,
  control characters dropped, local time (see ``core/exports.py``);
* idempotency: nothing to import: every API write accepts ``Idempotency-Key`` (``core/api/idempotency.py``);
* county templates (县级模板): ``TemplateKind``, ``county_template``, ``adopt_template``,
  ``override_template_item``;
* language: ``gettext``, ``pgettext``, ``N_``, ``localise_errors`` (marshmallow's and ``N_``-marked
  messages in the request's language, see ``core/i18n.py``);
* background work: ``start_job``, ``get_job``, ``job_result``, ``Job``, ``JobRun`` (jobs on the task
  queue, see ``core/jobs.py``), ``Schedule`` (answer ``register_schedules``) and ``run_schedule``
  (run one now, see ``core/schedules.py``).

Test fixtures for a plugin's own suite come with gridgov as a pytest plugin
(``core.pytest_plugin``: ``create_user``, ``api_as``, ...; ``tenants.pytest_plugin``: ``create_tenant``,
``create_county``, ``enable_module``).
"""
from __future__ import annotations

from flask_babel import gettext, pgettext

from core.api import choice_arg, doc, dump, int_arg, json_body, known_args, load, page, page_args
from core.archive_contents import archive_contents
from core.audit import record as audit
from core.auth import authenticated, csrf, current_access, public, requires, resident
from core.auth.access import grid_users
from core.auth.throttle import within_rate_limit
from core.auth.token_access import bearer_token, sign_in_with_token
from core.confirm import confirm_first
from core.county_templates.service import adopt_template, county_template, override_template_item
from core.db import Timestamped, UTCDateTime, db, immediate_transaction, reads_first, utcnow
from core.errors import ApiError
from core.replica import reads_replica, replica_reads
from core.exports import Column, XlsxBook, csv_response, safe_value, write_csv, write_xlsx, xlsx_response
from core.grid.models import DutyKind, Grid, GridDuty, GridStatus, PartyOrg
from core.grid.place import grid_place
from core.grid.tokens import grid_by_legacy_code, grid_by_public_token
from core.grid.scope import grid_in_reach, subtree_condition, visible
from core.hookspecs import hookspec
from core.console.forms import form_errors, refusal_message, typed
from core.i18n import N_, localise_errors
from core.images import CheckedImage, check_image
from core.jobs import Job, JobRun
from core.jobs import get as get_job
from core.jobs import result as job_result
from core.jobs import start as start_job
from core.localtime import (LocalDateTime, bucket_key, date_range, format_local, from_local, iso_local, local_now,
                            local_period, local_today, parse_period, period_bounds, period_name, tenant_zone, to_local)
from core.models import Tenant, TenantKind, TenantStatus, User
from core.modules import enabled_modules, hooks, module_settings
from core.people.identity import mask_id, mask_mobile
from core.people.models import Household, Person
from core.plugins import hookimpl
from core.residents.signin import resident_session
from core.residents.summary import render_section
from core.specs import ModuleManifest, NavItem, Permission, Role, Schedule, TemplateKind, Widget
from core.schedules import run_now as run_schedule
from core.storage import StoredFileMissing, storage
from core.tenancy import TenantOwned, TenantScopeError, cross_tenant, current_tenant_id, tenant_context, tenant_fk

# everything imported above is the API: a name added to the imports is exported
__all__ = sorted(name for name in dir() if not name.startswith("_") and name != "annotations")
