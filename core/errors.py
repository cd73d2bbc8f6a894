"""Errors of one stable shape (错误格式).

Every API error is JSON::

    {"error": {"code": "validation_error", "message": "…", "fields": {"slug": ["…"]}}}

``code`` is a stable machine word, ``message`` is for people (in the request's language,
Chinese by default: ``core.i18n.select_locale``), ``fields`` maps
input fields to their problems (present on 400/409/422 where a field is at fault). Statuses:
400 malformed input, 401 not signed in, 403 not allowed, 404 not found (also: another tenant's
row or a disabled module), 409 conflict, 413 too large, 422 invalid fields, 429 too many requests.
Pages get a plain error page; no response ever carries a stack trace.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from flask_babel import gettext as _

from core.i18n import N_, localise_errors, localise_message

log = logging.getLogger("gridgov.errors")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

STATUS_MESSAGES = {
    400: N_("请求格式有误"),
    401: N_("请先登录"),
    403: N_("没有权限"),
    404: N_("未找到"),
    405: N_("不支持该请求方法"),
    409: N_("与现有数据冲突"),
    413: N_("上传内容过大"),
    415: N_("不支持的内容类型"),
    422: N_("输入有误"),
    429: N_("请求过于频繁，请稍后再试"),
    500: N_("服务器内部错误"),
    503: N_("数据库暂时无法连接，请稍后重试"),
}

# what drivers say when the database cannot be reached (rather than a query being wrong)
UNREACHABLE = ("could not connect", "Connection refused", "connection refused", "server closed the connection",
               "terminating connection", "connection to server", "the database system is", "unable to open database",
               "connection timeout", "timeout expired", "Connection reset")

# The database's integer (PostgreSQL ``integer``): ids and counts beyond it cannot exist.
MAX_INT = 2**31 - 1


class ApiError(Exception):
    """Raise from services and views to answer with a JSON error (or an error page)."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None, fields: dict[str, Any] | None = None):
        super().__init__(message or STATUS_MESSAGES.get(status, ""))
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message or STATUS_MESSAGES.get(status, "")
        self.fields = fields


def error_payload(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json"
    )


def respond(status: int, code: str, message: str, fields: dict[str, Any] | None = None, headers=None):
    # the message and the fields' messages in the request's language; code and field names stay
    message, fields = localise_message(message), localise_errors(fields)
    if wants_json():
        resp = jsonify(error_payload(status, code, message, fields))
    else:
        try:
            html = render_template("core/error.html", status=status, code=code, message=message, fields=fields)
        except Exception:  # the error page itself must never fail
            html = f"<h1>{status}</h1><p>{message}</p>"
        resp = html
    if isinstance(resp, str):
        from flask import make_response

        resp = make_response(resp)
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that matches only ids the database can hold: a larger one is 404, never an
    overflow deep in the driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    from core import confirm, security_headers

    app.url_map.converters["int"] = BoundedIntConverter
    confirm.init_app(app)
    security_headers.init_app(app)
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return respond(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return respond(422, "validation_error", STATUS_MESSAGES[422], fields)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = STATUS_CODES.get(status, "error")
        message = STATUS_MESSAGES.get(status, exc.description or "")
        if status == 400 and exc.description and "CSRF" in exc.description:
            code, message = "csrf_failed", _("页面已过期，请刷新后重试")
        elif status == 400 and wants_json() and request.is_json is not None:
            if "JSON" in (exc.description or "") or "decode" in (exc.description or ""):
                code, message = "malformed_json", _("请求体不是有效的 JSON")
        headers = dict(exc.get_headers()) if status in (405, 429) else {}
        headers.pop("Content-Type", None)
        return respond(status, code, message, headers=headers)

    from sqlalchemy.exc import DataError, IntegrityError, OperationalError
    from sqlalchemy.exc import TimeoutError as SATimeoutError
    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(exc):
        from core.db import db

        db.session.rollback()
        return respond(409, "changed_meanwhile", _("数据刚被他人修改，请刷新后重试"))

    @app.errorhandler(SATimeoutError)
    def _pool_exhausted(exc):
        return _unavailable(exc)

    @app.errorhandler(OperationalError)
    def _database_busy(exc):
        # SQLite refuses a write whose read snapshot went stale, or waits past its busy timeout,
        # with "database is locked": a concurrent write won. Nothing was saved; say so, not 500.
        reason = str(getattr(exc, "orig", exc))
        if "locked" not in reason:
            if getattr(exc, "connection_invalidated", False) or any(w in reason for w in UNREACHABLE):
                return _unavailable(exc)
            return _unexpected(exc)
        from core.db import db

        db.session.rollback()
        return respond(409, "changed_meanwhile", _("数据正被他人修改，请刷新后重试"))

    @app.errorhandler(IntegrityError)
    def _duplicate_meanwhile(exc):
        # Two requests raced to create the same thing (an ID number, a first QR report of the
        # hour): the unique key let one through. Services check first; this is the loser's answer.
        from core.db import db

        db.session.rollback()
        log.warning("integrity error on %s %s: %s", request.method, request.path, getattr(exc, "orig", exc))
        return respond(409, "conflict", _("与已有数据冲突（可能刚被他人同时提交），请刷新后重试"))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(exc):
        # A number past the database's range (SQLite: OverflowError; PostgreSQL: numeric value
        # out of range) that no schema caught: bad input, not a server fault.
        from core.db import db

        if isinstance(exc, DataError) and "out of range" not in str(exc.orig):
            return _unexpected(exc)
        db.session.rollback()
        return respond(422, "validation_error", _("数值超出范围"),
                       {"_query": [_("数值超出范围")]})

    def _unavailable(exc):
        # The database cannot be reached (refused, restarting, pool exhausted): nothing was done,
        # and the pool reconnects by itself once it is back, so ask the client to retry soon.
        from core.db import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is discarded at teardown
            pass
        log.error("database unavailable on %s %s: %s", request.method, request.path, getattr(exc, "orig", exc))
        return respond(503, "database_unavailable", STATUS_MESSAGES[503], headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500, "internal_error", STATUS_MESSAGES[500])
