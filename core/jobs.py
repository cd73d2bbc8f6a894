"""Background jobs (后台任务): long work (imports, exports) in a thread of the web process.

A request calls :func:`start` with a work function; the function runs in a new thread with a
fresh app context, the tenant in context (:func:`core.tenancy.tenant_context`), ``g.tenant``,
``g.access`` and ``g.acting_user`` (audit entries name that user), and its own database session.
The transaction is committed when the function returns and rolled back when it raises.
``write=True`` opens it with a write lock up front (SQLite ``BEGIN IMMEDIATE``), so a long
import never loses its lock upgrade to a concurrent writer half-way through.

Job state lives in a small JSON file, ``<JOBS_DIR>/<tenant id>/<job id>.json``, replaced
atomically on every change, and the work function's result next to it
(``<job id>.result.json``). Nothing a request needs is kept in process memory, so any gunicorn
worker of the machine (they share ``JOBS_DIR``) can answer for any job. Progress is written at
most a few times a second and never to the database: on SQLite the job holds the write lock for
its whole transaction, so another connection writing progress would wait for it.

Statuses: ``queued`` → ``running`` → ``succeeded`` | ``failed``. A heartbeat thread refreshes
a running job's file every few seconds; a queued or running job whose heartbeat is older than
:data:`STALE_AFTER` reads as ``failed`` (``worker_lost``): its process died, and with it the
uncommitted transaction. Starting a job deletes job files older than :data:`KEEP_FOR`.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

from flask import Flask, current_app, g

from core.errors import ApiError, STATUS_MESSAGES

log = logging.getLogger("gridgov.jobs")

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
FINISHED = (SUCCEEDED, FAILED)
HEARTBEAT_EVERY = 10.0  # seconds between heartbeats of a running job
STALE_AFTER = 60.0  # a queued/running job silent for longer reads as failed
PROGRESS_EVERY = 0.3  # at most about three progress writes a second
KEEP_FOR = 24 * 3600.0  # job files (and, by the modules' choice, uploads) older than a day go
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
WORKER_LOST = {"code": "worker_lost",
               "message": "后台任务已中断（处理进程已退出），未保存任何数据，请重新开始 "
                          "(the worker running this job stopped; nothing was saved, start again)"}


@dataclass
class Job:
    """What a job file holds. ``params`` are the caller's (small, JSON); ``error`` is
    ``{"code", "message", "fields"?}`` as in :mod:`core.errors`."""

    id: str
    kind: str
    tenant_id: int
    user_id: int | None
    status: str = QUEUED
    phase: str | None = None
    done: int = 0
    total: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    heartbeat_at: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        if self.status == SUCCEEDED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 / self.total)))

    def progress_dict(self) -> dict[str, Any]:
        """The public fields (no tenant, user or params): what a status endpoint answers."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "finished": self.finished,
                "phase": self.phase, "done": self.done, "total": self.total, "percent": self.percent,
                "error": self.error, "created_at": self.created_at, "started_at": self.started_at,
                "finished_at": self.finished_at}


_FIELDS = {f.name for f in fields(Job)}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _age(stamp: str | None) -> float:
    if not stamp:
        return float("inf")
    return (dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(stamp)).total_seconds()


def jobs_dir(tenant_id: int | None = None, app: Flask | None = None) -> str:
    root = (app or current_app).config["JOBS_DIR"]
    return root if tenant_id is None else os.path.join(root, str(int(tenant_id)))


def _paths(folder: str, job_id: str) -> tuple[str, str]:
    return os.path.join(folder, f"{job_id}.json"), os.path.join(folder, f"{job_id}.result.json")


def write_json(path: str, data: Any) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never half."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, default=str)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def save(job: Job, app: Flask | None = None) -> None:
    """Write a job's state file (the job's own thread, and tests that fake a dead worker)."""
    write_json(_paths(jobs_dir(job.tenant_id, app), job.id)[0], asdict(job))


def get(job_id: str, tenant_id: int | None = None) -> Job | None:
    """The job ``job_id`` of the current tenant (or ``tenant_id``); ``None`` when there is no such
    job there. A job of another tenant is simply not found: each tenant has its own folder."""
    from core.tenancy import TenantScopeError, current_tenant_id

    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("jobs are read inside a tenant's context")
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    try:
        with open(_paths(jobs_dir(tenant_id), job_id)[0], encoding="utf-8") as fh:
            data = json.load(fh)
    except (FileNotFoundError, ValueError):
        return None
    try:
        job = Job(**{k: v for k, v in data.items() if k in _FIELDS})  # a newer release may add fields
    except (AttributeError, TypeError):  # not a job's file
        return None
    if job.tenant_id != tenant_id:
        return None
    if not job.finished and _age(job.heartbeat_at) > STALE_AFTER:
        job.status, job.error = FAILED, dict(WORKER_LOST)
    return job


def result(job: Job) -> dict[str, Any] | None:
    """What the work function returned (or set on ``run.result`` before failing), else ``None``."""
    try:
        with open(_paths(jobs_dir(job.tenant_id), job.id)[1], encoding="utf-8") as fh:
            return json.load(fh)
    except (FileNotFoundError, ValueError):
        return None


def remove_old_files(root: str, older_than: float = KEEP_FOR) -> int:
    """Delete files under ``root`` last changed more than ``older_than`` seconds ago; returns how
    many. Other workers may be sweeping too, so files that vanish meanwhile are no error."""
    limit, removed = time.time() - older_than, 0
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                if os.stat(path).st_mtime < limit:
                    os.remove(path)
                    removed += 1
            except OSError:
                continue
    return removed


class JobRun:
    """Handed to the work function: ``params``, ``progress(phase, done, total)`` and ``result``
    (set it before raising to keep a partial result with the failure)."""

    def __init__(self, job: Job, app: Flask):
        self.job, self.app = job, app
        self.params = job.params
        self.result: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._written = 0.0
        self._stop = threading.Event()

    @property
    def id(self) -> str:
        return self.job.id

    def progress(self, phase: str, done: int, total: int | None = None) -> None:
        """Record progress; written at once on a new phase or the phase's end, else throttled."""
        with self._lock:
            job = self.job
            changed = phase != job.phase or (total is not None and done >= total)
            job.phase, job.done, job.total = phase, int(done), (int(total) if total is not None else None)
            if changed or time.monotonic() - self._written >= PROGRESS_EVERY:
                self._save_locked()

    def _update(self, **changes) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self.job, key, value)
            self._save_locked()

    def _save_locked(self) -> None:
        self.job.heartbeat_at = _now()
        save(self.job, self.app)
        self._written = time.monotonic()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                self._update()
            except OSError:
                log.warning("job %s: heartbeat not written", self.job.id, exc_info=True)


Work = Callable[[JobRun], "dict[str, Any] | None"]


def start(kind: str, work: Work, *, params: dict[str, Any] | None = None, write: bool = False,
          tenant=None, user=None) -> Job:
    """Run ``work(run)`` in the background as ``user`` (default: the signed-in user) in ``tenant``
    (default: the request's); returns the queued job at once.

    :param params: small JSON-able values the work reads from ``run.params`` (kept in the file).
    :param write: the work writes: take the database write lock when the transaction begins.
    """
    from flask_login import current_user

    tenant = tenant if tenant is not None else g.tenant
    if user is None and getattr(current_user, "is_authenticated", False):
        user = current_user
    app = current_app._get_current_object()
    remove_old_files(jobs_dir(app=app))
    now = _now()
    job = Job(id=uuid.uuid4().hex, kind=kind, tenant_id=tenant.id, user_id=getattr(user, "id", None),
              params=dict(params or {}), created_at=now, heartbeat_at=now)
    save(job, app)
    queued = copy.deepcopy(job)  # the thread changes its own
    # not a daemon: a gracefully stopping gunicorn worker lets a running job finish first
    threading.Thread(target=_execute, args=(JobRun(job, app), work, write), name=f"job-{kind}-{job.id[:8]}").start()
    return queued


def _execute(run: JobRun, work: Work, write: bool) -> None:
    from core.auth.access import access_for
    from core.db import db
    from core.models import Tenant, User
    from core.tenancy import tenant_context

    job = run.job
    beat = threading.Thread(target=run._beat, name=f"job-beat-{job.id[:8]}", daemon=True)
    with run.app.app_context():
        try:
            run._update(status=RUNNING, started_at=_now())
            beat.start()
            with tenant_context(job.tenant_id):
                if write:
                    db.session.connection(execution_options={"sqlite_immediate": True})
                g.tenant = db.session.get(Tenant, job.tenant_id)
                g.acting_user = db.session.get(User, job.user_id) if job.user_id is not None else None
                g.access = access_for(g.acting_user, g.tenant)
                run.result = work(run) or run.result
                db.session.commit()
        except Exception as exc:
            db.session.rollback()
            _finish(run, FAILED, _error_of(exc, job))
        else:  # committed: whatever happens now, the job did its work
            _finish(run, SUCCEEDED, None)
        finally:
            run._stop.set()
            db.session.remove()


def _finish(run: JobRun, status: str, error: dict[str, Any] | None) -> None:
    if run.result is not None:
        write_json(_paths(jobs_dir(run.job.tenant_id, run.app), run.job.id)[1], run.result)
    run._update(status=status, error=error, finished_at=_now())
    log.info("job %s (%s) %s", run.job.id, run.job.kind, status)


def _error_of(exc: Exception, job: Job) -> dict[str, Any]:
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, ApiError):
        error = {"code": exc.code, "message": exc.message}
        if exc.fields:
            error["fields"] = exc.fields
        return error
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig):
        return {"code": "busy", "message": "数据库正忙（有其他写入），未保存任何数据，请稍后重试 "
                                           "(the database was busy; nothing was saved, try again)"}
    log.exception("job %s (%s) failed", job.id, job.kind)
    return {"code": "internal_error", "message": STATUS_MESSAGES[500]}
