"""The JSON shapes of the assessment API's hand-built answers, for the OpenAPI document (``doc``'s
``response_schema``); the fuzzing (``tests/core/test_fuzz_api.py``) holds the answers to them."""
from __future__ import annotations

_AT_OR_NULL = {"type": "string", "format": "date-time", "nullable": True}

QUARTER = {"type": "object", "required": ["id", "period", "state"], "properties": {
    "id": {"type": "integer"}, "period": {"type": "string", "description": "the quarter, as 2026-Q3"},
    "state": {"type": "string", "enum": ["open", "closed", "published"]},
    "closed_at": _AT_OR_NULL, "published_at": _AT_OR_NULL}}
