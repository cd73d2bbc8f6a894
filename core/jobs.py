"""Background jobs (后台任务): long work (imports, exports) run by the task queue's consumers.

A request calls :func:`start` with a module-level work function; the job's state is written to
the queue's store and a ``gridgov.job`` task is enqueued (:mod:`core.queue`). A consumer
(``gridgov worker``, or the one ``gridgov run`` starts) runs ``work(run)`` with a fresh app
context, the tenant in context (:func:`core.tenancy.tenant_context`), ``g.tenant``, ``g.access``
and ``g.acting_user`` (audit entries name the user who started it), in its own transaction:
committed when the function returns, rolled back when it raises. ``write=True`` takes the write
lock when the transaction begins (SQLite ``BEGIN IMMEDIATE``), so a long import never loses its
lock upgrade to a concurrent writer half-way through.

State: the :class:`Job` (status, phase, done/total, error, who started it, tenant) and the work's
result live in the queue's store under ``gridgov.job.<tenant id>.<job id>`` (huey's SQLite file
or Redis), never in gridgov's database and never in process memory, so any web worker on any
host answers for any job. Progress is written at most a few times a second. Why not the
database: on SQLite the running import holds the database's write lock for its whole
transaction, and progress written through another connection would wait for it (and a write
through the job's own transaction would be invisible until it commits); the queue's store has
its own lock (its own file) or none (Redis). Jobs are kept a day (:data:`KEEP_FOR`): Redis
expires them, and the hourly ``gridgov.sweep`` task (:func:`sweep_old`) removes them from SQLite.

Statuses: ``queued`` → ``running`` → ``succeeded`` | ``failed``. A queued job waits for a consumer
however long it takes (the work survives a restart or deploy: the task is in the store). A
consumer stopped at once (SIGTERM) marks its running jobs ``failed`` (``worker_lost``) as it exits
(:func:`abandon`), since their transactions die with it. A heartbeat refreshes a running job's
state every few seconds; a running job whose heartbeat is older than :data:`STALE_AFTER` reads as
``failed`` (``worker_lost``) too: its consumer was killed outright, or its host went down.

Retries where safe: ``start(..., retries=n)`` declares that the work may run again after a
transient failure (the database busy or its connection lost), because its transaction was rolled
back; the job goes back to ``queued`` and huey runs it again after :data:`RETRY_DELAY` seconds.
A refusal (:class:`~core.errors.ApiError`) or a bug fails at once: running it again would not help.
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

from flask import Flask, current_app, g
from huey.constants import EmptyData

from core.errors import STATUS_MESSAGES, ApiError
from flask_babel import gettext as _
from core.i18n import N_

log = logging.getLogger("gridgov.jobs")

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
FINISHED = (SUCCEEDED, FAILED)
HEARTBEAT_EVERY = 10.0  # seconds between heartbeats of a running job
STALE_AFTER = 60.0  # a running job silent for longer reads as failed
PROGRESS_EVERY = 0.3  # at most about three progress writes a second
KEEP_FOR = 24 * 3600.0  # job states older than a day go
RETRY_DELAY = 5  # seconds before a transient failure is retried
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
PREFIX = "gridgov.job."
WORKER_LOST = {"code": "worker_lost",
               "message": N_("后台任务已中断（处理进程已退出），未保存任何数据，请重新开始")}


@dataclass
class Job:
    """A job's state. ``params`` are the caller's (small, JSON); ``error`` is
    ``{"code", "message", "fields"?}`` as in :mod:`core.errors`; ``work`` names the function."""

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
    work: str = ""
    write: bool = False
    attempts: int = 0

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


def _key(tenant_id: int, job_id: str, part: str = "") -> str:
    return f"{PREFIX}{int(tenant_id)}.{job_id}{part}"


def _storage(app: Flask | None = None):
    from core.queue import huey_of

    return huey_of(app).storage


def write_state(key: str, data: Any, app: Flask | None = None) -> None:
    """Write one value to the queue's store (whole, so readers see the old value or the new).
    Written as a huey "result" so that Redis expires it after a day."""
    _storage(app).put_data(key, json.dumps(data, ensure_ascii=False, default=str).encode(), is_result=True)


def _read_state(key: str) -> Any:
    raw = _storage().peek_data(key)
    if raw is EmptyData or raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def save(job: Job, app: Flask | None = None) -> None:
    """Write a job's state (the running job, and tests that fake a dead worker)."""
    write_state(_key(job.tenant_id, job.id), asdict(job), app)


def get(job_id: str, tenant_id: int | None = None) -> Job | None:
    """The job ``job_id`` of the current tenant (or ``tenant_id``); ``None`` when there is no such
    job there. A job of another tenant is simply not found: the tenant is part of its key."""
    from core.tenancy import TenantScopeError, current_tenant_id

    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("jobs are read inside a tenant's context")
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        return None
    data = _read_state(_key(tenant_id, job_id))
    if not isinstance(data, dict):
        return None
    try:
        job = Job(**{k: v for k, v in data.items() if k in _FIELDS})  # a newer release may add fields
    except TypeError:
        return None
    if job.tenant_id != tenant_id:
        return None
    if job.status == RUNNING and _age(job.heartbeat_at) > STALE_AFTER:
        job.status, job.error = FAILED, dict(WORKER_LOST)
    return job


def result(job: Job) -> dict[str, Any] | None:
    """What the work function returned (or set on ``run.result`` before failing), else ``None``."""
    return _read_state(_key(job.tenant_id, job.id, ".result"))


def sweep_old(older_than: float = KEEP_FOR) -> int:
    """Delete job states (with their results) and claimed schedule ticks older than
    ``older_than`` seconds from the queue's store; returns how many keys went."""
    storage, removed = _storage(), 0
    items = storage.result_items()
    for key, raw in items.items():
        key = key.decode() if isinstance(key, bytes) else key
        if not key.startswith(("gridgov.job.", "gridgov.tick.")) or key.endswith(".result"):
            continue
        try:
            value = json.loads(raw) if key.startswith(PREFIX) else {"created_at": raw.decode()}
            stamp = value.get("created_at")
        except (ValueError, AttributeError):
            stamp = None
        if _age(stamp) > older_than:
            storage.delete_data(key)
            removed += 1
            if key.startswith(PREFIX):
                storage.delete_data(key + ".result")
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
        self._committed = False
        self._abandoned = False  # the consumer is exiting: this run writes nothing more

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
        if self._abandoned:
            return
        self.job.heartbeat_at = _now()
        save(self.job, self.app)
        self._written = time.monotonic()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            try:
                self._update()
            except Exception:
                log.warning("job %s: heartbeat not written", self.job.id, exc_info=True)


Work = Callable[[JobRun], "dict[str, Any] | None"]
_running: dict[str, JobRun] = {}  # this process's running jobs, by id


def abandon(job_id: str) -> None:
    """The consumer is exiting while job ``job_id`` runs here (huey's "interrupted" signal): record
    it as failed (``worker_lost``), or as succeeded if its transaction had already committed,
    and let the dying run write nothing more."""
    run = _running.get(job_id)
    if run is None:
        return
    with run._lock:
        if run.job.finished:
            return
        if run._committed and run.result is not None:
            write_state(_key(run.job.tenant_id, run.job.id, ".result"), run.result, run.app)
        run.job.status = SUCCEEDED if run._committed else FAILED
        run.job.error = None if run._committed else dict(WORKER_LOST)
        run.job.finished_at = _now()
        run._save_locked()
        run._abandoned = True
    log.warning("job %s (%s): consumer stopped while it ran; %s", job_id, run.job.kind, run.job.status)


def _work_name(work: Work) -> str:
    """``module:qualname`` of a module-level function, which any consumer can import."""
    name = f"{work.__module__}:{work.__qualname__}"
    if "<" in work.__qualname__ or _resolve(name) is not work:
        raise ValueError(f"a job's work must be a module-level function (the consumer imports it by name), not {name}")
    return name


def _resolve(name: str) -> Callable:
    module, _, qualname = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def start(kind: str, work: Work, *, params: dict[str, Any] | None = None, write: bool = False, retries: int = 0,
          tenant=None, user=None) -> Job:
    """Queue ``work(run)`` to run in the background as ``user`` (default: the signed-in user) in
    ``tenant`` (default: the request's); returns the queued job at once.

    :param work: a module-level function (the consumer, maybe on another host, imports it).
    :param params: small JSON-able values the work reads from ``run.params`` (kept in the state).
    :param write: the work writes: take the database write lock when the transaction begins.
    :param retries: how many times a transient failure may be retried (only for work that is
        safe to run again after a rollback).
    """
    from flask_login import current_user

    from core.queue import huey_of, task

    tenant = tenant if tenant is not None else g.tenant
    if user is None and getattr(current_user, "is_authenticated", False):
        user = current_user
    now = _now()
    job = Job(id=uuid.uuid4().hex, kind=kind, tenant_id=tenant.id, user_id=getattr(user, "id", None),
              params=dict(params or {}), created_at=now, heartbeat_at=now, work=_work_name(work), write=write)
    save(job)
    huey_of().enqueue(task("job").s(job.tenant_id, job.id, retries=int(retries), retry_delay=RETRY_DELAY))
    return job


def execute(tenant_id: int, job_id: str, retries_left: int = 0) -> None:
    """Run one queued job (the ``gridgov.job`` task, in a consumer's app context). A job that is
    gone (swept) or already finished is not run again."""
    from core.auth.access import access_for
    from core.db import db
    from core.models import Tenant, User
    from core.tenancy import tenant_context

    job = get(job_id, tenant_id)
    if job is None or job.finished:
        log.warning("job %s: not run (%s)", job_id, "gone" if job is None else job.status)
        return
    app = current_app._get_current_object()
    run = JobRun(job, app)
    beat = threading.Thread(target=run._beat, name=f"job-beat-{job.id[:8]}", daemon=True)
    _running[job.id] = run
    try:
        run._update(status=RUNNING, started_at=_now(), error=None, attempts=job.attempts + 1)
        beat.start()
        with tenant_context(job.tenant_id):
            if job.write:
                db.session.connection(execution_options={"sqlite_immediate": True})
            g.tenant = db.session.get(Tenant, job.tenant_id)
            g.acting_user = db.session.get(User, job.user_id) if job.user_id is not None else None
            g.access = access_for(g.acting_user, g.tenant)
            run.result = _resolve(job.work)(run) or run.result
            db.session.commit()
            run._committed = True
    except Exception as exc:
        db.session.rollback()
        error = _error_of(exc, job)
        if retries_left > 0 and error["code"] == "busy":
            run._update(status=QUEUED, error=error)
            log.warning("job %s (%s): %s; retried in %ss", job.id, job.kind, error["code"], RETRY_DELAY)
            raise  # huey runs the task again
        _finish(run, FAILED, error)
    else:  # committed: whatever happens now, the job did its work
        _finish(run, SUCCEEDED, None)
    finally:
        run._stop.set()
        _running.pop(job.id, None)
        db.session.remove()


def _finish(run: JobRun, status: str, error: dict[str, Any] | None) -> None:
    if run._abandoned:
        return
    if run.result is not None:
        write_state(_key(run.job.tenant_id, run.job.id, ".result"), run.result, run.app)
    run._update(status=status, error=error, finished_at=_now())
    log.info("job %s (%s) %s", run.job.id, run.job.kind, status)


def _error_of(exc: Exception, job: Job) -> dict[str, Any]:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, ApiError):
        error = {"code": exc.code, "message": exc.message}
        if exc.fields:
            error["fields"] = exc.fields
        return error
    if (isinstance(exc, OperationalError) and "locked" in str(exc.orig)) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return {"code": "busy", "message": _("数据库正忙（有其他写入），未保存任何数据，请稍后重试")}
    log.exception("job %s (%s) failed", job.id, job.kind)
    return {"code": "internal_error", "message": STATUS_MESSAGES[500]}
