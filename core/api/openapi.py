"""The OpenAPI 3 document, generated from the URL map and the views' marshmallow schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify

from core.api.idempotency import HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER, WRITES
from core.auth.decorators import public, rule_of

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
        "幂等键: a retry with the same key and the same request gets the stored status and body "
        f"(with `{REPLAYED_HEADER}: true`) and has no second effect; the same key with another "
        "request answers 422 `idempotency_key_reused`; a retry while the first still runs answers "
        "409 `idempotency_in_progress`; longer than 255 characters answers 400. Kept per "
        "(tenant, user, key) for 24 hours; 409, 429 and 5xx answers are not kept."
    ),
}
IDEMPOTENCY_REF = "IdempotencyKey"  # apispec turns a name into a $ref to the component


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="gridgov API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "党建引领网格化治理 REST API. Errors: see components.schemas.Error."},
    )
    spec.components.schema("Error", ERROR_SCHEMA)
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
                "parameters": params + ([IDEMPOTENCY_REF] if method in WRITES else []),
                "responses": {
                    str(meta.get("status", 200)): _response(meta),
                    "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
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
    return spec.to_dict()


def _response(meta: dict) -> dict:
    schema = meta.get("response")
    if schema is None:
        return {"description": "OK"}
    body = {"type": "array", "items": schema} if meta.get("many") else schema
    return {"description": "OK", "content": {"application/json": {"schema": body}}}


def init_app(app: Flask) -> None:
    @app.get("/api/v1/openapi.json")
    @public
    def openapi_document():
        """The OpenAPI document of this API."""
        cached = current_app.extensions.get("gridgov.openapi")
        if cached is None:
            cached = current_app.extensions["gridgov.openapi"] = build_spec(current_app)
        return jsonify(cached)
