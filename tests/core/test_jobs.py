"""Background jobs (core.jobs): a thread with its tenant, user and own transaction; state in
files that any worker (here: a second app) reads; stale heartbeats; old files swept."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from flask import g
from sqlalchemy import select

from core import audit, jobs
from core.db import db
from core.errors import ApiError
from core.models.audit import AuditEntry
from core.tenancy import TenantScopeError, current_tenant_id, tenant_context


def wait(tenant_id: int, job_id: str, seconds: float = 60) -> jobs.Job:
    """Poll the job's file until it has finished (bounded)."""
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


def test_a_job_runs_in_its_tenant_as_its_user_commits_and_keeps_its_result(app, db_session, create_tenant,
                                                                            create_user):
    town, other = create_tenant(), create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    seen = {}

    def work(run):
        seen.update(tenant=current_tenant_id(), g_tenant=g.tenant.id, user=g.acting_user.id,
                    can=g.access.can("people.import"), params=run.params)
        run.progress("count", 0, 3)
        audit.record("jobs.probe", object_type="probe", after={"n": run.params["n"]})
        run.progress("count", 3, 3)
        return {"counted": run.params["n"]}

    job = jobs.start("probe", work, params={"n": 3}, tenant=town, user=user, write=True)
    assert job.status == jobs.QUEUED and len(job.id) == 32
    done = wait(town.id, job.id)
    assert done.status == jobs.SUCCEEDED, done.error
    assert seen == {"tenant": town.id, "g_tenant": town.id, "user": user.id, "can": True, "params": {"n": 3}}
    assert (done.phase, done.done, done.total, done.percent) == ("count", 3, 3, 100)
    assert done.started_at and done.finished_at and jobs.result(done) == {"counted": 3}
    [entry] = entries(town, "jobs.probe")
    assert entry.user_id == user.id and entry.actor == user.username  # audited as the starter
    assert entries(other, "jobs.probe") == []
    assert jobs.get(job.id, other.id) is None  # another tenant's folder has no such job


def test_a_failing_job_rolls_back_and_says_why(app, db_session, create_tenant, create_user):
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])

    def refused(run):
        audit.record("jobs.refused", object_type="probe")
        db.session.flush()
        run.result = {"partial": True}
        raise ApiError(422, "probe_rejected", "不行", {"file": ["坏文件"]})

    def crashing(run):
        audit.record("jobs.crashed", object_type="probe")
        raise RuntimeError("secret internals")

    first = wait(town.id, jobs.start("probe", refused, tenant=town, user=user).id)
    assert first.status == jobs.FAILED
    assert first.error == {"code": "probe_rejected", "message": "不行", "fields": {"file": ["坏文件"]}}
    assert jobs.result(first) == {"partial": True}
    second = wait(town.id, jobs.start("probe", crashing, tenant=town, user=user).id)
    assert second.error["code"] == "internal_error" and "secret" not in str(second.progress_dict())
    assert jobs.result(second) is None
    assert entries(town, "jobs.refused") == [] and entries(town, "jobs.crashed") == []


def test_progress_is_throttled_and_phases_are_written_at_once(app, db_session, create_tenant, create_user,
                                                              monkeypatch):
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    writes = []
    real = jobs.write_json
    monkeypatch.setattr(jobs, "write_json", lambda path, data: (writes.append(data), real(path, data)))

    def work(run):
        for phase in ("check", "write"):
            for n in range(1, 20001):
                run.progress(phase, n, 20000)

    job = wait(town.id, jobs.start("probe", work, tenant=town, user=user).id)
    states = [w for w in writes if isinstance(w, dict) and w.get("id") == job.id]
    assert len(states) < 200  # 40,000 progress calls
    ends = [(s["phase"], s["done"]) for s in states if s["done"] == 20000]
    assert ("check", 20000) in ends and ("write", 20000) in ends


def test_state_is_read_from_files_by_another_app(app, db_session, create_tenant, create_user):
    """A second app (another gunicorn worker) with the same JOBS_DIR sees the same job."""
    from core import create_app

    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    job = wait(town.id, jobs.start("probe", lambda run: {"ok": 1}, tenant=town, user=user).id)
    other = create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_PATH": app.instance_path, "JOBS_DIR": app.config["JOBS_DIR"]})
    try:
        with other.app_context(), tenant_context(town.id):
            again = jobs.get(job.id)
            assert again.progress_dict() == job.progress_dict() and jobs.result(again) == {"ok": 1}
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_job_with_a_stale_heartbeat_reads_as_failed(app, db_session, create_tenant):
    town = create_tenant()
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=jobs.STALE_AFTER + 5)).isoformat()
    fresh = dt.datetime.now(dt.timezone.utc).isoformat()
    for job_id, status, beat in (("a" * 32, jobs.RUNNING, old), ("b" * 32, jobs.QUEUED, old),
                                 ("c" * 32, jobs.RUNNING, fresh)):
        jobs.save(jobs.Job(id=job_id, kind="probe", tenant_id=town.id, user_id=None, status=status, phase="check",
                           done=10, total=100, created_at=old, started_at=old, heartbeat_at=beat))
    with tenant_context(town):
        for job_id in ("a" * 32, "b" * 32):
            lost = jobs.get(job_id)
            assert lost.status == jobs.FAILED and lost.finished and lost.error["code"] == "worker_lost"
            assert "未保存任何数据" in lost.error["message"]
        assert jobs.get("c" * 32).status == jobs.RUNNING


def test_reading_needs_a_tenant_and_a_well_formed_id(app, db_session, create_tenant):
    town = create_tenant()
    with pytest.raises(TenantScopeError):
        jobs.get("a" * 32)
    with tenant_context(town):
        assert jobs.get("../../etc/passwd") is None and jobs.get("A" * 32) is None and jobs.get("f" * 32) is None


def test_starting_a_job_removes_job_files_older_than_a_day(app, db_session, create_tenant, create_user):
    town = create_tenant()
    user = create_user(roles=[(town, "township_admin")])
    folder = jobs.jobs_dir(999999)
    os.makedirs(folder, exist_ok=True)
    stale, recent = os.path.join(folder, "stale.json"), os.path.join(folder, "recent.json")
    for path in (stale, recent):
        with open(path, "w") as fh:
            fh.write("{}")
    day_ago = time.time() - jobs.KEEP_FOR - 60
    os.utime(stale, (day_ago, day_ago))
    wait(town.id, jobs.start("probe", lambda run: None, tenant=town, user=user).id)
    assert not os.path.exists(stale) and os.path.exists(recent)
