"""Fuzzing the API against its own OpenAPI document (schemathesis): every operation of the served
document, every installed module on, called with generated data as a township admin (bearer
token) and anonymously. No answer may be a 5xx and every answer must match what the document
says of it (status code's schema, or the Error shape). Bounded for CI: ``GRIDGOV_FUZZ_EXAMPLES``
cases per operation and identity (default 3), no shrinking, a time budget
(``GRIDGOV_FUZZ_SECONDS``, default 150) after which the remaining operations get one case each.

The figures (operations, cases, statuses) are printed as one ``FUZZ {json}`` line and, when
``GRIDGOV_RELIABILITY_LOG`` names a file, noted as a ``fuzz`` line for docs/reliability.md."""
from __future__ import annotations

import copy
import json
import os
import re
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from core.db import db
from tests.core.test_cross_tenant_probe import PROBED_MODULES, _township_a

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "3"))
BUDGET = float(os.environ.get("GRIDGOV_FUZZ_SECONDS", "150"))
# what would end the fuzzing identity's own session or change what every later case sees; each is
# covered by its own tests (and still fuzzed anonymously)
NOT_AS_ADMIN = {"auth_api.logout.post", "auth_api.change_password.post", "auth_token_api.revoke.delete"}


def _fresh(app):
    """The app as a WSGI callable that gives each request its own app context (as in production),
    after committing what the test's own session holds."""

    def wsgi(environ, start_response):
        from flask import has_app_context

        if has_app_context() and db.session.registry.has() and db.session().in_transaction():
            db.session.commit()
        with app.app_context():
            return list(app.wsgi_app(environ, start_response))

    return wsgi


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ZONED = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def timestamps_have_a_zone(ctx, response, case):
    """Every moment in a JSON answer says its zone (``+08:00`` or ``Z``): ``date-time`` requires it."""
    if "json" not in (response.headers.get("content-type") or [""])[0]:
        return None
    bare = [v for v in _strings(response.json()) if _MOMENT.match(v) and not _ZONED.search(v)]
    assert not bare, f"timestamps without a zone: {bare[:3]}"
    return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _first(exc: BaseException) -> str:
    """The first failure of a (possibly grouped) exception, short enough to read in a CI log."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {str(exc)[:1200]}"


def _pinned(document: dict, slug: str, values: dict) -> dict:
    """The document with ``{tenant}`` pinned to the fuzzed township and the ids of its rows offered
    for the id parameters (other values still tried: they must be 404, never 500)."""
    document = copy.deepcopy(document)
    for ops in document["paths"].values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if not isinstance(param, dict) or param.get("in") != "path":
                    continue
                if param["name"] == "tenant":
                    param["schema"] = {"type": "string", "enum": [slug]}
                elif param["name"] in values and param["schema"].get("type") == "integer":
                    param["schema"] = {"type": "integer", "enum": [values[param["name"]], 1]}
    return document


def test_fuzz_every_operation_against_the_document(app, create_tenant, create_user, enable_module, api_as, request,
                                                   reliability):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    town, values = _township_a(create_tenant, create_user, enable_module, api_as)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    token = admin.post(f"/api/v1/t/{town.slug}/tokens", json={"name": "fuzz"}).get_json()["token"]
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(_pinned(document, town.slug, values))
    schema.app = _fresh(app)
    checks = [not_a_server_error, response_schema_conformance, timestamps_have_a_zone]
    started = time.monotonic()
    operations, cases, statuses, failures = 0, 0, {}, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        identities = [("anonymous", {})]
        if operation.definition.raw.get("operationId") not in NOT_AS_ADMIN:
            identities.insert(0, ("admin", {"Authorization": f"Bearer {token}"}))
        examples = EXAMPLES if time.monotonic() - started < BUDGET else 1
        for who, headers in identities:
            seen: list[int] = []

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def run(case):
                response = case.call_and_validate(headers=headers, checks=checks)
                seen.append(response.status_code)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # a failed check: go on, report them all at once
                failures.append(f"{who} {operation.method.upper()} {operation.path}: {_first(exc)}")
            cases += len(seen)
            for status in seen:
                statuses[status] = statuses.get(status, 0) + 1
    summary = {"operations": operations, "cases": cases, "identities": ["admin", "anonymous"],
               "modules": PROBED_MODULES, "examples_per_operation": EXAMPLES,
               "seconds": round(time.monotonic() - started, 1), "failures": len(failures),
               "statuses": {str(k): v for k, v in sorted(statuses.items())}}
    print("FUZZ " + json.dumps(summary))
    assert operations > 100 and cases > operations, summary
    assert not failures, f"{len(failures)} failing operations:\n\n" + "\n\n".join(failures)
    reliability("fuzz", cases, f"{operations} operations, {len(PROBED_MODULES)} modules, as a township admin and anonymous",
                lost=0, errors_5xx=sum(v for k, v in statuses.items() if k >= 500))
