"""Background jobs (core.jobs) on the task queue: run by a real consumer with their tenant, user and
own transaction; state in the queue's store that another app reads; stale heartbeats; retries of
transient failures only; old states swept."""
from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from core import audit, jobs
from core.db import db
from core.errors import ApiError
from core.models.audit import AuditEntry
from core.tenancy import TenantScopeError, current_tenant_id, tenant_context

SEEN: dict = {}
ROOT = Path(__file__).resolve().parents[2]


def wait(tenant_id: int, job_id: str, seconds: float = 60) -> jobs.Job:
    """Poll the job's state until it has finished (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = jobs.get(job_id, tenant_id)
        if job is not None and job.finished:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def entries(tenant, action: str) -> list[AuditEntry]:
    db.session.commit()  # a fresh snapshot (SQLite)
    with tenant_context(tenant):
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# work functions are module-level: the consumer imports them by name
def counting(run):
    SEEN[run.id] = {"tenant": current_tenant_id(), "g_tenant": g.tenant.id, "user": g.acting_user.id,
                    "can": g.access.can("people.import"), "params": run.params}
    run.progress("count", 0, 3)
    audit.record("jobs.probe", object_type="probe", after={"n": run.params["n"]})
    run.progress("count", 3, 3)
    return {"counted": run.params["n"]}


def refused(run):
    audit.record("jobs.refused", object_type="probe")
    db.session.flush()
    run.result = {"partial": True}
    raise ApiError(422, "probe_rejected", "不行", {"file": ["坏文件"]})


def crashing(run):
    audit.record("jobs.crashed", object_type="probe")
    raise RuntimeError("secret internals")


def busy_once(run):
    """Fails like a locked SQLite database on its first attempt, then writes."""
    audit.record("jobs.busy", object_type="probe", after={"attempt": run.job.attempts})
    if run.job.attempts == 1 or run.params.get("always"):
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    return {"attempt": run.job.attempts}


def many_steps(run):
    for phase in ("check", "write"):
        for n in range(1, 20001):
            run.progress(phase, n, 20000)


def ok(run):
    return {"ok": 1}


def slow(run):
    """Writes, then takes a minute: long enough to stop its consumer half-way."""
    audit.record("jobs.slow", object_type="probe")
    db.session.flush()
    for n in range(600):
        run.progress("wait", n + 1, 600)
        time.sleep(0.1)


def worker_process(app) -> subprocess.Popen:
    """``gridgov worker`` in its own process, on the test app's database and queue."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "GRIDGOV_INSTANCE": app.instance_path,
           "GRIDGOV_ENV": "development", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "core.cli_main", "worker", "--workers", "1", "--no-periodic"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_job_runs_in_its_tenant_as_its_user_commits_and_keeps_its_result(app, db_session, create_tenant,
                                                                            create_user, consumer):
    town, other = create_tenant(), create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    job = jobs.start("probe", counting, params={"n": 3}, tenant=town, user=user, write=True)
    assert job.status == jobs.QUEUED and len(job.id) == 32
    done = wait(town.id, job.id)
    assert done.status == jobs.SUCCEEDED, done.error
    assert SEEN[job.id] == {"tenant": town.id, "g_tenant": town.id, "user": user.id, "can": True, "params": {"n": 3}}
    assert (done.phase, done.done, done.total, done.percent) == ("count", 3, 3, 100)
    assert done.started_at and done.finished_at and jobs.result(done) == {"counted": 3}
    [entry] = entries(town, "jobs.probe")
    assert entry.user_id == user.id and entry.actor == user.username  # audited as the starter
    assert entries(other, "jobs.probe") == []
    assert jobs.get(job.id, other.id) is None  # another tenant's key holds no such job


def test_a_failing_job_rolls_back_and_says_why(app, db_session, create_tenant, create_user, consumer):
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    first = wait(town.id, jobs.start("probe", refused, tenant=town, user=user, retries=3).id)
    assert first.status == jobs.FAILED and first.attempts == 1  # a refusal is not retried
    assert first.error == {"code": "probe_rejected", "message": "不行", "fields": {"file": ["坏文件"]}}
    assert jobs.result(first) == {"partial": True}
    second = wait(town.id, jobs.start("probe", crashing, tenant=town, user=user, retries=3).id)
    assert second.error["code"] == "internal_error" and "secret" not in str(second.progress_dict())
    assert second.attempts == 1 and jobs.result(second) is None
    assert entries(town, "jobs.refused") == [] and entries(town, "jobs.crashed") == []


def test_a_transient_failure_is_retried_where_the_job_declares_it(app, db_session, create_tenant, create_user,
                                                                  consumer, monkeypatch):
    monkeypatch.setattr(jobs, "RETRY_DELAY", 0)
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    retried = wait(town.id, jobs.start("probe", busy_once, tenant=town, user=user, retries=2, write=True).id)
    assert retried.status == jobs.SUCCEEDED and retried.attempts == 2 and jobs.result(retried) == {"attempt": 2}
    assert [e.after["attempt"] for e in entries(town, "jobs.busy")] == [2]  # the first attempt was rolled back
    once = wait(town.id, jobs.start("probe", busy_once, tenant=town, user=user).id)  # no retries declared
    assert once.status == jobs.FAILED and once.error["code"] == "busy" and once.attempts == 1
    spent = wait(town.id, jobs.start("probe", busy_once, params={"always": True}, tenant=town, user=user, retries=1).id)
    assert spent.status == jobs.FAILED and spent.error["code"] == "busy" and spent.attempts == 2


def test_work_must_be_a_module_level_function(app, db_session, create_tenant, create_user):
    town = create_tenant()
    with pytest.raises(ValueError, match="module-level"):
        jobs.start("probe", lambda run: None, tenant=town)

    def local(run):
        return None

    with pytest.raises(ValueError, match="module-level"):
        jobs.start("probe", local, tenant=town)


def test_progress_is_throttled_and_phases_are_written_at_once(app, db_session, create_tenant, create_user,
                                                              monkeypatch, consumer):
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    writes = []
    real = jobs.write_state
    monkeypatch.setattr(jobs, "write_state", lambda key, data, app=None: (writes.append(data), real(key, data, app)))
    job = wait(town.id, jobs.start("probe", many_steps, tenant=town, user=user).id)
    states = [w for w in writes if isinstance(w, dict) and w.get("id") == job.id]
    assert len(states) < 200  # 40,000 progress calls
    ends = [(s["phase"], s["done"]) for s in states if s["done"] == 20000]
    assert ("check", 20000) in ends and ("write", 20000) in ends


def test_state_is_read_from_the_queue_store_by_another_app(app, db_session, create_tenant, create_user, consumer):
    """A second app (another gunicorn worker, or a web host on the same queue) sees the same job."""
    from core import create_app

    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    job = wait(town.id, jobs.start("probe", ok, tenant=town, user=user).id)
    other = create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_PATH": app.instance_path})
    try:
        with other.app_context(), tenant_context(town.id):
            again = jobs.get(job.id)
            assert again.progress_dict() == job.progress_dict() and jobs.result(again) == {"ok": 1}
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_running_job_with_a_stale_heartbeat_reads_as_failed_and_a_queued_one_waits(app, db_session,
                                                                                      create_tenant):
    town = create_tenant()
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=jobs.STALE_AFTER + 5)).isoformat()
    fresh = dt.datetime.now(dt.timezone.utc).isoformat()
    for job_id, status, beat in (("a" * 32, jobs.RUNNING, old), ("b" * 32, jobs.QUEUED, old),
                                 ("c" * 32, jobs.RUNNING, fresh)):
        jobs.save(jobs.Job(id=job_id, kind="probe", tenant_id=town.id, user_id=None, status=status, phase="check",
                           done=10, total=100, created_at=old, started_at=old, heartbeat_at=beat))
    with tenant_context(town):
        lost = jobs.get("a" * 32)
        assert lost.status == jobs.FAILED and lost.finished and lost.error["code"] == "worker_lost"
        assert "未保存任何数据" in lost.error["message"]
        assert jobs.get("b" * 32).status == jobs.QUEUED  # waits for a consumer, however long
        assert jobs.get("c" * 32).status == jobs.RUNNING


def test_reading_needs_a_tenant_and_a_well_formed_id(app, db_session, create_tenant):
    town = create_tenant()
    with pytest.raises(TenantScopeError):
        jobs.get("a" * 32)
    with tenant_context(town):
        assert jobs.get("../../etc/passwd") is None and jobs.get("A" * 32) is None and jobs.get("f" * 32) is None


def test_the_sweep_removes_job_states_older_than_a_day(app, db_session, create_tenant):
    town = create_tenant()
    day_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=jobs.KEEP_FOR + 60)).isoformat()
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    for job_id, created in (("1" * 32, day_ago), ("2" * 32, now)):
        job = jobs.Job(id=job_id, kind="probe", tenant_id=town.id, user_id=None, status=jobs.SUCCEEDED,
                       created_at=created, heartbeat_at=created)
        jobs.save(job)
        jobs.write_state(f"gridgov.job.{town.id}.{job_id}.result", {"kept": job_id})
    assert jobs.sweep_old() >= 1
    with tenant_context(town):
        assert jobs.get("1" * 32) is None and jobs.result(jobs.Job("1" * 32, "probe", town.id, None)) is None
        recent = jobs.get("2" * 32)
        assert recent is not None and jobs.result(recent) == {"kept": "2" * 32}


def test_a_job_whose_consumer_stops_at_once_reads_as_failed_and_wrote_nothing(app, db_session, create_tenant,
                                                                              create_user):
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    job = jobs.start("probe", slow, tenant=town, user=user, write=True)
    worker = worker_process(app)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (jobs.get(job.id, town.id).done or 0) < 2:
            time.sleep(0.05)
        assert jobs.get(job.id, town.id).status == jobs.RUNNING
        worker.send_signal(signal.SIGTERM)  # huey: stop now, without waiting for running tasks
        output = worker.communicate(timeout=60)[0]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    lost = jobs.get(job.id, town.id)
    assert lost.status == jobs.FAILED and lost.error["code"] == "worker_lost", output[-3000:]
    assert 0 < lost.done < 600 and lost.finished_at
    assert entries(town, "jobs.slow") == []  # its transaction died with the consumer
