"""The database handle, the declarative base and engine tuning.

One ``db`` object (Flask-SQLAlchemy) serves core and every plugin. SQLite (the embedded
default) gets WAL, foreign keys and a busy timeout on every connection, and the transactions of
write requests take its write lock when they begin; PostgreSQL runs through psycopg 3. Write transactions that must not race on SQLite (ledgers, stock) use
:func:`immediate_transaction`, which opens them with ``BEGIN IMMEDIATE``.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Timestamped:
    """Adds ``created_at`` (UTC, naive) to a model."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


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


def _in_write_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


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
