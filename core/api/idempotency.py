"""Idempotent writes (幂等写入): every POST, PUT, PATCH and DELETE under ``/api/v1`` may carry an
``Idempotency-Key`` header, handled here for every view at once (no decorator to remember).

Contract, per caller ``(tenant, user, key)`` (tenant 0 outside ``/t/<tenant>/``, user 0 when
anonymous, e.g. Open311 clients):

* the first request stores an *in progress* marker, **committed before the view runs**, then
  the view's status and body once it answers;
* a retry with the same key, method, path and body gets the stored status and body back with
  ``Idempotent-Replayed: true``, and the view does not run again;
* the same key with another request → 422 ``idempotency_key_reused``;
* a retry while the first is still running → 409 ``idempotency_in_progress`` (retry later);
* a key that is empty or longer than 255 characters → 400 naming the header.

What is kept: 2xx and 4xx answers (a 422 stays a 422: fix the body, use a new key), except
409 and 429, which mean "try again" and so release the key like a 5xx or an exception does:
nothing was done, the key is free. Keys expire after 24 hours (:data:`TTL`); expired rows of a
tenant are swept whenever a key of that tenant is claimed, and by :func:`sweep_expired`. An
*in progress* marker older than :data:`ABANDONED` is a run whose worker died and is taken over.

Why it is safe against racing twins: the marker row is unique on ``(tenant_id, user_id, key)``,
so of two twins only one insert commits (PostgreSQL makes the other wait for it, then fail).
On SQLite every transaction of a write request begins ``BEGIN IMMEDIATE`` (core.db), so twins
queue on the write lock and the second reads the first's committed marker. Committing the
marker ends the request's first transaction, which until then has only read (the guard's
user and tenant look-ups); those objects are kept loaded rather than expired.

The answer is stored after a rollback of whatever the view left uncommitted, so storing it can
never commit half of a failed view's work.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from core.db import db, utcnow
from core.errors import ApiError
from core.models.idempotency import IdempotencyKey
from flask_babel import gettext as _

log = logging.getLogger("gridgov.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
TTL = dt.timedelta(hours=24)
ABANDONED = dt.timedelta(minutes=10)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# answers that mean "nothing done, try again": the key is released, not kept
RETRYABLE = frozenset({409, 429})


def request_hash() -> str:
    """SHA-256 over the method, the path with its query string and the raw body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.rstrip("?").encode(), request.get_data(cache=True)):
        digest.update(part)
        digest.update(b"\x00")
    return digest.hexdigest()


def _caller() -> tuple[int, int]:
    tenant = g.get("tenant")
    user_id = current_user.id if getattr(current_user, "is_authenticated", False) else 0
    return (tenant.id if tenant is not None else 0), user_id


def _key_from_header() -> str | None:
    if request.method not in WRITES or not request.path.startswith("/api/v1/"):
        return None
    if request.endpoint is None or request.routing_exception is not None:
        return None
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(400, "invalid_idempotency_key",
                       _("%(HEADER)s 须为 1 到 %(MAX_KEY_LENGTH)s 个字符", HEADER=HEADER, MAX_KEY_LENGTH=MAX_KEY_LENGTH),
                       {HEADER: [_("须为 1 到 %(MAX_KEY_LENGTH)s 个字符", MAX_KEY_LENGTH=MAX_KEY_LENGTH)]})
    return key


def _find(tenant_id: int, user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))


def _commit_keeping_loaded() -> None:
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _answer(row: IdempotencyKey, digest: str):
    if row.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       _("该 %(HEADER)s 已用于另一个请求", HEADER=HEADER),
                       {HEADER: [_("已用于另一个请求，请换一个新键")]})
    if row.state != IdempotencyKey.DONE:
        raise ApiError(409, "idempotency_in_progress",
                       _("同一请求仍在处理中，请稍后重试"))
    response = current_app.response_class(row.body or b"", status=row.status, content_type=row.content_type)
    if row.location:
        response.headers["Location"] = row.location
    response.headers[REPLAYED_HEADER] = "true"
    return response


def claim_key():
    """``before_request``: replay a stored answer, refuse a clash, or commit an in-progress marker."""
    key = _key_from_header()
    if key is None:
        return None
    tenant_id, user_id = _caller()
    digest = request_hash()
    now = utcnow()
    row = _find(tenant_id, user_id, key)
    if row is not None and (row.expires_at <= now or (row.state == IdempotencyKey.IN_PROGRESS
                                                      and row.created_at <= now - ABANDONED)):
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is not None:
        return _answer(row, digest)
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.expires_at <= now))
    marker = IdempotencyKey(tenant_id=tenant_id, user_id=user_id, key=key, request_hash=digest,
                            state=IdempotencyKey.IN_PROGRESS, created_at=now, expires_at=now + TTL)
    db.session.add(marker)
    try:
        _commit_keeping_loaded()
    except IntegrityError:
        db.session.rollback()  # a twin committed its marker first
        row = _find(tenant_id, user_id, key)
        if row is None:  # ... and has released it again: nothing was done
            raise ApiError(409, "idempotency_in_progress",
                           _("同一请求刚刚失败，请重试")) from None
        return _answer(row, digest)
    g._idempotency_key_id = marker.id
    return None


def _release(row_id: int) -> None:
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.id == row_id, IdempotencyKey.state == IdempotencyKey.IN_PROGRESS))
    db.session.commit()


def store_answer(response):
    """``after_request``: keep the view's answer under its key, or release the key."""
    row_id = g.pop("_idempotency_key_id", None)
    if row_id is None:
        return response
    try:
        if response.status_code >= 500 or response.status_code in RETRYABLE or response.is_streamed:
            _release(row_id)
            return response
        db.session.rollback()  # the view committed what it did; anything left over is not kept
        db.session.execute(update(IdempotencyKey).where(IdempotencyKey.id == row_id).values(
            state=IdempotencyKey.DONE, status=response.status_code, body=response.get_data(),
            content_type=response.content_type, location=response.headers.get("Location")))
        db.session.commit()
    except Exception:
        log.exception("could not store the answer under an idempotency key; releasing it")
        db.session.rollback()
        _release_quietly(row_id)
    return response


def _release_quietly(row_id: int) -> None:
    try:
        _release(row_id)
    except Exception:
        log.exception("could not release an idempotency key (it is taken over after %s)", ABANDONED)
        db.session.rollback()


def release_on_error(exc) -> None:
    """``teardown_request``: a request that ended without an answer frees its key."""
    row_id = g.pop("_idempotency_key_id", None)
    if row_id is not None:
        _release_quietly(row_id)


def sweep_expired(now: dt.datetime | None = None) -> int:
    """Delete every expired key (all tenants: maintenance, past row-level security); returns how
    many. Commits."""
    from core.rls import bypassing

    with bypassing(db.session.connection()):
        result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow())))
    db.session.commit()
    return result.rowcount


def init_app(app: Flask) -> None:
    """Register after the guard and the module gate, so the key is claimed last, just before
    the view, and only for requests that are allowed to reach it."""
    app.before_request(claim_key)
    app.after_request(store_answer)
    app.teardown_request(release_on_error)
