"""The OpenAPI 3 document, generated from the URL map and the views' marshmallow schemas.

It is written in English, one language like every page (never "中文 (english)"): its readers are
the programmers who integrate with the API, and its field names, error codes and permission names
are English already. A summary is the view's ``doc("…")``, a field's description its
``metadata={"description": "…"}``; ``tests/core/test_openapi.py`` refuses Chinese in either. The
answers themselves (error messages) follow the request's language.
"""
from __future__ import annotations

import re
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify

from core.api import JSON_SCHEMAS, MAX_PER_PAGE
from core.api.idempotency import HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER, WRITES
from core.auth.decorators import public, rule_of
from core.errors import MAX_INT

_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
_TYPES = {"int": "integer", "float": "number"}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}


IDEMPOTENCY_PARAMETER = {
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": (
        "Idempotency key: a retry with the same key and the same request gets the stored status and body "
        f"(with `{REPLAYED_HEADER}: true`) and has no second effect; the same key with another "
        "request answers 422 `idempotency_key_reused`; a retry while the first still runs answers "
        "409 `idempotency_in_progress`; longer than 255 characters answers 400. Kept per "
        "(tenant, user, key) for 24 hours; 409, 429 and 5xx answers are not kept."
    ),
}
IDEMPOTENCY_REF = "IdempotencyKey"  # apispec turns a name into a $ref to the component


def schema_name(schema) -> str:
    """The component name of a marshmallow schema: its class name (less a ``Schema`` suffix), and
    for a module's schema the module's name before it (``incidents.PhotoOut``), so two modules'
    ``PhotoOut`` are two components rather than one overwriting, or renamed after, the other.
    Core's and the tenant lifecycle's schemas keep their plain names."""
    from apispec.ext.marshmallow.common import resolve_schema_cls

    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    package = cls.__module__.split(".")
    if package[0] in ("core", "tenants"):
        return name
    owner = package[1] if package[0] == "plugins" and len(package) > 1 else package[0]
    return f"{owner}.{name}"


def build_spec(app: Flask) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(
        title="gridgov API",
        version="1",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "The REST API of gridgov, Party-led grid governance for townships. Errors: see components.schemas.Error."},
    )
    plugin.converter.add_attribute_function(_nullable_output)
    spec.components.schema("Error", ERROR_SCHEMA)
    for name, schema in sorted(JSON_SCHEMAS.items()):
        spec.components.schema(name, schema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.parameter("IdempotencyKey", "header", IDEMPOTENCY_PARAMETER)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "__apidoc__", {}) or {}
        access = rule_of(view)
        path = _PARAM.sub(lambda m: "{" + m.group("name") + "}", rule.rule)
        params = [
            {"name": m.group("name"), "in": "path", "required": True,
             "schema": {"type": _TYPES.get(m.group("conv") or "", "string")}}
            for m in _PARAM.finditer(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": meta.get("summary") or (view.__doc__ or rule.endpoint).strip().splitlines()[0],
                "tags": meta.get("tags") or [rule.endpoint.split(".")[0]],
                "parameters": params + _query(meta) + ([IDEMPOTENCY_REF] if method in WRITES else []),
                "responses": {
                    str(meta.get("status", 200)): _response(meta),
                    "default": {"description": "error", "content": {"application/json": {
                        "schema": meta.get("errors") or {"$ref": "#/components/schemas/Error"}}}},
                },
            }
            if access is not None and access.kind == "permission":
                op["x-permission"] = access.permission
            if access is None or access.kind != "public":
                op["security"] = [{"bearer": []}]
            if meta.get("request") is not None and method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["request"]}}}
            paths.setdefault(path, {})[method.lower()] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return _plain(spec.to_dict())


def _plain(value):
    """JSON's own types only: marshmallow validators' Decimal bounds become numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


# ``doc(query={"grid_id": "id", "from": "date", "state": ["open", "closed"]})``: the short names
_QUERY_TYPES = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    "integer": {"type": "integer"},
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "2026-11"},
    "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
    "flag": {"type": "string", "enum": ["0", "1"]},
}


def _query_type(kind) -> dict:
    if isinstance(kind, (list, tuple)):
        return {"type": "string", "enum": list(kind)}
    return kind if isinstance(kind, dict) else _QUERY_TYPES[kind]


def _query(meta: dict) -> list:
    """The query parameters: the view's ``query`` schema (apispec expands it into one parameter per
    field) and, for a paged list, ``page`` and ``per_page`` with their bounds."""
    params: list = []
    query = meta.get("query")
    if isinstance(query, dict):
        params += [{"name": name, "in": "query", "required": False, "schema": _query_type(kind)}
                   for name, kind in query.items()]
    elif query is not None:
        params.append({"in": "query", "schema": query})
    if meta.get("paged"):
        params += [
            {"name": "page", "in": "query", "required": False, "description": "page number, from 1",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT, "default": 1}},
            {"name": "per_page", "in": "query", "required": False, "description": "items per page",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50}},
        ]
    return params


def _response(meta: dict) -> dict:
    schema = meta.get("response")
    if schema is None and (meta.get("paged") or meta.get("items")):
        schema = {"type": "object"}  # the envelope is known even where the item is not described
    if schema is None:
        return {"description": "OK"}
    if meta.get("paged"):
        body = {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
            "items": {"type": "array", "items": schema}, "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0}}}
    elif meta.get("items"):
        body = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema}}}
    else:
        body = {"type": "array", "items": schema} if meta.get("many") else schema
    return {"description": "OK", "content": {"application/json": {"schema": body}}}


def _nullable_output(self, field, ret) -> dict:
    """An output field (``dump_only``) is ``nullable`` unless required: marshmallow dumps None as
    null whatever ``allow_none`` says (which only governs loading)."""
    if field.dump_only and not field.required and "nullable" not in ret:
        return {"nullable": True}
    return {}


def init_app(app: Flask) -> None:
    @app.get("/api/v1/openapi.json")
    @public
    def openapi_document():
        """The OpenAPI document of this API."""
        cached = current_app.extensions.get("gridgov.openapi")
        if cached is None:
            cached = current_app.extensions["gridgov.openapi"] = build_spec(current_app)
        return jsonify(cached)
