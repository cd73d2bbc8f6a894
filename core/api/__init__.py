"""The REST API shell under ``/api/v1``: request parsing, schema loading, pagination, docs.

Views stay thin: load with :func:`load` (allow-list schemas; ``id`` and ``tenant_id`` are never
loadable), call a service, answer with :func:`dump` or :func:`page`.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError

from core.errors import ApiError

F = TypeVar("F", bound=Callable)

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 200


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 ``malformed_json`` when it is not one."""
    data = request.get_json(silent=True)
    if data is None:
        if request.data and request.data.strip():
            raise ApiError(400, "malformed_json", "请求体不是有效的 JSON (malformed JSON body)")
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "请求体须为 JSON 对象 (the body must be a JSON object)")
    return data


def load(schema: Schema | type[Schema], data: dict[str, Any] | None = None, **kwargs) -> Any:
    """Validate ``data`` (default: the JSON body) with ``schema``; 422 with field errors."""
    if isinstance(schema, type):
        schema = schema(**kwargs)
    return schema.load(json_body() if data is None else data)


def dump(schema: Schema | type[Schema], obj: Any, status: int = 200, many: bool = False):
    if isinstance(schema, type):
        schema = schema(many=many)
    return jsonify(schema.dump(obj)), status


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1..200, default 50) from the query string."""
    problems: dict[str, list[str]] = {}
    values = {}
    for name, default, hi in (("page", 1, 10**9), ("per_page", 50, MAX_PER_PAGE)):
        raw = request.args.get(name)
        try:
            values[name] = int(raw) if raw not in (None, "") else default
            if not 1 <= values[name] <= hi:
                raise ValueError
        except ValueError:
            problems[name] = [f"须为 1 到 {hi} 之间的整数 (an integer from 1 to {hi})"]
    if problems:
        raise ApiError(422, "validation_error", "分页参数有误 (bad pagination)", problems)
    return values["page"], values["per_page"]


def page(schema: Schema | type[Schema], select_stmt, *, order_by=None):
    """Run a paginated select and answer ``{"items", "page", "per_page", "total"}``."""
    from core.db import db

    number, per_page = page_args()
    if order_by is not None:
        select_stmt = select_stmt.order_by(*order_by) if isinstance(order_by, (list, tuple)) else select_stmt.order_by(order_by)
    result = db.paginate(select_stmt, page=number, per_page=per_page, error_out=False, count=True)
    if isinstance(schema, type):
        schema = schema(many=True)
    return jsonify(
        {"items": schema.dump(result.items), "page": number, "per_page": per_page, "total": result.total}
    )


def doc(summary: str, *, request_schema: type[Schema] | None = None, response_schema: type[Schema] | None = None,
        many: bool = False, tags: list[str] | None = None, status: int = 200) -> Callable[[F], F]:
    """Describe an API view for the OpenAPI document (summary, request and response schemas)."""

    def decorate(view: F) -> F:
        view.__apidoc__ = {
            "summary": summary,
            "request": request_schema,
            "response": response_schema,
            "many": many,
            "tags": tags or [],
            "status": status,
        }
        return view

    return decorate
