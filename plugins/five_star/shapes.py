"""The JSON shapes of five_star's hand-built list answers, for the OpenAPI document (``doc``'s
``response_schema``): what each item of ``{"items": [...]}`` holds."""
from __future__ import annotations

_ANY: dict = {}


def _null(kind: str) -> dict:
    return {"type": kind, "nullable": True}


BRANCH = {"type": "object", "required": ["id", "name", "grid_id", "stars"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "grid_id": {"type": "integer"},
    "grid_name": _null("string"), "stars": {"type": "array", "items": {"type": "string"}}}}

PLAN = {"type": "object", "required": ["id", "org_id", "year", "state"], "properties": {
    "id": {"type": "integer"}, "org_id": {"type": "integer"}, "year": {"type": "integer"}, "state": {"type": "string"},
    "star_codes": _ANY, "comment": _null("string"), "submitted_at": _null("string"), "decided_at": _null("string"),
    "decided_by": _ANY,
    "actions": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "task_id": _ANY, "action": _ANY, "owner": _ANY,
        "start_on": _null("string"), "due_on": _null("string")}}}}}

AWARD = {"type": "object", "required": ["id", "org_id", "star_code", "year"], "properties": {
    "id": {"type": "integer"}, "org_id": {"type": "integer"}, "star_code": {"type": "string"},
    "year": {"type": "integer"}, "assessment_id": _null("integer"), "awarded_at": _null("string"),
    "withdrawn_at": _null("string"), "withdraw_reason": _null("string"), "withdrawn_by": _ANY,
    "withdrawn_level": _ANY, "redo_task_ids": _ANY}}

RANK = {"type": "object", "required": ["org_id", "name", "stars", "rank"], "properties": {
    "org_id": {"type": "integer"}, "name": {"type": "string"}, "grid_name": _null("string"),
    "cells": {"type": "object", "additionalProperties": {"type": "string"}, "description": "star code → state"},
    "stars": {"type": "integer"}, "rank": {"type": "integer"}}}
