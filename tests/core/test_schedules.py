"""Schedules (core.schedules): declared through register_schedules, fired through the queue once per
tick, run per active township that has the module on, each in its own transaction; a failing
township is recorded with its reason and rolled back while the others run; the platform admin
sees the runs; the CLI lists and runs them."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from core.db import db
from core.models import ScheduleRun, TenantStatus
from core.plugins import hookimpl
from core.schedules import declared, fire, run_now, townships_for
from core.specs import Schedule
from core.tenancy import tenant_context

NIGHTLY = "civic_notes.nightly_notes"
NIGHT = dt.datetime(2026, 3, 31, 15, 30)  # 23:30 in Beijing: the night round's tick


def notes(town) -> list[str]:
    from gridgov_civic_notes.models import Note

    db.session.commit()
    with tenant_context(town):
        return list(db.session.scalars(select(Note.text).where(Note.author == "schedule").order_by(Note.id)))


def runs_of(town, name: str = NIGHTLY) -> list[ScheduleRun]:
    db.session.commit()
    with tenant_context(town):
        return list(db.session.scalars(select(ScheduleRun).where(ScheduleRun.schedule == name).order_by(ScheduleRun.id)))


def wait_runs(towns, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(runs_of(t) for t in towns):
            return
        time.sleep(0.1)
    raise AssertionError("the schedule's runs were not recorded")


def audited(tenant):
    from flask import g

    from core import audit
    from core.tenancy import current_tenant_id

    audit.record("probe.scheduled", object_type="probe", after={"in": current_tenant_id(), "g": g.tenant.id})
    return "audited"


class Probe:
    """A library plugin (no manifest): its schedules run in every active township."""

    @hookimpl
    def register_schedules(self):
        return [Schedule("probe_sched.tick", "0 3 * * 1", audited, "probe"),
                Schedule("someone_else.tick", "0 3 * * *", audited)]  # not its name: left out


def test_hook_register_schedules(app, db_session, register_plugin):
    register_plugin(Probe(), "probe_sched")
    found = declared()
    assert found[NIGHTLY].module == "civic_notes" and found[NIGHTLY].schedule.cron == "30 23 * * *"
    assert found["incidents.escalate_overdue"].module == "incidents"
    assert found["probe_sched.tick"].module is None and "someone_else.tick" not in found
    listed = app.test_cli_runner().invoke(args=["--lang", "en", "schedules", "list"])
    assert listed.exit_code == 0 and NIGHTLY in listed.output and "probe_sched.tick" in listed.output
    assert "(all townships)" in listed.output


def test_a_run_is_in_its_townships_context_and_audited_as_the_schedule(app, db_session, register_plugin,
                                                                       create_tenant):
    from core.models import AuditEntry

    register_plugin(Probe(), "probe_sched")
    town = create_tenant()
    [outcome] = run_now("probe_sched.tick", town)
    assert (outcome.tenant_slug, outcome.status, outcome.result) == (town.slug, "succeeded", "audited")
    with tenant_context(town):
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "probe.scheduled")).all()
    assert entry.after == {"in": town.id, "g": town.id} and entry.actor == "schedule:probe_sched.tick"
    assert entry.user_id is None


def test_a_schedule_is_checked_when_declared_and_its_cron_is_beijing_time():
    for name in ("Bad.name", "nomodule", "core.", "a.b-c"):
        with pytest.raises(ValueError, match="module"):
            Schedule(name, "* * * * *", print)
    for cron in ("* * * *", "61 * * * *", "*/5 * * * * *"):
        with pytest.raises(ValueError):
            Schedule("core.probe", cron, print)
    nightly = Schedule("core.probe", "30 23 * * *", print)
    assert nightly.matches(NIGHT) and not nightly.matches(NIGHT + dt.timedelta(hours=8))
    assert nightly.matches(NIGHT.replace(tzinfo=dt.timezone.utc))


def test_incidents_escalates_overdue_every_five_minutes(app, db_session):
    entry = declared()["incidents.escalate_overdue"]
    assert entry.schedule.cron == "*/5 * * * *"
    assert entry.schedule.matches(dt.datetime(2026, 1, 1, 4, 55)) and not entry.schedule.matches(dt.datetime(2026, 1, 1, 4, 56))


def test_a_tick_runs_through_the_queue_in_each_active_township_with_the_module(app, db_session, create_tenant,
                                                                                 consumer):
    from tenants.onboarding import set_status

    on, also = create_tenant(modules=["civic_notes"]), create_tenant(modules=["civic_notes"])
    off, paused = create_tenant(), create_tenant(modules=["civic_notes"])
    set_status(paused, TenantStatus.suspended)
    db.session.commit()
    targets = {t.id for t in townships_for(declared()[NIGHTLY])}
    assert {on.id, also.id} <= targets and not {off.id, paused.id} & targets
    enqueued = fire(NIGHTLY, now=NIGHT)
    assert {on.id, also.id} <= set(enqueued) and paused.id not in enqueued
    # another consumer's copy of the same tick, even a minute late, is dropped
    assert fire(NIGHTLY, now=NIGHT) == [] and fire(NIGHTLY, now=NIGHT + dt.timedelta(minutes=1)) == []
    wait_runs([on, also])
    for town in (on, also):
        [run] = runs_of(town)
        assert (run.status, run.trigger, run.error) == ("succeeded", "schedule", None)
        assert run.started_at <= run.finished_at
        assert notes(town) == ["夜巡", "夜间巡查：本网格今日平安无事"]
    assert notes(paused) == [] and runs_of(paused) == [] and runs_of(off) == []


def test_a_failing_township_is_recorded_rolled_back_and_the_others_still_run(app, db_session, create_tenant):
    good = create_tenant(modules=["civic_notes"])
    bad = create_tenant(modules={"civic_notes": {"max_length": 10}})  # the second note is too long there
    outcomes = {o.tenant_slug: o for o in run_now(NIGHTLY)}
    assert outcomes[good.slug].status == "succeeded" and len(outcomes[good.slug].result) == 2
    assert outcomes[bad.slug].status == "failed" and "日记长度不符" in outcomes[bad.slug].error
    [failed] = runs_of(bad)
    assert (failed.status, failed.trigger) == ("failed", "manual") and failed.error.startswith("ApiError: ")
    assert notes(bad) == []  # the first note went with the failure: nothing half-done
    assert notes(good) == ["夜巡", "夜间巡查：本网格今日平安无事"]
    cli = app.test_cli_runner()
    again = cli.invoke(args=["--lang", "en", "schedules", "run", NIGHTLY, "--tenant", bad.slug])
    assert again.exit_code == 1 and f"{bad.slug}: Failed: ApiError" in again.output
    assert len(runs_of(bad)) == 2 and len(runs_of(good)) == 1  # only the named township ran
    assert cli.invoke(args=["--lang", "en", "schedules", "run", "civic_notes.nosuch"]).exit_code != 0
    off = create_tenant()
    refused = cli.invoke(args=["--lang", "en", "schedules", "run", NIGHTLY, "--tenant", off.slug])
    assert refused.exit_code != 0 and "does not run in" in refused.output and runs_of(off) == []


def test_the_platform_admin_sees_recent_runs(app, db_session, create_tenant, create_user, api_as, english_only):
    bad = create_tenant(modules={"civic_notes": {"max_length": 10}})
    run_now(NIGHTLY, bad)
    admin = api_as(create_user(platform_admin=True))
    listed = admin.get("/api/v1/platform/schedules").get_json()
    nightly = next(s for s in listed if s["name"] == NIGHTLY)
    assert nightly["cron"] == "30 23 * * *" and nightly["module"] == "civic_notes" and nightly["latest_run"]
    runs = admin.get(f"/api/v1/platform/schedules/runs?schedule={NIGHTLY}&status=failed").get_json()
    mine = [r for r in runs if r["tenant"] == bad.slug]
    assert mine and mine[0]["status"] == "failed" and "日记长度不符" in mine[0]["error"] and mine[0]["finished_at"]
    assert admin.get("/api/v1/platform/schedules/runs?limit=0").status_code == 422
    assert admin.get("/api/v1/platform/schedules/runs?status=maybe").get_json()["error"]["fields"]["status"]
    page = admin.client.get("/admin/schedules")
    assert page.status_code == 200 and NIGHTLY in page.get_data(as_text=True)
    english = admin.client.get("/admin/schedules?lang=en").get_data(as_text=True)
    assert "Recent runs" in english and "Failed" in english
    shown = admin.get("/api/v1/platform/schedules/runs").get_json()
    english_only(english, [s["description"] for s in listed] + [r["tenant_name"] for r in shown]
                 + [r["error"] for r in shown if r["error"]])
    town_admin = api_as(create_user(roles=[(bad, "township_admin")]))
    assert town_admin.get("/api/v1/platform/schedules/runs").status_code == 403
    assert town_admin.client.get("/admin/schedules").status_code == 403
    assert app.test_client().get("/api/v1/platform/schedules").status_code == 401


def test_a_consumer_registers_one_periodic_task_per_schedule(app):
    from core.queue import huey_of, register_periodic

    names = register_periodic(app)
    assert NIGHTLY in names and "incidents.escalate_overdue" in names
    registered = {key.removeprefix("core.queue.") for key in huey_of(app)._registry._registry}
    assert {f"gridgov.periodic.{NIGHTLY}", "gridgov.periodic.incidents.escalate_overdue", "gridgov.sweep"} <= registered
    assert register_periodic(app) == names  # a second start adds nothing twice
