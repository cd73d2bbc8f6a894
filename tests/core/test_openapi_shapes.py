"""Every JSON answer of every GET is described in the OpenAPI document by a schema with properties,
down to the items of its lists, so a client (and the fuzzing) knows what comes back."""
from __future__ import annotations

import re

from tests.core.test_cross_tenant_probe import _township_a, _url

# GETs whose answers are still undocumented, each to be given a schema then struck from this list: none
# left; the test fails on any new gap, and on a listed one that is fixed but still listed
KNOWN_GAPS: set[str] = set()


def _resolve(document: dict, schema: dict | None) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema or {}


def _shape_problem(document: dict, schema: dict | None) -> str | None:
    """Why ``schema`` does not say what an answer holds: an object needs properties, a list (bare,
    or the ``items`` of an envelope) an item schema that has them."""
    body = _resolve(document, schema)
    if body.get("type") == "array":
        item = _resolve(document, body.get("items"))
        return None if item.get("properties") else "its list items have no properties"
    if not body.get("properties"):
        return "no properties"
    if "items" in body["properties"]:
        listed = _resolve(document, body["properties"]["items"])
        if listed.get("type") == "array" and not _resolve(document, listed.get("items")).get("properties"):
            return "its items have no properties"
    return None


def test_every_json_answer_of_every_get_has_a_documented_shape(app, create_tenant, create_user, enable_module, api_as):
    """Each GET route is called (as in the query-parameter test); whatever answers 2xx JSON must be
    described by a schema with properties, down to the items of its lists."""
    town, values = _township_a(create_tenant, create_user, enable_module, api_as)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    problems, checked = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or "GET" not in (rule.methods or ()) or rule.rule.endswith("openapi.json"):
            continue
        resp = api.get(_url(rule, town.slug, values))
        if not (200 <= resp.status_code < 300 and resp.is_json):
            continue
        checked += 1
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        answers = document["paths"].get(path, {}).get("get", {}).get("responses", {})
        answer = answers.get(str(resp.status_code)) or {}
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        problem = "no schema" if schema is None else _shape_problem(document, schema)
        if problem and f"GET {path}" not in KNOWN_GAPS:
            problems.append(f"GET {path}: {problem}")
        elif not problem and f"GET {path}" in KNOWN_GAPS:
            problems.append(f"GET {path}: documented now, strike it from KNOWN_GAPS")
    assert checked > 50
    assert not problems, "\n".join(problems)

