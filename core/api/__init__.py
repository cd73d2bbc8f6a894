"""The REST API shell under ``/api/v1``: request parsing, schema loading, pagination, docs.

Views stay thin: load with :func:`load` (allow-list schemas; ``id`` and ``tenant_id`` are never
loadable), call a service, answer with :func:`dump` or :func:`page`.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import Blueprint, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields

from core.errors import MAX_INT, STATUS_MESSAGES, ApiError
from flask_babel import gettext as _

F = TypeVar("F", bound=Callable)

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 200


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 ``malformed_json`` when it is not one."""
    data = request.get_json(silent=True)
    if data is None:
        if request.data and request.data.strip():
            raise ApiError(400, "malformed_json", _("请求体不是有效的 JSON"))
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", _("请求体须为 JSON 对象"))
    too_big = _out_of_range(data, "")
    if too_big:
        raise ApiError(422, "validation_error", _("数值超出范围"),
                       {name: [_("须在 ±%(MAX_INT)s 之内", MAX_INT=MAX_INT)] for name in too_big})
    return data


def _out_of_range(value: Any, path: str) -> list[str]:
    """Dotted paths of integers in ``value`` that no database column can hold."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [path or "_body"] if abs(value) > MAX_INT else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _out_of_range(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _out_of_range(v, f"{path}.{i}" if path else str(i))]
    return []


def choice_arg(name: str, allowed, default: str | None = None) -> str | None:
    """A query parameter that must be one of ``allowed``: 422 naming ``name`` and the choices."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if raw not in allowed:
        raise ApiError(422, "validation_error", _("参数 %(name)s 有误", name=name),
                       {name: [_("须为以下之一：%(choices)s", choices=", ".join(allowed))]})
    return raw


def known_args(*names: str) -> None:
    """Refuse query parameters the endpoint does not know (a typo or ``?limit=`` where there is no
    limit must not silently return everything): 422 naming them. Pagination and the language
    switch are always known."""
    unknown = sorted(set(request.args) - {*names, "page", "per_page", "lang"})
    if unknown:
        raise ApiError(422, "validation_error", _("未知的查询参数"),
                       {n: [_("不支持此参数")] for n in unknown})


def int_arg(name: str, default: int | None = None, *, minimum: int = 1) -> int | None:
    """An integer query parameter (an id, a limit): 422 naming ``name`` when it is not a whole
    number from ``minimum`` to the database's largest integer."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
        if not minimum <= value <= MAX_INT:
            raise ValueError
    except ValueError:
        raise ApiError(422, "validation_error", _("参数 %(name)s 有误", name=name),
                       {name: [_("须为 %(minimum)s 到 %(MAX_INT)s 之间的整数", minimum=minimum, MAX_INT=MAX_INT)]})
    return value


def load(schema: Schema | type[Schema], data: dict[str, Any] | None = None, **kwargs) -> Any:
    """Validate ``data`` (default: the JSON body) with ``schema``; 422 with field errors.

    Stricter than marshmallow in two ways, for every schema: a number with a fraction (or any
    float) where an integer is expected is refused, not truncated; and a PATCH must name at least
    one field the schema knows (an empty change is a mistake, never a silent 200)."""
    if isinstance(schema, type):
        schema = schema(**kwargs)
    data = json_body() if data is None else data
    problems = _not_whole(schema, data)
    if problems:
        raise ApiError(422, "validation_error", STATUS_MESSAGES[422], problems)
    known = sorted(f.data_key or n for n, f in schema.load_fields.items())
    # unknown fields alone: marshmallow names them (unless the schema excludes them)
    if request.method == "PATCH" and isinstance(data, dict) and not set(known) & set(data) and (
            not data or schema.unknown != RAISE):
        raise ApiError(422, "validation_error", _("没有要修改的内容"),
                       {"_body": [_("请至少提供以下字段之一：%(names)s", names=", ".join(known))]})
    return schema.load(data)


def _not_whole(schema: Schema, data: Any, prefix: str = "") -> dict[str, list[str]]:
    """Fields of ``schema`` holding a float where the schema wants an integer (nested too)."""
    if not isinstance(data, dict):
        return {}
    problems: dict[str, list[str]] = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in data:
            problems.update(_field_not_whole(field, data[key], f"{prefix}{key}"))
    return problems


def _field_not_whole(field: fields.Field, value: Any, path: str) -> dict[str, list[str]]:
    if isinstance(field, fields.Integer) and isinstance(value, float):
        return {path: [_("须为整数")]}
    if isinstance(field, fields.List) and isinstance(value, list):
        found: dict[str, list[str]] = {}
        for i, item in enumerate(value):
            found.update(_field_not_whole(field.inner, item, f"{path}.{i}"))
        return found
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        items = value if isinstance(value, list) else [value]
        found = {}
        for i, item in enumerate(items):
            found.update(_not_whole(field.schema, item, f"{path}.{i}." if isinstance(value, list) else f"{path}."))
        return found
    return {}


def dump(schema: Schema | type[Schema], obj: Any, status: int = 200, many: bool = False):
    if isinstance(schema, type):
        schema = schema(many=many)
    return jsonify(schema.dump(obj)), status


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1..200, default 50) from the query string."""
    problems: dict[str, list[str]] = {}
    values = {}
    for name, default, hi in (("page", 1, MAX_INT), ("per_page", 50, MAX_PER_PAGE)):
        raw = request.args.get(name)
        try:
            values[name] = int(raw) if raw not in (None, "") else default
            if not 1 <= values[name] <= hi:
                raise ValueError
        except ValueError:
            problems[name] = [_("须为 1 到 %(hi)s 之间的整数", hi=hi)]
    if problems:
        raise ApiError(422, "validation_error", _("分页参数有误"), problems)
    return values["page"], values["per_page"]


# how many rows a long list counts on a page view at most ("1,000+"); see CappedPage
LIST_COUNT_CAP = 1000


class CappedPage:
    """One page of a long list whose total is counted up to ``cap`` rows only: a township's
    100,000 residents or 200,000 incidents are not counted on every page view. ``total`` is
    exact up to the cap (``total_capped`` false), else the cap; ``has_next`` is exact either way.
    The attributes pages use of flask-sqlalchemy's ``Pagination`` (``items``, ``page``,
    ``pages``, ``has_prev``, ``prev_num``, ``has_next``, ``next_num``), ``pages`` counted from the
    capped total (at least up to this page)."""

    def __init__(self, select_stmt, number: int, per_page: int, cap: int | None = None):
        from flask import current_app
        from sqlalchemy import func, select

        from core.db import db

        # the app's LIST_COUNT_CAP, when set, caps every long list alike (tests set a small one)
        cap = int(current_app.config.get("LIST_COUNT_CAP") or cap or LIST_COUNT_CAP)

        offset = (number - 1) * per_page
        rows = db.session.scalars(select_stmt.limit(per_page + 1).offset(offset)).all()
        self.items, self.has_next = rows[:per_page], len(rows) > per_page
        counted = db.session.scalar(select(func.count()).select_from(
            select_stmt.order_by(None).limit(cap + 1).subquery())) or 0
        self.total_capped = counted > cap
        self.total = cap if self.total_capped else counted
        self.page, self.per_page = number, per_page
        self.pages = max(-(-self.total // per_page), number + (1 if self.has_next else 0))
        self.has_prev = number > 1
        self.prev_num = number - 1 if self.has_prev else None
        self.next_num = number + 1 if self.has_next else None

    def answer(self, items: list) -> dict[str, Any]:
        """The API's page answer: ``{"items", "page", "per_page", "total", "total_capped", "has_more"}``."""
        return {"items": items, "page": self.page, "per_page": self.per_page, "total": self.total,
                "total_capped": self.total_capped, "has_more": self.has_next}


def page(schema: Schema | type[Schema], select_stmt, *, order_by=None, count_up_to: int | None = None):
    """Run a paginated select and answer
    ``{"items", "page", "per_page", "total", "total_capped", "has_more"}``.

    ``count_up_to``: a long list (a township's 200,000 incidents) counts at most that many rows
    on a page view; beyond it ``total`` is the cap and ``total_capped`` is true (show "1000+").
    ``has_more`` says whether a next page exists, exact either way.
    """
    from core.db import db

    number, per_page = page_args()
    if order_by is not None:
        select_stmt = select_stmt.order_by(*order_by) if isinstance(order_by, (list, tuple)) else select_stmt.order_by(order_by)
    if isinstance(schema, type):
        schema = schema(many=True)
    if count_up_to is None:
        result = db.paginate(select_stmt, page=number, per_page=per_page, error_out=False, count=True)
        return jsonify({"items": schema.dump(result.items), "page": number, "per_page": per_page,
                        "total": result.total, "total_capped": False,
                        "has_more": (number - 1) * per_page + len(result.items) < result.total})
    found = CappedPage(select_stmt, number, per_page, count_up_to)
    return jsonify(found.answer(schema.dump(found.items)))


# JSON schemas of answers built by hand, by component name (``json_schema``); the document lists them
JSON_SCHEMAS: dict[str, dict] = {}


def json_schema(name: str, schema: dict) -> dict:
    """Name a hand-written JSON schema (a grid tree node, a table of figures) as an OpenAPI
    component and answer the ``$ref`` to it, to use in ``doc(response_schema=...)`` or inside
    another such schema (a tree refers to itself this way)."""
    JSON_SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def doc(summary: str, *, request_schema: type[Schema] | None = None,
        response_schema: type[Schema] | dict | None = None, many: bool = False, paged: bool = False,
        items: bool = False, query: type[Schema] | dict | None = None, tags: list[str] | None = None,
        status: int = 200, error_schema: dict | None = None) -> Callable[[F], F]:
    """Describe an API view for the OpenAPI document (``core/api/openapi.py``).

    ``response_schema`` is a marshmallow schema (or a JSON schema dict, for answers built by hand);
    the answer is that schema, a bare array of it (``many``), ``{"items": [...]}`` (``items``) or
    the envelope :func:`page` answers (``paged``, which documents ``page`` and ``per_page`` too).
    ``query`` documents the query parameters: a marshmallow schema, or ``{name: kind}`` with kind
    one of ``id``, ``integer``, ``string``, ``date``, ``month`` (2026-11), ``year``, ``flag`` (0/1),
    a list of choices or a JSON schema. Every parameter a view reads must be documented
    (``tests/core/test_openapi.py`` calls every GET route and notes what it reads). ``error_schema``: the JSON
    schema of this view's error answers when they are not core's ``{"error": ...}``."""

    def decorate(view: F) -> F:
        view.__apidoc__ = {
            "summary": summary,
            "request": request_schema,
            "response": response_schema,
            "many": many,
            "paged": paged,
            "items": items,
            "query": query,
            "tags": tags or [],
            "status": status,
            "errors": error_schema,
        }
        return view

    return decorate
