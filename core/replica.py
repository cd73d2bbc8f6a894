"""Read-only work on a PostgreSQL streaming replica (只读副本), when one is configured.

``GRIDGOV_DATABASE_REPLICA_URL`` names a hot standby of ``DATABASE_URL`` (or a PgBouncer in
front of one). Views that only read and can live with data a few seconds old (dashboards,
rankings, numbers) are declared with :func:`reads_replica` (plugins: ``core.toolkit``); a
``GET``/``HEAD`` request to such a view runs the view's ORM statements on the replica (the
guard's look-ups of the account, token and township before it stay on the primary, so a token or
an account made a moment ago is found). Everything else stays on the primary: writes, every request that is
not ``GET``/``HEAD``, views not declared, and so every read that must see the request's own
writes. Work outside a request (jobs, exports built in the background) opts in with
:func:`replica_reads`.

The replica is used only while it is up and no further behind than ``GRIDGOV_REPLICA_MAX_LAG``
seconds: each process probes it at most every ``GRIDGOV_REPLICA_CHECK_SECONDS`` (replay lag from
``pg_last_xact_replay_timestamp()``, zero when everything received is replayed) and otherwise
lets the primary answer. A change of state is logged (``gridgov.replica``: skipped with the
reason, back in use with the lag); each request's routing at DEBUG. A replica connection that
fails in a request marks the replica down at once, so only requests already under way see it.

Row-level security holds on replica connections as on the primary: the tenant setting follows
the tenant context per transaction on every engine (:mod:`core.rls`); ``set_config`` is allowed
on a hot standby.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, text

log = logging.getLogger("gridgov.replica")
BIND = "replica"  # the Flask-SQLAlchemy bind key of the replica's engine
MARK = "gridgov_reads_replica"
_ENVIRON = "gridgov.replica"  # per request: the engine chosen (or None: the primary)
_IN_VIEW = "gridgov.replica.in_view"  # set once a declared view's own code runs
_forced: ContextVar[object | None] = ContextVar("gridgov_replica_forced", default=None)
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END")


class ReplicaWriteError(RuntimeError):
    """A unit of work routed to the replica tried to write (a view declared read-only writes)."""


def reads_replica(view):
    """Declare a view read-only and content with data up to ``GRIDGOV_REPLICA_MAX_LAG`` seconds
    old: in its ``GET``/``HEAD`` requests, the view's own reads go to the replica when one is
    configured and fresh (the guard's look-ups before it, of the account, the token and the
    township, stay on the primary: a token issued a moment ago is found). It must not write
    through the session (audit entries of a read go through ``aside=True``)."""

    @functools.wraps(view)
    def in_view(*args, **kwargs):
        from flask import has_request_context, request

        if has_request_context():
            request.environ[_IN_VIEW] = True
        return view(*args, **kwargs)

    setattr(in_view, MARK, True)
    return in_view


class _Health:
    def __init__(self) -> None:
        self.lock = threading.RLock()  # a failing probe reports itself through mark_down
        self.checked_at = float("-inf")
        self.ok = True  # nothing logged before the first probe says otherwise
        self.reason = ""


_probing = threading.local()  # a probe's own failure is reported by the probe, not by mark_down


def _health(app) -> _Health:
    return app.extensions.setdefault("gridgov.replica", _Health())


def _probe(engine, max_lag: float) -> tuple[bool, str]:
    try:
        with engine.connect() as connection:
            lag = connection.execute(LAG_SQL).scalar()
    except Exception as exc:  # down, refusing, or a network error: the primary answers
        return False, f"down ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:160]})"
    if lag is None:
        return False, "replay position unknown (nothing replayed yet)"
    if float(lag) > max_lag:
        return False, f"lagging {float(lag):.1f} s > GRIDGOV_REPLICA_MAX_LAG {max_lag:g} s"
    return True, f"lag {float(lag):.1f} s"


def fresh_replica(app):
    """The replica's engine if it is configured, up and within the lag bound (probed at most every
    ``GRIDGOV_REPLICA_CHECK_SECONDS`` per process), else None."""
    engine = app.extensions.get("gridgov.replica_engine")
    if engine is None:
        return None
    health = _health(app)
    if time.monotonic() - health.checked_at >= app.config["GRIDGOV_REPLICA_CHECK_SECONDS"]:
        with health.lock:
            if time.monotonic() - health.checked_at >= app.config["GRIDGOV_REPLICA_CHECK_SECONDS"]:
                _probing.active = True
                try:
                    ok, reason = _probe(engine, app.config["GRIDGOV_REPLICA_MAX_LAG"])
                finally:
                    _probing.active = False
                if ok and not health.ok:
                    log.info("replica back in use (%s)", reason)
                elif not ok and (health.ok or reason.split(" ")[0] != health.reason.split(" ")[0]):
                    log.warning("replica skipped, the primary answers: %s", reason)
                health.ok, health.reason, health.checked_at = ok, reason, time.monotonic()
    return engine if health.ok else None


def mark_down(app, reason: str) -> None:
    """The replica failed under a request: skip it until the next probe finds it well."""
    if getattr(_probing, "active", False):
        return
    health = _health(app)
    with health.lock:
        if health.ok:
            log.warning("replica skipped, the primary answers: %s", reason)
        health.ok, health.reason, health.checked_at = False, reason, time.monotonic()


def routed_engine():
    """The engine the current unit of work reads from, when it is the replica; None: the primary."""
    forced = _forced.get()
    if forced is not None:
        return forced
    from flask import current_app, has_request_context, request

    if not has_request_context():
        return None
    environ = request.environ
    if not environ.get(_IN_VIEW):
        return None
    if _ENVIRON not in environ:
        engine = None
        if request.method in ("GET", "HEAD") and current_app.config.get("GRIDGOV_DATABASE_REPLICA_URL"):
            view = current_app.view_functions.get(request.endpoint or "")
            if getattr(view, MARK, False):
                engine = fresh_replica(current_app)
                log.debug("%s %s read from the %s", request.method, request.path,
                          "replica" if engine is not None else "primary")
        environ[_ENVIRON] = engine
    return environ[_ENVIRON]


@contextmanager
def replica_reads():
    """Run the block's ORM reads on the replica when it is fresh (else on the primary): for jobs
    and commands that only read. Begins and ends its own transaction; none may be open."""
    from flask import current_app

    from core.db import db

    session = db.session()
    if session.in_transaction():
        raise RuntimeError("replica_reads() needs no transaction open in the session (commit first)")
    engine = fresh_replica(current_app)
    token = _forced.set(engine)
    try:
        yield engine is not None
    finally:
        try:
            session.rollback()  # nothing to keep: a replica transaction cannot have written
        finally:
            _forced.reset(token)


def init_app(app) -> None:
    from core.db import db

    if not app.config.get("GRIDGOV_DATABASE_REPLICA_URL"):
        return
    with app.app_context():
        engine = db.engines[BIND]
    app.extensions["gridgov.replica_engine"] = engine

    @event.listens_for(engine, "handle_error")
    def _down_on_error(context) -> None:
        if context.is_disconnect or context.connection is None:
            mark_down(app, f"connection failed ({type(context.original_exception).__name__})")


def _refuse_writes(session, flush_context, instances) -> None:
    if (session.new or session.dirty or session.deleted) and routed_engine() is not None:
        raise ReplicaWriteError("a unit of work routed to the read replica tried to write "
                                "(a view declared @reads_replica writes through the session)")


def listen(session_class) -> None:
    event.listen(session_class, "before_flush", _refuse_writes)
