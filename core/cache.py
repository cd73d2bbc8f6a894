"""The app's short-lived cache (缓存): Redis when ``REDIS_URL`` is set (shared by gunicorn
workers), else a bounded in-process LRU per app.

Values are JSON (nothing executable comes back from Redis). Every key a caller makes names the
tenant it belongs to (:func:`tenant_key`), so one township's cached numbers can never answer
another's. If Redis is unreachable the cache is skipped and the error logged: a page is slower,
never wrong or broken.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from flask import Flask, current_app

log = logging.getLogger("gridgov.cache")
EXTENSION = "gridgov.cache"
PREFIX = "gridgov:cache:"


class MemoryCache:
    """A thread-safe LRU of ``maxsize`` entries, each with its own expiry."""

    def __init__(self, maxsize: int = 2048):
        self.maxsize = maxsize
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return hit[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def delete_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._data if k.startswith(prefix)]:
                del self._data[key]


class RedisCache:
    """Keys are ``gridgov:cache:<namespace>:<key>``; the namespace names the database, so two
    deployments (or test runs) sharing one Redis never read each other's tenant 1."""

    def __init__(self, url: str, namespace: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"{PREFIX}{namespace}:"

    def get(self, key: str) -> str | None:
        value = self._redis.get(self._prefix + key)
        return value.decode() if value is not None else None

    def set(self, key: str, value: str, ttl: float) -> None:
        self._redis.set(self._prefix + key, value, px=max(1, int(ttl * 1000)))

    def delete_prefix(self, prefix: str) -> None:
        for key in self._redis.scan_iter(match=self._prefix + prefix + "*", count=500):
            self._redis.delete(key)


def database_namespace(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION] = (RedisCache(url, database_namespace(str(app.config["SQLALCHEMY_DATABASE_URI"])))
                                 if url else MemoryCache())


def _store():
    return current_app.extensions.get(EXTENSION)


def tenant_key(tenant_id: int, *parts: object) -> str:
    """``t<tenant id>:<part>:<part>...``: every cached value is filed under its tenant."""
    return ":".join([f"t{int(tenant_id)}", *(str(p) for p in parts)])


def cached(key: str, ttl: float, compute: Callable[[], Any]) -> tuple[Any, bool]:
    """``(value, hit)``: the cached JSON value of ``key``, or ``compute()`` stored for ``ttl`` s.

    ``ttl <= 0`` computes every time."""
    store = _store()
    if store is None or ttl <= 0:
        return compute(), False
    try:
        raw = store.get(key)
    except Exception:
        log.exception("cache unavailable; computing %s", key)
        return compute(), False
    if raw is not None:
        return json.loads(raw), True
    value = compute()
    try:
        store.set(key, json.dumps(value, ensure_ascii=False, default=str), ttl)
    except Exception:
        log.exception("cache unavailable; %s not stored", key)
    return value, False


def remember(key: str, value: Any, ttl: float) -> None:
    """Store the JSON ``value`` under ``key`` for ``ttl`` s (shared by hosts when Redis is set);
    an unreachable cache is logged, not raised."""
    store = _store()
    if store is None or ttl <= 0:
        return
    try:
        store.set(key, json.dumps(value, ensure_ascii=False, default=str), ttl)
    except Exception:
        log.exception("cache unavailable; %s not stored", key)


def recall(key: str) -> Any:
    """The JSON value stored under ``key``, or None (absent, expired, or the cache unreachable)."""
    store = _store()
    if store is None:
        return None
    try:
        raw = store.get(key)
    except Exception:
        log.exception("cache unavailable; %s not read", key)
        return None
    return json.loads(raw) if raw is not None else None


def forget_tenant(tenant_id: int) -> None:
    """Drop every cached value of a tenant (after a change its cached pages must not outlive)."""
    store = _store()
    if store is None:
        return
    try:
        store.delete_prefix(tenant_key(tenant_id) + ":")
    except Exception:
        log.exception("cache unavailable; tenant %s not forgotten", tenant_id)


class ProcessCache:
    """A process's own bounded LRU of Python objects, for values kept under a version key such as
    :func:`core.auth.access.version_key` (``(tenant id, created_at, permissions_version)``): the
    tenant row is read on every request anyway, and every change to its roles, role permissions or
    modules bumps the version in the same transaction, so a stale copy is never used, in this
    process or another. The creation time keeps a new township that got a deleted one's id
    (SQLite) off its entries."""

    def __init__(self, maxsize: int = 512):
        self.maxsize, self._data, self._lock = maxsize, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
