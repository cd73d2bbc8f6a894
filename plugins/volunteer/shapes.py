"""The JSON shapes of the volunteer API's hand-built answers, for the OpenAPI document (``doc``'s
``response_schema``); the fuzzing (``tests/core/test_fuzz_api.py``) holds the answers to them."""
from __future__ import annotations

_COUNT = {"type": "integer", "minimum": 0}
_HOURS = {"type": "number", "minimum": 0}

HOURS = {"type": "object", "required": ["items", "total_hours"], "properties": {
    "items": {"type": "array", "items": {
        "type": "object", "required": ["volunteer_id", "name", "unit_name", "hours", "services", "rank"], "properties": {
            "volunteer_id": {"type": "integer"}, "name": {"type": "string"}, "unit_name": {"type": "string"},
            "hours": _HOURS, "services": _COUNT, "rank": {"type": "integer", "minimum": 1}}}},
    "total_hours": _HOURS}}

MENU_HISTORY = {"type": "object", "required": ["items_now", "items_year_ago", "changes"], "properties": {
    "items_now": _COUNT, "items_year_ago": _COUNT,
    "changes": {"type": "array", "description": "newest first", "items": {
        "type": "object", "required": ["item_id", "change", "detail", "at"], "properties": {
            "item_id": {"type": "integer"}, "change": {"type": "string"}, "detail": {"type": "string"},
            "at": {"type": "string", "format": "date-time"}}}}}}
