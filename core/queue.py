"""The task queue (任务队列): huey, on its own SQLite file by default and on Redis in production.

Why huey: one small, maintained library covers both deployments. Its SQLite storage needs no
server (the embedded default: a file ``<instance>/queue.db`` beside ``gridgov.db``), its Redis
storage lets consumers on several hosts share one queue, and periodic tasks (crontab) are built
in, so schedules need no cron and no second tool. RQ and dramatiq need Redis (or RabbitMQ) even
for the smallest township office, and dramatiq's periodic tasks are a separate package.

Where the queue lives (:func:`make_huey`):

* ``GRIDGOV_QUEUE_URL=redis://host:6379/1`` (or ``rediss://``): Redis, for several hosts;
* ``GRIDGOV_QUEUE_URL=sqlite:////path/queue.db``: a SQLite file at that path;
* unset: ``REDIS_URL`` when it is set (a deployment that shares rate limits through Redis runs
  on several workers or hosts, and a queue in one host's file would strand their work), else
  ``<instance>/queue.db``.

The queue's store also holds the jobs' state (:mod:`core.jobs`) and the claimed schedule ticks,
never gridgov's database: on SQLite an import holds gridgov.db's write lock for its whole
transaction, and progress written there from another connection would wait for that very lock.
Task results are not stored (``results=False``): a job keeps its own.

Tasks (registered on every app's huey in :func:`init_app`, run by ``gridgov worker``):

* ``gridgov.job``: one background job (:func:`core.jobs.execute`);
* ``gridgov.schedule``: one schedule in one township (:func:`core.schedules.run_for_tenant`);
* one periodic task per declared schedule, which enqueues ``gridgov.schedule`` for each
  township it applies to (:func:`core.schedules.fire`), so the townships' runs spread over
  every consumer and a failing township does not hold up the others;
* ``gridgov.sweep``, hourly: job states and ticks older than a day go.

Every consumer runs huey's scheduler. With several consumers each would enqueue the same
periodic task, so a schedule's tick is claimed once in the shared store (``put_if_empty`` on
the tick's minute) and the others drop theirs.
"""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Iterator

from flask import Flask, current_app
from huey import Huey, RedisExpireHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.signals import SIGNAL_INTERRUPTED

from core.config import ConfigError
from core.jobs import KEEP_FOR

log = logging.getLogger("gridgov.queue")
EXTENSION = "gridgov.queue"


def make_huey(app: Flask) -> Huey:
    """The huey of ``app``'s configuration (see the module docstring for the choice)."""
    url = app.config.get("GRIDGOV_QUEUE_URL") or app.config.get("REDIS_URL")
    name = app.config.get("GRIDGOV_QUEUE_NAME") or "gridgov"
    if not url:
        return SqliteHuey(name, filename=os.path.join(app.instance_path, "queue.db"), results=False, timeout=30)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url[len("sqlite:///"):], results=False, timeout=30)
    if url.startswith(("redis://", "rediss://", "unix://")):
        # job states are written as "results", which this storage expires after KEEP_FOR
        return RedisExpireHuey(name, url=url, results=False, expire_time=int(KEEP_FOR))
    raise ConfigError(f"GRIDGOV_QUEUE_URL must be redis://..., rediss://... or sqlite:///... (got {url!r})")


def huey_of(app: Flask | None = None) -> Huey:
    return (app or current_app).extensions[EXTENSION]


def task(name: str, app: Flask | None = None):
    """The registered task ``gridgov.<name>`` of ``app`` (``job`` or ``schedule``)."""
    return (app or current_app).extensions["gridgov.tasks"][name]


def init_app(app: Flask) -> None:
    from core import jobs, schedules

    huey = make_huey(app)
    app.extensions[EXTENSION] = huey

    @huey.task(name="gridgov.job", context=True)
    def run_job(tenant_id: int, job_id: str, task=None):
        with app.app_context():
            jobs.execute(tenant_id, job_id, retries_left=task.retries if task is not None else 0)

    @huey.task(name="gridgov.schedule")
    def run_schedule(name: str, tenant_id: int, trigger: str = "schedule"):
        with app.app_context():
            schedules.run_for_tenant(name, tenant_id, trigger)

    @huey.periodic_task(crontab(minute="17"), name="gridgov.sweep")
    def sweep():
        with app.app_context():
            jobs.sweep_old()

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(signal, task, *args, **kwargs):
        if task.name == "gridgov.job":  # the consumer stops at once: say so now, not a minute later
            with app.app_context():
                jobs.abandon(task.args[1])

    app.extensions["gridgov.tasks"] = {"job": run_job, "schedule": run_schedule}


def register_periodic(app: Flask) -> list[str]:
    """Register one huey periodic task per schedule the plugins declare now; returns their names.

    Called when a consumer starts (plugins are loaded by then), not when the app is built, so
    a web worker's huey carries no periodic tasks it would never run."""
    from core import schedules

    huey = huey_of(app)
    registered = getattr(huey, "_gridgov_periodic", set())
    with app.app_context():
        declared = schedules.declared()
    for name, entry in declared.items():
        if name in registered:
            continue

        def fire(name=name):
            with app.app_context():
                schedules.fire(name)

        huey.periodic_task(entry.schedule.matches, name=f"gridgov.periodic.{name}")(fire)
        registered.add(name)
    huey._gridgov_periodic = registered
    return sorted(declared)


def make_consumer(app: Flask, workers: int = 2, periodic: bool = True, quiet: bool = False) -> Consumer:
    """A huey consumer for ``app`` (``quiet``: no signal handlers, for a consumer in a thread)."""
    if periodic:
        register_periodic(app)
    cls = _ThreadConsumer if quiet else Consumer
    return cls(huey_of(app), workers=workers, periodic=periodic, worker_type="thread", initial_delay=0.05,
               max_delay=1.0, check_worker_health=True)


class _ThreadConsumer(Consumer):
    def _set_signal_handlers(self):  # signal handlers belong to the main thread's owner
        pass


@contextlib.contextmanager
def running_consumer(app: Flask, workers: int = 2, periodic: bool = False) -> Iterator[Consumer]:
    """Run a real consumer in this process while the block runs (tests, the browser tests'
    server): the tasks go through the queue's store exactly as with ``gridgov worker``."""
    consumer = make_consumer(app, workers=workers, periodic=periodic, quiet=True)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
