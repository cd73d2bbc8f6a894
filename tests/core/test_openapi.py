"""The OpenAPI document says what the API does: every query parameter a view reads is documented,
lists are documented as the envelope they answer, and a PATCH with nothing in it or a float for
an integer is refused (422 naming the field)."""
from __future__ import annotations

import re

from flask import g, request
from werkzeug.datastructures import ImmutableMultiDict

from tests.core.test_cross_tenant_probe import _township_a, _url


class _Noting(ImmutableMultiDict):
    """The query string, noting each name a view looks up (however it reads it)."""

    def _note(self, key):
        if isinstance(key, str):
            g.setdefault("query_args_read", set()).add(key)

    def get(self, key, *args, **kwargs):
        self._note(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        self._note(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


def _documented(document: dict) -> dict[str, set[str]]:
    found = {}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            found[f"{method.upper()} {path}"] = {p["name"] for p in op.get("parameters", [])
                                                 if isinstance(p, dict) and p.get("in") == "query"}
    return found


def test_every_query_parameter_a_view_reads_is_documented(app, create_tenant, create_user, enable_module, api_as):
    town, values = _township_a(create_tenant, create_user, enable_module, api_as)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    documented = _documented(app.test_client().get("/api/v1/openapi.json").get_json())
    read: dict[str, set[str]] = {}

    def watch():
        request.__dict__["args"] = _Noting(request.args)

    def note(response):
        read["last"] = set(g.get("query_args_read", set()))
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, watch)
    app.after_request_funcs.setdefault(None, []).append(note)
    try:
        problems, called = [], 0
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.rule.startswith("/api/") or "GET" not in (rule.methods or ()):
                continue
            read["last"] = set()
            api.get(_url(rule, town.slug, values))
            called += 1
            key = "GET " + re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
            missing = read["last"] - documented.get(key, set()) - {"lang"}
            if missing:
                problems.append(f"{key}: reads {sorted(missing)} but does not document them")
    finally:
        app.before_request_funcs[None].remove(watch)
        app.after_request_funcs[None].remove(note)
    assert called > 50
    assert not problems, "\n".join(problems)


def test_paged_lists_are_documented_as_their_envelope(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    op = document["paths"]["/api/v1/t/{tenant}/incidents"]["get"]
    body = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["required"] == ["items", "page", "per_page", "total"]
    per_page = next(p for p in op["parameters"] if isinstance(p, dict) and p.get("name") == "per_page")
    assert per_page["schema"]["maximum"] == 200


def test_an_empty_patch_and_a_float_for_an_integer_are_refused(app, create_tenant, create_user, api_as):
    town = create_tenant(levels=["村", "网格"])
    api = api_as(create_user(roles=[(town, "township_admin")]))
    base = f"/api/v1/t/{town.slug}"
    grid = api.post(f"{base}/grids", json={"name": "一组"}).get_json()
    household = api.post(f"{base}/households", json={"grid_id": grid["id"], "address": "一号"}).get_json()
    empty = api.patch(f"{base}/grids/{grid['id']}", json={})
    assert empty.status_code == 422 and "_body" in empty.get_json()["error"]["fields"], empty.get_json()
    fraction = api.post(f"{base}/households", json={"grid_id": grid["id"] + 0.5, "address": "二号"})
    assert fraction.status_code == 422 and "grid_id" in fraction.get_json()["error"]["fields"], fraction.get_json()
    whole_float = api.patch(f"{base}/households/{household['id']}", json={"grid_id": float(grid["id"])})
    assert whole_float.status_code == 422 and "grid_id" in whole_float.get_json()["error"]["fields"]
    # nothing was half-saved, and the right types still work
    assert api.get(f"{base}/households/{household['id']}").get_json()["address"] == "一号"
    assert api.patch(f"{base}/households/{household['id']}", json={"address": "三号"}).status_code == 200


def test_the_grid_tree_people_statistics_and_incident_numbers_have_shapes(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/grids", "/grids/{grid_id}/children", "/people/stats", "/people/stats/first-level",
                 "/incidents/numbers"):
        answer = document["paths"][f"/api/v1/t/{{tenant}}{path}"]["get"]["responses"]["200"]
        assert answer["content"]["application/json"]["schema"], path
    node = document["components"]["schemas"]["GridNode"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/GridNode"}


def _prose(value, key=""):
    """Each summary and description of the document (the words a reader reads), with where it is."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("summary", "description", "title") and isinstance(v, str):
                yield f"{key}/{k}", v
            else:
                yield from _prose(v, f"{key}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _prose(v, f"{key}/{i}")


def test_the_document_is_written_in_one_language(app):
    """The OpenAPI document is a programmer's reference, in English like its field names and
    error codes: no summary or description in Chinese, or in both ("用户名 (username)")."""
    from tests.core.test_one_language import _CJK

    document = app.test_client().get("/api/v1/openapi.json").get_json()
    texts = list(_prose(document))
    assert len(texts) > 200
    chinese = [f"{where}: {text!r}" for where, text in texts if _CJK.search(text)]
    assert not chinese, "\n".join(chinese)


def test_modules_schemas_of_one_name_are_separate_components(app, recwarn):
    """incidents and points_bank both have a PhotoOut, five_star and mediation a StepIn: each is a
    component of its own, named after its module, and apispec renames nothing."""
    from core.api.openapi import build_spec

    document = build_spec(app)
    names = set(document["components"]["schemas"])
    assert {"incidents.PhotoOut", "points_bank.PhotoOut", "five_star.StepIn", "mediation.StepIn",
            "incidents.ActionIn", "five_star.ActionIn"} <= names
    assert not [n for n in names if n[-1].isdigit()]  # apispec's "PhotoOut1" for a clash
    assert not [w for w in recwarn if "Multiple schemas resolved" in str(w.message)]
