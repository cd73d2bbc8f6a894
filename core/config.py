"""Configuration from the environment, with defaults that work on a fresh machine.

==================  =====================================================  =====================
variable            meaning                                                default
==================  =====================================================  =====================
``GRIDGOV_ENV``     ``development``, ``testing`` or ``production``         ``production``
``DATABASE_URL``    SQLAlchemy URL; ``postgresql://`` uses psycopg 3       SQLite file
                                                                           ``instance/gridgov.db``
``GRIDGOV_DB_POOLER`` ``transaction`` when PostgreSQL is reached through        empty
                    PgBouncer in transaction mode: psycopg then prepares
                    no statements on the server
``GRIDGOV_DATABASE_REPLICA_URL`` a PostgreSQL streaming replica of         empty (no replica)
                    ``DATABASE_URL``: views declared ``reads_replica``
                    read there (:mod:`core.replica`)
``GRIDGOV_REPLICA_MAX_LAG`` seconds the replica may be behind before the      ``10``
                    primary answers its reads instead
``GRIDGOV_REPLICA_CHECK_SECONDS`` how often each process probes the replica's   ``5``
                    lag and health
``SECRET_KEY``      signs sessions and CSRF tokens; required in production none (refuses to start)
``REDIS_URL``       rate limits and the short cache (core/cache.py),       in-memory
                    shared by gunicorn workers
``UPLOAD_DIR``      where uploads are stored (photos, import files)        ``instance/uploads``
``GRIDGOV_STORAGE`` ``s3://bucket/prefix`` keeps uploads in an S3-compatible  empty (``UPLOAD_DIR``)
                    store instead (:mod:`core.storage`), with
                    ``GRIDGOV_S3_ENDPOINT``, ``GRIDGOV_S3_REGION``,
                    ``GRIDGOV_S3_ACCESS_KEY``, ``GRIDGOV_S3_SECRET_KEY``
``GRIDGOV_QUEUE_URL`` the task queue (:mod:`core.queue`): ``redis://...``     ``REDIS_URL`` if set,
                    for consumers on several hosts, or ``sqlite:///path``  else SQLite file
                                                                           ``instance/queue.db``
``GRIDGOV_QUEUE_NAME`` the queue's name in its store                      ``gridgov``
``GRIDGOV_PROXY_FIX`` number of reverse proxies in front (trust their        0 (none)
                    ``X-Forwarded-For``/``-Proto``), so per-address limits
                    see the real client
``LOGIN_LIMIT_ACCOUNT`` failed sign-ins allowed per account from one address ``5 per 15 minutes``
``LOGIN_LIMIT_ADDRESS`` failed sign-ins allowed per address                 ``30 per 15 minutes``
``LOGIN_LIMIT_ACCOUNT_TOTAL`` failed sign-ins per account from everywhere,    ``20 per 15 minutes``
                    before browsers new to the account must wait
                    (:mod:`core.auth.throttle`)
``PASSWORD_HASH_FAST`` cheap argon2 profile (tests only)                    off (on under TESTING)
``PHOTO_MAX_KB``    a photo over this is shrunk to fit (:mod:`core.images`);  5120
                    a module with a township setting (``max_photo_kb``)
                    passes that instead
``PHOTO_MAX_SIDE``  a shrunk photo's long side at most, in pixels           2048
``PHOTO_UPLOAD_MAX_MB`` a photo larger than this is refused (413), not read    20
``DASHBOARD_CACHE_SECONDS`` how long a dashboard's widgets are kept (per      60 (0 under TESTING)
                    tenant, user and roles; the page shows when counted)
==================  =====================================================  =====================
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping


class ConfigError(RuntimeError):
    """The configuration cannot run (e.g. no SECRET_KEY in production)."""


def normalise_database_url(url: str) -> str:
    """Route plain ``postgresql://`` URLs through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _number(overrides: dict, key: str, default, kind, unit: str):
    """A numeric setting from ``overrides`` or the environment, refused at start (naming the
    variable) when it is not a non-negative number of ``unit``."""
    raw = overrides.pop(key, None)
    raw = raw if raw is not None else os.environ.get(key) or default
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number of {unit}, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{key} must not be negative, not {raw!r}")
    return value


def build_config(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    env = overrides.get("GRIDGOV_ENV") or os.environ.get("GRIDGOV_ENV", "production")
    testing = bool(overrides.get("TESTING")) or env == "testing"
    if testing:
        env = "testing"
    default_db = "sqlite:///" + str(Path(instance_path) / "gridgov.db")
    database_url = normalise_database_url(overrides.pop("DATABASE_URL", None) or os.environ.get("DATABASE_URL") or default_db)
    pooler = overrides.pop("GRIDGOV_DB_POOLER", None) or os.environ.get("GRIDGOV_DB_POOLER") or ""
    if pooler not in ("", "transaction"):
        raise ConfigError(f"GRIDGOV_DB_POOLER must be empty or 'transaction' (PgBouncer's pool_mode), not {pooler!r}")
    replica_url = overrides.pop("GRIDGOV_DATABASE_REPLICA_URL", None) or os.environ.get("GRIDGOV_DATABASE_REPLICA_URL") or ""
    replica_url = normalise_database_url(replica_url) if replica_url else ""
    if replica_url and not (replica_url.startswith("postgresql") and database_url.startswith("postgresql")):
        raise ConfigError("GRIDGOV_DATABASE_REPLICA_URL needs PostgreSQL, for it and for DATABASE_URL "
                          "(a streaming replica of the primary)")
    replica_numbers = {key: _number(overrides, key, default, float, "seconds")
                       for key, default in (("GRIDGOV_REPLICA_MAX_LAG", 10.0), ("GRIDGOV_REPLICA_CHECK_SECONDS", 5.0))}
    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if env in ("development", "testing"):
            secret = "gridgov-development-only-secret"
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
                "string (e.g. python -c 'import secrets; print(secrets.token_hex(32))'), or set "
                "GRIDGOV_ENV=development for local use."
            )
    redis_url = overrides.get("REDIS_URL", os.environ.get("REDIS_URL") or None)
    config: dict[str, Any] = {
        "GRIDGOV_ENV": env,
        "TESTING": testing,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url, pooler),
        "GRIDGOV_DATABASE_REPLICA_URL": replica_url,
        **replica_numbers,
        "REDIS_URL": redis_url,
        "DASHBOARD_CACHE_SECONDS": float(os.environ.get("DASHBOARD_CACHE_SECONDS") or (0 if testing else 60)),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
        "GRIDGOV_STORAGE": os.environ.get("GRIDGOV_STORAGE") or "",
        **{key: os.environ.get(key) or None for key in ("GRIDGOV_S3_ENDPOINT", "GRIDGOV_S3_REGION",
                                                         "GRIDGOV_S3_ACCESS_KEY", "GRIDGOV_S3_SECRET_KEY")},
        "PHOTO_MAX_KB": _number(overrides, "PHOTO_MAX_KB", 5120, int, "kilobytes"),
        "PHOTO_MAX_SIDE": _number(overrides, "PHOTO_MAX_SIDE", 2048, int, "pixels"),
        "PHOTO_UPLOAD_MAX_MB": _number(overrides, "PHOTO_UPLOAD_MAX_MB", 20, int, "megabytes"),
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "JSON_AS_ASCII": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production" and os.environ.get("GRIDGOV_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_SECURE": env == "production" and os.environ.get("GRIDGOV_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "GRIDGOV_EXTRA_PLUGINS": (),
        "GRIDGOV_PROXY_FIX": int(os.environ.get("GRIDGOV_PROXY_FIX") or 0),
        "GRIDGOV_QUEUE_URL": os.environ.get("GRIDGOV_QUEUE_URL") or None,
        "GRIDGOV_QUEUE_NAME": os.environ.get("GRIDGOV_QUEUE_NAME") or "gridgov",
    }
    if replica_url:
        # the replica's engine (core.replica): the primary's options, and a bounded connect so a
        # replica that is gone is found out in seconds
        options = _engine_options(replica_url, pooler)
        options["connect_args"] = {**options.get("connect_args", {}), "connect_timeout": 2}
        config["SQLALCHEMY_BINDS"] = {"replica": {"url": replica_url, **options}}
    for key in ("LOGIN_LIMIT_ACCOUNT", "LOGIN_LIMIT_ADDRESS", "LOGIN_LIMIT_ACCOUNT_TOTAL"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    config.update(overrides)
    return config


def _engine_options(url: str, pooler: str = "") -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # No pool_pre_ping: it cost a round trip on every checkout, i.e. every request. A connection
    # the server dropped (a restart, an idle timeout on the way) fails on its first statement
    # instead: that request answers 503 with Retry-After (core.errors), SQLAlchemy discards the
    # pool's connections older than the failure, and the next request gets a fresh one.
    # pool_recycle replaces connections older than 10 minutes before a firewall or pooler's idle
    # timeout can cut them.
    options: dict[str, Any] = {"pool_recycle": 600, "pool_size": 10, "max_overflow": 10}
    if pooler == "transaction":
        # each transaction may run on another server connection: a statement psycopg prepared on
        # one (after five runs) is unknown, or already taken, on the next
        options["connect_args"] = {"prepare_threshold": None}
    return options
