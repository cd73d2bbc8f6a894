"""The JSON shapes of the auth API's hand-built answers (:mod:`core.auth.admin_views`), as OpenAPI
components, held to the answers by the fuzzing (``tests/core/test_fuzz_api.py``)."""
from __future__ import annotations

from core.api import json_schema

_STRINGS = {"type": "array", "items": {"type": "string"}}

MY_ACCESS = json_schema("MyAccess", {
    "type": "object", "required": ["tenant", "roles", "permissions", "permission", "grids"],
    "properties": {
        "tenant": {"type": "string", "description": "the tenant's slug"},
        "roles": {"type": "array", "items": {"type": "object", "required": ["role", "label_zh", "grid_id"], "properties": {
            "role": {"type": "string"}, "label_zh": {"type": "string", "description": "the role's Chinese label"},
            "grid_id": {"type": "integer", "nullable": True, "description": "null for a role over the whole tenant"}}}},
        "permissions": _STRINGS,
        "permission": {"type": "string", "description": "the permission the grids are reached with"},
        "grids": {"type": "array", "items": {"type": "object", "required": ["id", "name", "code", "level"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "code": {"type": "string"},
            "level": {"type": "integer"}}}},
    },
})

PERMISSION_MATRIX = json_schema("PermissionMatrix", {
    "type": "object", "required": ["permissions", "roles"],
    "properties": {
        "permissions": {"type": "array", "items": {
            "type": "object", "required": ["name", "label_zh", "label_en"], "properties": {
                "name": {"type": "string"}, "label_zh": {"type": "string"}, "label_en": {"type": "string"}}}},
        "roles": {"type": "array", "items": {
            "type": "object", "required": ["name", "label_zh", "label_en", "scope", "permissions", "defaults"],
            "properties": {
                "name": {"type": "string"}, "label_zh": {"type": "string"}, "label_en": {"type": "string"},
                "scope": {"type": "string"},
                "permissions": {**_STRINGS, "description": "what the role holds in this tenant"},
                "defaults": {**_STRINGS, "description": "what the role holds by default"}}}},
    },
})
