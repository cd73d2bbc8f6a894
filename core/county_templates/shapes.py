"""The JSON shape of a template answer (:mod:`core.county_templates.api`), as an OpenAPI component:
a county reads its own template of a kind, a township its standing with its county's. Both carry
the kind and its labels; the other fields are the county's or the township's, as described."""
from __future__ import annotations

from core.api import json_schema

_AT = {"type": "string", "format": "date-time"}
_ROWS = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
_STRINGS = {"type": "array", "items": {"type": "string"}}

TEMPLATE = json_schema("CountyTemplate", {
    "type": "object", "required": ["kind", "label_zh", "label_en", "key_field", "lockable"],
    "properties": {
        "kind": {"type": "string"}, "label_zh": {"type": "string"}, "label_en": {"type": "string"},
        "key_field": {"type": "string", "description": "the field naming an item"},
        "lockable": {**_STRINGS, "description": "the fields a county may lock"},
        # a county's own template
        "id": {"type": "integer", "description": "county only"}, "title": {"type": "string", "description": "county only"},
        "version": {"type": "integer", "description": "county only: newest published version (0: none yet)"},
        "draft": {**_ROWS, "description": "county only: the items of the draft"},
        "draft_locked": {**_STRINGS, "description": "county only: the fields the draft locks"},
        "updated_at": {**_AT, "description": "county only"},
        "updated_by": {"type": "string", "nullable": True, "description": "county only"},
        "versions": {"type": "array", "description": "county only: the published versions", "items": {
            "type": "object", "required": ["version", "published_at"], "properties": {
                "version": {"type": "integer"}, "published_at": _AT, "published_by": {"type": "string", "nullable": True}}}},
        # a township's standing with its county's
        "county": {"type": "object", "nullable": True, "additionalProperties": True,
                   "description": "township only: the county's current version, null when it has none",
                   "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "version": {"type": "integer"},
                                  "data": _ROWS, "locked_fields": _STRINGS, "published_at": _AT}},
        "adoption": {"type": "object", "nullable": True, "additionalProperties": True,
                     "description": "township only: the version adopted, null before adopting",
                     "properties": {"template_id": {"type": "integer"}, "version": {"type": "integer"},
                                    "overrides": {"type": "object", "additionalProperties": True},
                                    "adopted_at": _AT, "adopted_by": {"type": "string", "nullable": True}}},
        "copy": {**_ROWS, "description": "township only: its own copy of the items"},
        "update_available": {"type": "boolean", "description": "township only"},
        "diff": {"type": "object", "nullable": True, "additionalProperties": True,
                 "description": "township only: what a newer county version changes, null when none",
                 "properties": {"added": _ROWS, "removed": _ROWS, "changed": _ROWS,
                                "locked": _STRINGS, "unlocked": _STRINGS}},
    },
})
