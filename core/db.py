"""The database handle, the declarative base and engine tuning.

One ``db`` object (Flask-SQLAlchemy) serves core and every plugin. SQLite (the embedded
default) gets WAL, foreign keys and a busy timeout on every connection, and the transactions of
write requests take its write lock when they begin; PostgreSQL runs through psycopg 3. Write transactions that must not race on SQLite (ledgers, stock) use
:func:`immediate_transaction`, which opens them with ``BEGIN IMMEDIATE``; a hot write view
marked :func:`reads_first` reads without the lock and writes only in such a transaction.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


UTC = dt.timezone.utc


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A point in time, stored in UTC with its zone and always read back aware (UTC).

    PostgreSQL keeps it as ``timestamp with time zone``. SQLite has no zoned type, so the column
    holds the UTC wall time and the zone is put back on read. Values written may be aware in any
    zone (converted) or naive (taken as UTC, as ``utcnow()`` used to return), so a row written in
    Beijing time never shifts by eight hours. Use it for every ``datetime`` column (a test refuses
    a plain ``DateTime`` in a model).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UTCDateTime takes a datetime, not {type(value).__name__}")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite rows read through a plain column
            value = dt.datetime.fromisoformat(value)
        return as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RoutingSession(FlaskSession):
    """The session of ``db``: reads of a view declared :func:`core.replica.reads_replica` (and of
    :func:`core.replica.replica_reads` blocks) go to the replica's engine when one is configured
    and fresh; everything else to the primary (``db.engine``)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None:
            from core.replica import routed_engine

            engine = routed_engine()
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime (what every ``UTCDateTime`` column stores)."""
    return dt.datetime.now(UTC)


def _to_utc(target, value, oldvalue, initiator):
    return as_utc(value) if isinstance(value, dt.datetime) else value


@event.listens_for(Mapper, "mapper_configured")
def _aware_on_set(mapper, cls) -> None:
    # A naive datetime assigned to a zoned column becomes aware UTC at once, so comparing it with
    # ``utcnow()`` before the row is read back never mixes naive and aware values.
    for attr in mapper.column_attrs:
        if any(isinstance(c.type, UTCDateTime) for c in attr.columns) and attr.parent is mapper:
            event.listen(getattr(cls, attr.key), "set", _to_utc, retval=True)


class Timestamped:
    """Adds ``created_at`` (UTC, aware) to a model."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):  # pragma: no branch
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy's "begin" event decide how a transaction starts (see below).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


READS_FIRST = "gridgov_reads_first"


def reads_first(view):
    """Mark a write view whose look-ups need no write lock (a hot path such as a check-in burst).

    On SQLite its transactions begin deferred instead of ``BEGIN IMMEDIATE``, so the guard's and
    the view's reads run beside other writers instead of queueing for the one write lock; the
    view must then write only inside :func:`immediate_transaction` (short, and guarded by SQL:
    a unique constraint, ``UPDATE ... WHERE``), since a deferred transaction that reads and then
    writes is refused once another write committed in between. A request that carries an
    ``Idempotency-Key`` keeps the lock from BEGIN: its marker is read and written in one
    transaction (``core/api/idempotency.py``). No effect on PostgreSQL.
    """
    setattr(view, READS_FIRST, True)
    return view


def _in_write_request() -> bool:
    from flask import current_app, has_request_context, request

    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not (getattr(view, READS_FIRST, False) and "Idempotency-Key" not in request.headers)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # Deferred by default; BEGIN IMMEDIATE when the caller asked for a write lock up front,
    # which is what keeps concurrent redemptions from overspending on SQLite, and in every
    # transaction of a write request (POST, PATCH ...): SQLite has one write lock, and a
    # transaction that reads first and writes later is refused with "database is locked" when
    # another write committed in between, busy timeout or not, since its snapshot is stale.
    # Taking the lock at BEGIN makes concurrent writes wait their turn instead.
    if conn.get_execution_options().get("sqlite_immediate") or _in_write_request():
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


@contextmanager
def immediate_transaction():
    """Run the block in a write transaction that takes its lock at BEGIN.

    On SQLite this is ``BEGIN IMMEDIATE``; on PostgreSQL an ordinary transaction (pair it with
    guarded ``UPDATE ... WHERE balance >= :c`` or ``SELECT ... FOR UPDATE``). Commits on success,
    rolls back on error. The session must not be inside a transaction already.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


_AFTER_READ = "gridgov_writes_after_read"


def write_aside(*statements) -> None:
    """Run Core ``statements`` (an audit row, a token's last use) in their own short write
    transaction on a second connection, never in the caller's.

    For work a read must record without becoming a write itself: on SQLite, a read transaction
    that writes has to upgrade its lock and fails with "database is locked" once another request
    has written since it began, and a second connection writing while the caller's transaction is
    open would either wait on the caller's lock or leave its snapshot stale. So on SQLite the
    statements wait until the caller's transaction has ended (committed or rolled back, e.g. at
    the end of the request), then run under ``BEGIN IMMEDIATE``; on PostgreSQL they run at once.
    They are not tenant-scoped by the ORM guard: name rows by primary key and stamp ``tenant_id``.
    A failure is logged, never raised into work that is already done.
    """
    session = db.session()
    if db.engine.dialect.name == "sqlite" and session.in_transaction():
        session.info.setdefault(_AFTER_READ, []).extend(statements)
        return
    _run_aside(list(statements))


def _run_aside(statements: list) -> None:
    with db.engine.connect().execution_options(sqlite_immediate=True) as connection, connection.begin():
        for statement in statements:
            connection.execute(statement)


@event.listens_for(Session, "after_transaction_end")
def _run_waiting_writes(session: Session, transaction) -> None:
    if transaction.parent is not None or not session.info.get(_AFTER_READ):
        return
    statements = session.info.pop(_AFTER_READ)
    try:
        _run_aside(statements)
    except Exception:  # the caller's work is done; losing a record must not undo it
        import logging

        logging.getLogger("gridgov.db").exception("could not write %d records aside", len(statements))


def _listen_for_replica_writes() -> None:
    from core import replica  # imports nothing of core at module level

    replica.listen(RoutingSession)


_listen_for_replica_writes()
