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

# a moment as the API writes it: ISO 8601 with the township's offset (2026-09-30T23:30:00+08:00)
_AT = {"type": "string", "format": "date-time"}
_AT_OR_NULL = {**_AT, "nullable": True}

REMINDER = {"type": "object", "required": ["id", "org_id", "year", "queued_at", "by"], "properties": {
    "id": {"type": "integer"}, "org_id": {"type": "integer"}, "year": {"type": "integer"}, "queued_at": _AT,
    "by": {"type": "string"}, "sent_at": _AT_OR_NULL,
    "outcome": {**_null("string"), "description": "null while queued; sent, no_recipient or filed"},
    "recipients": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}}

FILING = {"type": "object", "required": ["year", "total", "filed", "missing", "approved", "branches"], "properties": {
    "year": {"type": "integer"}, "total": {"type": "integer"}, "filed": {"type": "integer"},
    "missing": {"type": "integer"}, "approved": {"type": "integer"},
    "branches": {"type": "array", "items": {
        "type": "object", "required": ["org_id", "name", "grid_id", "state", "filed", "reminders"], "properties": {
            "org_id": {"type": "integer"}, "name": {"type": "string"}, "grid_id": {"type": "integer"},
            "grid_name": _null("string"), "plan_id": _null("integer"),
            "state": {"type": "string", "description": "the plan's state, or missing"}, "filed": {"type": "boolean"},
            "reminders": {"type": "integer"}, "last_reminder": {"allOf": [REMINDER], "nullable": True}}}}}}

HOUSEHOLD_STAR = {"type": "object", "required": ["id", "year", "code", "name", "active"], "properties": {
    "id": {"type": "integer"}, "year": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
    "category": {"type": "string"}, "description": {"type": "string"}, "max_score": {"type": "number"},
    "pass_score": {"type": "number"}, "sort": {"type": "integer"}, "active": {"type": "boolean"},
    "retired_at": _AT_OR_NULL}}

HOUSEHOLD_STARS = {"type": "object", "required": ["year", "items", "retired"], "properties": {
    "year": {"type": "integer"},
    "from_year": {**_null("integer"), "description": "the year the stars come from"},
    "items": {"type": "array", "items": HOUSEHOLD_STAR}, "retired": {"type": "array", "items": HOUSEHOLD_STAR}}}

RATING = {"type": "object", "required": ["id", "household_id", "star_id", "month", "score", "confirmed"], "properties": {
    "id": {"type": "integer"}, "household_id": {"type": "integer"}, "star_id": {"type": "integer"},
    "star": {"type": "string"}, "month": {"type": "string"}, "score": {"type": "number"},
    "source": {"type": "string"}, "scored_by": {"type": "string"}, "confirmed": {"type": "boolean"},
    "confirmed_by": _null("string"), "earned": _null("boolean")}}

HONOUR = {"type": "object", "required": ["household_id", "stars", "civilised"], "properties": {
    "household_id": {"type": "integer"}, "head_name": {"type": "string"}, "address": {"type": "string"},
    "grid": {"type": "string"}, "village": {"type": "string"}, "stars": {"type": "integer"},
    "civilised": {"type": "boolean"}}}

NOTICE = {"type": "object", "required": ["id", "org_id", "year", "text", "sent_at"], "properties": {
    "id": {"type": "integer"}, "org_id": {"type": "integer"}, "year": {"type": "integer"}, "text": {"type": "string"},
    "sent_at": _AT, "read_at": _AT_OR_NULL}}

INBOX = {"type": "object", "required": ["unread", "items"], "properties": {
    "unread": {"type": "integer"}, "items": {"type": "array", "items": NOTICE}}}
