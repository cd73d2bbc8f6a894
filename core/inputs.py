"""Clean input (输入清洗): control characters never enter the database.

A control character (``\\x00``-``\\x08``, ``\\x0b``, ``\\x0c``, ``\\x0e``-``\\x1f``, ``\\x7f``) in a
stored text has no meaning for anyone and breaks what reads it later: XML (hence every .xlsx
export) cannot hold it, and a terminal or a log viewer may act on it. Tab, line feed and carriage
return are kept. Cleaning happens once, where input enters, for every route of core and of every
plugin alike:

* the query string and form fields: :class:`CleanRequest` (the app's ``request_class``) builds them
  with :class:`CleanMultiDict`;
* JSON bodies: :class:`CleanJSONProvider` (the app's ``json``) cleans every string it parses,
  keys included;
* spreadsheet imports: ``core.people.sheets`` passes every cell through :func:`drop_controls`.

Exports clean again (``core.exports.safe_text``), so rows stored before this existed still export.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def drop_controls(value: Any) -> Any:
    """``value`` with control characters removed from every string in it (lists and dicts walked)."""
    if isinstance(value, str):
        return CONTROLS.sub("", value) if CONTROLS.search(value) else value
    if isinstance(value, list):
        return [drop_controls(v) for v in value]
    if isinstance(value, dict):
        return {drop_controls(k): drop_controls(v) for k, v in value.items()}
    return value


class CleanMultiDict(ImmutableMultiDict):
    """Query-string and form fields, control characters dropped from names and values."""

    def __init__(self, mapping=None):
        if isinstance(mapping, MultiDict):
            mapping = [(drop_controls(k), drop_controls(v)) for k, v in mapping.items(multi=True)]
        elif isinstance(mapping, dict):
            mapping = {drop_controls(k): drop_controls(v) for k, v in mapping.items()}
        elif mapping is not None:
            mapping = [(drop_controls(k), drop_controls(v)) for k, v in mapping]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


class CleanJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        return drop_controls(super().loads(s, **kwargs))


def init_app(app) -> None:
    app.request_class = CleanRequest
    app.json_provider_class = CleanJSONProvider
    app.json = CleanJSONProvider(app)
