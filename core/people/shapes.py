"""The JSON shapes of the people API's hand-built answers (:mod:`core.people.access`'s
``person_dict`` and ``household_dict``), as OpenAPI components: what a client gets back, held to
the answers by the fuzzing (``tests/core/test_fuzz_api.py``)."""
from __future__ import annotations

from core.api import json_schema


def _nullable(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


_ID = {"type": "integer"}
_TAG = {"type": "object", "required": ["id", "name"], "properties": {"id": _ID, "name": {"type": "string"}}}

PERSON = json_schema("Person", {
    "type": "object",
    "required": ["id", "name", "masked", "grid_id", "status"],
    "properties": {
        "id": _ID, "name": {"type": "string"},
        "gender": _nullable("string", description="null where masked with the ID number"),
        "gender_label": {"type": "string",
                         "description": "the gender as a label in the request's language, or * where masked"},
        "birth_date": _nullable("string", format="date"),
        "id_number": _nullable("string", description="masked (first four digits and the check digit) "
                                                     "without people.read_sensitive"),
        "mobile": _nullable("string"), "masked": {"type": "boolean"},
        "grid_id": _ID, "grid_name": _nullable("string"), "grid_place": _nullable("string"),
        "household_id": _nullable("integer"), "relation": _nullable("string"),
        "status": {"type": "string"}, "status_label": {"type": "string"},
        "is_party_member": {"type": "boolean"}, "party_away": {"type": "boolean"},
        "tags": {"type": "array", "items": _TAG}, "anonymised": {"type": "boolean"},
    },
})

HOUSEHOLD = json_schema("Household", {
    "type": "object",
    "required": ["id", "grid_id", "address"],
    "properties": {
        "id": _ID, "grid_id": _ID, "grid_name": _nullable("string"), "grid_place": _nullable("string"),
        "number": _nullable("string"), "address": {"type": "string"}, "head_name": _nullable("string"),
        "phone": _nullable("string"), "notes": _nullable("string"),
    },
})

PERSON_DETAIL = json_schema("PersonDetail", {
    "allOf": [PERSON],
    "type": "object",
    "properties": {
        "party_branch": _nullable("string"), "party_org_id": _nullable("integer"),
        "party_joined_on": _nullable("string", format="date"), "notes": _nullable("string"),
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
        "household": {"allOf": [HOUSEHOLD], "nullable": True},
    },
})

HOUSEHOLD_DETAIL = json_schema("HouseholdDetail", {
    "allOf": [HOUSEHOLD],
    "type": "object",
    "properties": {
        "id": _ID, "members": {"type": "array", "items": PERSON},
        "party_center": {"type": "object", "nullable": True, "additionalProperties": True},
        "linked_center": {"type": "object", "nullable": True, "additionalProperties": True},
    },
})

TAG = json_schema("Tag", {
    "type": "object", "required": ["id", "name"],
    "properties": {"id": _ID, "name": {"type": "string"}, "code": _nullable("string"), "builtin": {"type": "boolean"}},
})

_MODULE_DATA = {"type": "object", "additionalProperties": True,
                "description": "what the module holds about the resident, as the module keeps it"}

PERSON_DATA_EXPORT = json_schema("PersonDataExport", {
    "type": "object",
    "description": "each module's data about the resident, keyed by module name (modules holding nothing are left out)",
    "properties": {"people": {**_MODULE_DATA, "description": "the people register's record of the resident"},
                   "grid": {**_MODULE_DATA, "description": "the grid duties the resident holds"}},
    "additionalProperties": _MODULE_DATA,
})
