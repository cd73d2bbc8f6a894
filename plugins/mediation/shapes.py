"""The JSON shapes of the mediation API's hand-built answers, for the OpenAPI document (``doc``'s
``response_schema``); the fuzzing (``tests/core/test_fuzz_api.py``) holds the answers to them."""
from __future__ import annotations


def _null(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


_INT = {"type": "integer", "minimum": 0}
_STR = {"type": "string"}

FOLLOWUP_DUE = {"type": "object", "required": ["id", "case_id", "due_on"], "properties": {
    "id": {"type": "integer"}, "case_id": {"type": "integer"}, "due_on": {"type": "string", "format": "date"}}}

_TALLY = {"type": "object", "required": ["raised", "solved", "open", "case", "incident", "dropped"], "properties": {
    "raised": _INT, "solved": _INT, "open": _INT, "case": _INT, "incident": _INT, "dropped": _INT}}

_TOPIC = {"type": "object", "required": ["id", "title", "state", "became", "solved"], "properties": {
    "id": {"type": "integer"}, "title": _STR, "raised_by": _STR, "decision": _STR, "owner": _STR, "state": _STR,
    "case_id": _null("integer"), "incident_id": _null("integer"),
    "became": {**_STR, "description": "case, incident, or the topic's own state"},
    "solved": {"type": "boolean"}, "case_state": _null("string", description="the state of the case it became")}}

MEETING = {"type": "object", "required": ["id", "grid_id", "grid", "held_on", "tally", "topics"], "properties": {
    "id": {"type": "integer"}, "grid_id": {"type": "integer"}, "grid": _STR,
    "held_on": {"type": "string", "format": "date"}, "place": _STR, "host": _STR, "attendees": _STR,
    "attendee_count": _INT, "tally": _TALLY, "topics": {"type": "array", "items": _TOPIC}}}

_RATE = _null("number", minimum=0, maximum=1)
_FIGURES = {
    **{k: _INT for k in ("taken_in", "accepted", "declined", "agreements", "partial", "failed", "referred",
                         "concluded", "followed_up", "holding")},
    "success_rate": {**_RATE, "description": "agreements over concluded cases; null when none concluded"},
    "median_days": _null("number", minimum=0, description="median days a concluded case took"),
    "holding_rate": {**_RATE, "description": "agreements holding over those followed up"},
}
_ROW = {"type": "object", "required": ["key", "name", *_FIGURES], "properties": {
    "key": {"description": "the room, mediator or grid id (an integer), the dispute type or the month "
                           "(2026-11, a string)"},
    "name": _STR, **_FIGURES}}

NUMBERS = {"type": "object", "required": ["total", "by", "success_rate_rule"], "properties": {
    "total": {"type": "object", "required": list(_FIGURES), "properties": _FIGURES},
    "by": {"type": "object", "required": ["room", "mediator", "dispute_type", "grid", "month"], "properties": {
        k: {"type": "array", "items": _ROW} for k in ("room", "mediator", "dispute_type", "grid", "month")}},
    "success_rate_rule": {**_STR, "description": "how the success rate is counted, in the request's language"}}}
