"""Schedules (定时任务): periodic work that plugins declare, run once per township at each tick.

Plugins answer ``register_schedules()`` with :class:`core.specs.Schedule` values. The queue
(:mod:`core.queue`) registers one huey periodic task per schedule; at each tick
:func:`fire` claims the tick once in the queue's store (several consumers run schedulers) and
enqueues one ``gridgov.schedule`` task per township the schedule applies to
(:func:`townships_for`): every active township for core's schedules and library plugins', and
for a module's only the active townships that have it enabled. Suspended townships are skipped.

:func:`run_for_tenant` is one run: a fresh app context (its own ``g`` and database session, so
no identity map is shared between townships), the township in context, ``g.tenant`` set and
``g.access`` township-wide, a write transaction taken up front (SQLite ``BEGIN IMMEDIATE``, as
write requests do, so a schedule that reads then writes never loses its lock upgrade to a
concurrent writer). The run is committed with its :class:`~core.models.schedule.ScheduleRun`
row; if ``fn`` raises, everything it did is rolled back and a failed row records the reason.
A township's failure is caught there, so the other townships' tasks run regardless.

A schedule is not retried: its next tick runs it again, and a retry could act twice for
work that is not idempotent. Manual runs: ``gridgov schedules run NAME [--tenant SLUG]``.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import gettext
from sqlalchemy import select

from core.db import db, utcnow
from core.models import ScheduleRun, Tenant, TenantKind, TenantModule, TenantStatus
from core.models.schedule import FAILED, SUCCEEDED
from core.specs import Schedule
from core.tenancy import cross_tenant, tenant_context

log = logging.getLogger("gridgov.schedules")
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Declared:
    schedule: Schedule
    plugin: str
    module: str | None  # the switchable module it belongs to; None: core or a library plugin


@dataclass
class Outcome:
    """One township's run as recorded (``status``, ``error``) and what ``fn`` returned
    (``None`` on failure)."""

    tenant_slug: str
    status: str
    error: str | None = None
    result: Any = None


def declared() -> dict[str, Declared]:
    """Every schedule the loaded plugins declare now, by name. Misnamed or repeated ones are
    left out with a warning (the rest still run), as broken plugins are."""
    registry = current_app.extensions["gridgov.plugins"]
    found: dict[str, Declared] = {}
    for impl in registry.pm.hook.register_schedules.get_hookimpls():
        plugin = impl.plugin_name
        core_side = plugin == "core" or plugin.startswith("core.")
        try:
            answer = impl.function() or []
        except Exception:
            log.exception("plugin %s: register_schedules failed; its schedules are left out", plugin)
            continue
        for schedule in answer:
            expected = "core" if core_side else plugin
            if not isinstance(schedule, Schedule) or schedule.module != expected:
                log.warning("plugin %s: schedule %r left out: its name must start with %r", plugin,
                            getattr(schedule, "name", schedule), f"{expected}.")
                continue
            if schedule.name in found:
                log.warning("plugin %s: schedule %s left out: the name is taken", plugin, schedule.name)
                continue
            module = plugin if plugin in registry.modules else None
            found[schedule.name] = Declared(schedule, plugin, module)
    return found


def townships_for(entry: Declared) -> list[Tenant]:
    """The active townships ``entry`` runs in (with its module enabled, if it is a module's)."""
    stmt = select(Tenant).where(Tenant.kind == TenantKind.township, Tenant.status == TenantStatus.active)
    if entry.module is not None:
        with cross_tenant(f"townships with module {entry.module} for schedule {entry.schedule.name}"):
            on = select(TenantModule.tenant_id).where(TenantModule.module == entry.module,
                                                      TenantModule.enabled.is_(True))
            return list(db.session.scalars(stmt.where(Tenant.id.in_(on)).order_by(Tenant.id)))
    return list(db.session.scalars(stmt.order_by(Tenant.id)))


def applies(entry: Declared, tenant: Tenant) -> bool:
    """Whether ``entry`` runs in ``tenant`` (the same rule as :func:`townships_for`)."""
    from core.modules import enabled_modules

    if tenant.kind != TenantKind.township or tenant.status != TenantStatus.active:
        return False
    return entry.module is None or entry.module in enabled_modules(tenant)


def fire(name: str, now: dt.datetime | None = None) -> list[int]:
    """The tick of schedule ``name`` (from huey's periodic task): claim it, then enqueue one
    run per township; returns their ids (empty when another consumer claimed the tick)."""
    from core import queue

    entry = declared().get(name)
    if entry is None:
        return []
    tick = _tick_of(entry.schedule, now or utcnow())
    if not queue.huey_of().storage.put_if_empty(f"gridgov.tick.{name}.{tick:%Y%m%d%H%M}",
                                                dt.datetime.now(dt.timezone.utc).isoformat().encode()):
        log.info("schedule %s: tick %s already claimed by another consumer", name, tick)
        return []
    ids = [t.id for t in townships_for(entry)]
    run = queue.task("schedule")
    for tenant_id in ids:
        run(name, tenant_id, "schedule")
    return ids


def _tick_of(schedule: Schedule, now: dt.datetime) -> dt.datetime:
    """The minute the schedule last fired at or before ``now`` (looking back up to a day), so a
    duplicate of the tick that runs a minute late still claims the same key."""
    minute = now.replace(second=0, microsecond=0)
    for back in range(24 * 60):
        candidate = minute - dt.timedelta(minutes=back)
        if schedule.matches(candidate):
            return candidate
    return minute


def run_for_tenant(name: str, tenant_id: int, trigger: str = "schedule") -> Outcome | None:
    """Run schedule ``name`` in township ``tenant_id`` now and record the run; ``None`` when
    the schedule is unknown or does not apply there (suspended, module switched off)."""
    entry = declared().get(name)
    with current_app.app_context():  # a fresh g and session for this township
        try:
            tenant = db.session.get(Tenant, tenant_id)
            if entry is None or tenant is None or not applies(entry, tenant):
                log.info("schedule %s: skipped for tenant %s (unknown, suspended or module off)", name, tenant_id)
                return None
            return _run(entry, tenant.id, tenant.slug, trigger)
        finally:
            db.session.remove()


def _run(entry: Declared, tenant_id: int, slug: str, trigger: str) -> Outcome:
    from core.auth.access import Access

    name, started = entry.schedule.name, utcnow()
    db.session.commit()  # end the lookup's read transaction: the run takes the write lock anew
    with tenant_context(tenant_id):
        try:
            db.session.connection(execution_options={"sqlite_immediate": True})
            g.tenant = db.session.get(Tenant, tenant_id)
            g.acting_user, g.acting_as = None, f"schedule:{name}"[:64]
            g.access = Access(tenant=g.tenant, everything=True)
            result = entry.schedule.fn(g.tenant)
            run = ScheduleRun(schedule=name, trigger=trigger, status=SUCCEEDED, started_at=started,
                              finished_at=utcnow())
            db.session.add(run)
            db.session.commit()
        except Exception as exc:  # the township's failure is recorded; the others run regardless
            db.session.rollback()
            log.exception("schedule %s failed in %s", name, slug)
            reason = _reason(exc)
            db.session.add(ScheduleRun(schedule=name, trigger=trigger, status=FAILED, started_at=started,
                                       finished_at=utcnow(), error=reason))
            db.session.commit()
            return Outcome(slug, FAILED, reason)
    return Outcome(slug, SUCCEEDED, None, result)


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}"[:ERROR_LENGTH]


def run_now(name: str, tenant: Tenant | str | None = None, trigger: str = "manual") -> list[Outcome]:
    """Run schedule ``name`` here and now: in ``tenant`` (a Tenant or its slug) only, or in
    every township it applies to, one after another (``gridgov schedules run``). Raises
    ``KeyError`` for an unknown name and ``ValueError`` for a tenant it does not apply to."""
    entry = declared()[name]
    if isinstance(tenant, str):
        slug, tenant = tenant, db.session.scalar(select(Tenant).where(Tenant.slug == tenant))
        if tenant is None:
            raise ValueError(gettext("没有标识为 %(slug)s 的乡镇", slug=slug))
    if tenant is not None and not applies(entry, tenant):
        raise ValueError(gettext("%(name)s 不在 %(slug)s 运行（不是启用了 %(module)s 的在用乡镇）", name=name,
                                 slug=tenant.slug, module=entry.module or name))
    ids = [tenant.id] if tenant is not None else [t.id for t in townships_for(entry)]
    db.session.commit()
    outcomes = []
    for tenant_id in ids:
        try:
            outcome = run_for_tenant(name, tenant_id, trigger)
        except Exception as exc:  # not even the failure could be recorded (database gone): go on
            log.exception("schedule %s: run in tenant %s not recorded", name, tenant_id)
            outcome = Outcome(str(tenant_id), FAILED, f"not recorded: {_reason(exc)}")
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def recent_runs(limit: int = 100, schedule: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """The newest runs of every township (the platform admin's view), as JSON-ready dicts."""
    with cross_tenant("platform admin: recent schedule runs"):
        stmt = (select(ScheduleRun, Tenant.slug, Tenant.name).join(Tenant, Tenant.id == ScheduleRun.tenant_id)
                .order_by(ScheduleRun.started_at.desc(), ScheduleRun.id.desc()).limit(limit))
        if schedule:
            stmt = stmt.where(ScheduleRun.schedule == schedule)
        if status:
            stmt = stmt.where(ScheduleRun.status == status)
        rows = db.session.execute(stmt).all()
    return [{"id": r.id, "schedule": r.schedule, "tenant": slug, "tenant_name": tenant_name, "trigger": r.trigger,
             "status": r.status, "started_at": _iso(r.started_at), "finished_at": _iso(r.finished_at), "error": r.error}
            for r, slug, tenant_name in rows]


def _iso(value: dt.datetime | None) -> str | None:
    """Beijing time with its offset, as the API shows moments (schedules are platform-wide)."""
    from core.localtime import iso_local

    return iso_local(value)
