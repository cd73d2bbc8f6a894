"""The JSON shapes of the points_bank API's hand-built answers, for the OpenAPI document (``doc``'s
``response_schema``); the fuzzing (``tests/core/test_fuzz_api.py``) holds the answers to them."""
from __future__ import annotations

_INT = {"type": "integer", "minimum": 0}

TIER = {"type": "object", "required": ["account_id", "rank", "tier", "window_open"], "properties": {
    "account_id": {"type": "integer"},
    "rank": {"type": "integer", "minimum": 1, "nullable": True, "description": "this year's rank; null when unranked"},
    "tier": {"type": "object", "nullable": True, "description": "the redemption tier the rank earns, null when none",
             "required": ["code", "name", "max_rank"], "properties": {
                 "code": {"type": "string"}, "name": {"type": "string"}, "max_rank": {"type": "integer", "minimum": 1},
                 "discount_percent": {"type": "integer", "minimum": 0, "maximum": 90}}},
    "window_open": {"type": "boolean", "description": "whether today is a redemption day"}}}

CHECK = {"type": "object", "required": ["ok", "problems"], "properties": {
    "ok": {"type": "boolean", "description": "true when every balance matches the ledger"},
    "problems": {"type": "array", "items": {"type": "string"}, "description": "what does not match, one line each"}}}

NUMBERS = {"type": "object", "required": ["period", "issued", "redeemed_points", "items_redeemed", "redemptions"],
           "properties": {
               "period": {"type": "string", "description": "2026-11, 2026-Q3 or 2026"},
               "issued": {"type": "integer", "description": "points issued to members"},
               "redeemed_points": {"type": "integer"}, "items_redeemed": _INT, "redemptions": _INT}}
