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

A client's own writes are read back from the primary (读己之写): after a request of it commits
writes (any ``POST``/``PUT``/``PATCH``/``DELETE`` that commits, or any request whose session
flushed changes), the primary's WAL position then (``pg_current_wal_insert_lsn()``, one query on the
primary per writing request) and the time are kept for the client, in the signed session cookie
for a browser and in the shared cache (:mod:`core.cache`, Redis across hosts) under the tenant and
a hash of the bearer token for an API client. A declared view of that client reads the primary
until the replica's replay position (``pg_last_wal_replay_lsn()``, fetched by the same probe as
the lag, so no extra round trip) has reached it, or ``GRIDGOV_REPLICA_MAX_LAG`` has passed since
(a replica within the bound has replayed commits that old). The route's DEBUG line says why.

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
    " ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END,"
    " pg_last_wal_replay_lsn()::text")
# on the primary after a request's commit: the insert position, which is past the commit record even
# under synchronous_commit=off (the write position pg_current_wal_lsn() may not be yet)
WAL_SQL = text("SELECT pg_current_wal_insert_lsn()::text")
_WROTE = "gridgov.replica.wrote"  # per request: a transaction of it committed writes
_FLUSHED = "gridgov_replica_flushed"  # session.info: the open transaction flushed writes
COOKIE_KEY = "_gridgov_wrote"  # the signed session's marker: [WAL position or None, unix time]


class ReplicaWriteError(RuntimeError):
    """A unit of work routed to the replica tried to write (a view declared read-only writes)."""


def reads_replica(view):
    """Declare a view read-only and content with data up to ``GRIDGOV_REPLICA_MAX_LAG`` seconds
    old: in its ``GET``/``HEAD`` requests, the view's own reads go to the replica when one is
    configured and fresh (the guard's look-ups before it, of the account, the token and the
    township, stay on the primary: a token issued a moment ago is found), except for a client
    whose own write the replica has not replayed yet: it reads the primary. It must not write
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
        self.replay_lsn: int | None = None  # the replica's replay position at the last probe


_probing = threading.local()  # a probe's own failure is reported by the probe, not by mark_down


def _health(app) -> _Health:
    return app.extensions.setdefault("gridgov.replica", _Health())


def lsn_number(lsn: str | None) -> int | None:
    """A PostgreSQL WAL position (``pg_lsn`` as text, ``16/B374D848``) as a comparable number."""
    if not lsn:
        return None
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def _probe(engine, max_lag: float) -> tuple[bool, str, int | None]:
    try:
        with engine.connect() as connection:
            lag, replayed = connection.execute(LAG_SQL).one()
    except Exception as exc:  # down, refusing, or a network error: the primary answers
        return False, f"down ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:160]})", None
    replayed = lsn_number(replayed)
    if lag is None:
        return False, "replay position unknown (nothing replayed yet)", replayed
    if float(lag) > max_lag:
        return False, f"lagging {float(lag):.1f} s > GRIDGOV_REPLICA_MAX_LAG {max_lag:g} s", replayed
    return True, f"lag {float(lag):.1f} s", replayed


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
                    ok, reason, replayed = _probe(engine, app.config["GRIDGOV_REPLICA_MAX_LAG"])
                finally:
                    _probing.active = False
                if ok and not health.ok:
                    log.info("replica back in use (%s)", reason)
                elif not ok and (health.ok or reason.split(" ")[0] != health.reason.split(" ")[0]):
                    log.warning("replica skipped, the primary answers: %s", reason)
                health.ok, health.reason, health.checked_at = ok, reason, time.monotonic()
                health.replay_lsn = replayed
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
                why = ""
                if engine is not None:
                    why = own_write_unseen(_own_write_marker(), _health(current_app).replay_lsn, time.time(),
                                           current_app.config["GRIDGOV_REPLICA_MAX_LAG"])
                    if why:
                        engine = None
                log.debug("%s %s read from the %s%s", request.method, request.path,
                          "replica" if engine is not None else "primary", f": {why}" if why else "")
        environ[_ENVIRON] = engine
    return environ[_ENVIRON]


def own_write_unseen(marker, replay_lsn: int | None, now: float, max_lag: float) -> str:
    """Why a client whose last write is ``marker`` (``[WAL position or None, unix time]``, or None)
    must read the primary although the replica is fresh, or "" when the replica will do: it has
    replayed that position (as of the last probe), or the write is older than ``max_lag`` (a
    replica within the bound has replayed every commit that old), or there is no marker."""
    try:
        lsn, at = marker
        age = now - float(at)
    except (TypeError, ValueError):
        return ""  # no marker (or not one of ours)
    if age >= max_lag:
        return ""
    if lsn is not None and replay_lsn is not None and replay_lsn >= int(lsn):
        return ""
    return (f"own write {max(age, 0):.1f} s ago at WAL {_lsn_text(lsn)} not replayed yet"
            f" (replica at {_lsn_text(replay_lsn)})")


def _lsn_text(number: int | None) -> str:
    return "?" if number is None else f"{int(number) >> 32:X}/{int(number) & 0xFFFFFFFF:X}"


def _token_key() -> str | None:
    """The shared cache's key of the request's bearer token's last write (tenant and token hashed)."""
    import hashlib

    from flask import g

    from core.auth.token_access import bearer_token
    from core.cache import tenant_key

    token, tenant = bearer_token(), g.get("tenant")
    if not token or tenant is None:
        return None
    return tenant_key(tenant.id, "replica-wrote", hashlib.sha256(token.encode()).hexdigest()[:32])


def _own_write_marker():
    """The request's client's last write: from the signed session cookie (no round trip), or for a
    bearer token from the shared cache (one cache read, on declared views with a fresh replica)."""
    from flask import g, session

    if not g.get("via_token"):
        return session.get(COOKIE_KEY)
    from core.cache import recall

    key = _token_key()
    return recall(key) if key else None


def _remember_own_write(response):
    """After a request that committed writes: its client reads the primary until the replica has
    replayed the primary's WAL position now (which is at or past the request's commit)."""
    from flask import current_app, g, request, session

    if not request.environ.pop(_WROTE, False):
        return response
    from core.db import db

    lsn = None
    try:
        with db.engine.connect() as connection:
            lsn = lsn_number(connection.execute(WAL_SQL).scalar())
    except Exception as exc:  # the window alone then bounds it
        log.warning("WAL position after a write unknown (%s): the client reads the primary for "
                    "GRIDGOV_REPLICA_MAX_LAG", type(exc).__name__)
    marker = [lsn, round(time.time(), 3)]
    max_lag = current_app.config["GRIDGOV_REPLICA_MAX_LAG"]
    if g.get("via_token"):
        from core.cache import remember

        key = _token_key()
        if key is None:
            return response
        remember(key, marker, max_lag)
    elif session:  # a signed-in browser (an anonymous client keeps no cookie for this)
        session[COOKIE_KEY] = marker
    else:
        return response
    log.debug("%s %s wrote: its client reads the primary until the replica replays WAL %s (at most %g s)",
              request.method, request.path, _lsn_text(lsn), max_lag)
    return response


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
    app.after_request(_remember_own_write)

    @event.listens_for(engine, "handle_error")
    def _down_on_error(context) -> None:
        if context.is_disconnect or context.connection is None:
            mark_down(app, f"connection failed ({type(context.original_exception).__name__})")


def _refuse_writes(session, flush_context, instances) -> None:
    if (session.new or session.dirty or session.deleted) and routed_engine() is not None:
        raise ReplicaWriteError("a unit of work routed to the read replica tried to write "
                                "(a view declared @reads_replica writes through the session)")


def _note_flush(session, flush_context, instances) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_FLUSHED] = True


def _note_commit(session) -> None:
    from flask import has_request_context, request

    flushed = session.info.pop(_FLUSHED, False)
    if has_request_context() and (flushed or request.method not in ("GET", "HEAD", "OPTIONS")):
        request.environ[_WROTE] = True


def _forget_flush(session, previous_transaction=None) -> None:
    session.info.pop(_FLUSHED, None)


def listen(session_class) -> None:
    event.listen(session_class, "before_flush", _refuse_writes)
    event.listen(session_class, "before_flush", _note_flush)
    event.listen(session_class, "after_commit", _note_commit)
    event.listen(session_class, "after_rollback", _forget_flush)
