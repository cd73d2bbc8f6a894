"""Forms generated from a module's marshmallow settings schema (设置表单).

Field types become inputs (``Integer`` → number, ``Boolean`` → checkbox, ``OneOf`` → select,
``List`` → one value per line, ``Dict``/``Nested`` → JSON); ``metadata`` ``label_zh``,
``label_en``, ``help_zh``/``help_en`` and ``widget="textarea"`` shape the field. Validation stays
with the schema: the form posts strings, :func:`parse_form` turns them into load input, and
marshmallow's messages come back next to each field, in Chinese unless the page is English.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate

from core.console.nav import is_english
from core.i18n import localise_message


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # text, number, checkbox, select, textarea, email, url, date, datetime-local, time
    value: Any = ""
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    help: str = ""
    errors: list[str] = field(default_factory=list)


def _key(name: str, f: fields.Field) -> str:
    return f.data_key or name


def _kind(f: fields.Field) -> str:
    widget = (f.metadata or {}).get("widget")
    if widget:
        return widget
    if any(isinstance(v, validate.OneOf) for v in _validators(f)):
        return "select"
    for cls, kind in ((fields.Boolean, "checkbox"), (fields.Integer, "number"), (fields.Number, "number"),
                      (fields.Email, "email"), (fields.Url, "url"), (fields.DateTime, "datetime-local"),
                      (fields.Date, "date"), (fields.Time, "time"), (fields.List, "textarea"),
                      (fields.Dict, "textarea"), (fields.Nested, "textarea")):
        if isinstance(f, cls):
            return kind
    return "text"


def _validators(f: fields.Field) -> list:
    return list(getattr(f, "validators", []) or [])


def _attrs(f: fields.Field, kind: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if kind == "number":
        attrs["step"] = "1" if isinstance(f, fields.Integer) else "any"
    for v in _validators(f):
        if isinstance(v, validate.Range):
            if v.min is not None:
                attrs["min"] = v.min
            if v.max is not None:
                attrs["max"] = v.max
        elif isinstance(v, validate.Length) and v.max is not None and kind in ("text", "email", "url"):
            attrs["maxlength"] = v.max
    return attrs


def _display(f: fields.Field, value: Any) -> Any:
    """A stored (dumped) value as the input shows it."""
    if value is None:
        return ""
    if isinstance(f, fields.Boolean):
        return bool(value)
    if isinstance(f, fields.List) and isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)
    if isinstance(f, (fields.Dict, fields.Nested)) and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return value


def build_form(schema_cls: type[Schema] | None, values: dict[str, Any], errors: dict[str, Any] | None = None,
               typed: dict[str, Any] | None = None) -> list[FormField]:
    """The fields of ``schema_cls``, showing ``typed`` (what the user just sent) when given, else
    ``values`` (the stored, dumped settings), with ``errors`` by field."""
    if schema_cls is None:
        return []
    english = is_english()
    errors = errors or {}
    out = []
    for name, f in schema_cls().fields.items():
        if f.dump_only:
            continue
        key = _key(name, f)
        meta = f.metadata or {}
        kind = _kind(f)
        if typed is not None:
            value = (key in typed) if kind == "checkbox" else typed.get(key, "")
        else:
            value = _display(f, values.get(key))
        choices = []
        for v in _validators(f):
            if isinstance(v, validate.OneOf):
                labels = list(v.labels) if v.labels else [str(c) for c in v.choices]
                choices = [(str(c), localise_message(lab)) for c, lab in zip(v.choices, labels)]
        label = (meta.get("label_en") or meta.get("label_zh")) if english else (meta.get("label_zh") or meta.get("label_en"))
        out.append(FormField(
            name=key, label=label or key, kind=kind, value=value, required=f.required, choices=choices,
            attrs=_attrs(f, kind), help=meta.get("help_en" if english else "help_zh", ""),
            errors=localise(errors.get(key, [])),
        ))
    return out


def parse_form(schema_cls: type[Schema] | None, form) -> dict[str, Any]:
    """Form strings to load input for ``schema_cls``: checkboxes become booleans, lines become
    lists, JSON text becomes mappings, blank optional-nullable fields become ``None``. Values stay
    strings otherwise: the schema does the validation."""
    if schema_cls is None:
        return {}
    data: dict[str, Any] = {}
    for name, f in schema_cls().fields.items():
        if f.dump_only:
            continue
        key = _key(name, f)
        if isinstance(f, fields.Boolean):
            data[key] = form.get(key) not in (None, "", "0", "false", "off")
            continue
        if key not in form:
            continue
        raw = form.get(key, "")
        if isinstance(f, fields.List):
            data[key] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif isinstance(f, (fields.Dict, fields.Nested)):
            try:
                data[key] = json.loads(raw) if raw.strip() else ({} if isinstance(f, fields.Dict) else None)
            except ValueError:
                data[key] = raw  # the schema answers "not a valid mapping"
        elif raw.strip() == "" and f.allow_none:
            data[key] = None
        else:
            data[key] = raw.strip() if not isinstance(f, fields.String) else raw
    return data


def localise(messages: Any) -> list[str]:
    """marshmallow's field messages as a flat list, in the page's language."""
    flat: list[str] = []

    def walk(m: Any, prefix: str = "") -> None:
        if isinstance(m, dict):
            for k, v in m.items():
                walk(v, f"{prefix}{k}: ")
        elif isinstance(m, (list, tuple)):
            for v in m:
                walk(v, prefix)
        else:
            flat.append(prefix + localise_message(m))

    walk(messages)
    return flat


def translate_message(message: str) -> str:
    """One message in the page's language (see :func:`core.i18n.localise_message`)."""
    return localise_message(message)


# --- re-showing a refused form (重新显示表单) -------------------------------------------------
# Every console form that is refused shows the page again (422) with what was typed and each
# problem beside its field, in the page's language: the page passes ``values=typed(request.form)``
# and ``errors=form_errors(exc)`` to its template, whose fields use ``errors_for(errors, name)``
# (console/_macros.html) and ``form_problems(errors)`` for what names no field. A chosen file
# cannot be put back into a file input: the page says beside it that it must be chosen again.

FORM = "_form"  # the key of problems that name no field


def typed(form, *, drop: tuple[str, ...] = ("csrf_token",)) -> dict[str, Any]:
    """What the user sent, to show again: one value per field (a list where the field repeats)."""
    values: dict[str, Any] = {}
    for key in form.keys():
        if key in drop:
            continue
        many = form.getlist(key)
        values[key] = many if len(many) > 1 else (many[0] if many else "")
    return values


def form_errors(exc: Exception) -> dict[str, list[str]]:
    """A refused form's problems by field, each in the page's language: a marshmallow
    ``ValidationError``'s messages or an ``ApiError``'s fields and message. Nested fields are
    named with dots (``items.0.name``); what names no field is under :data:`FORM`."""
    from core.errors import ApiError

    found: dict[str, list[str]] = {}

    def walk(prefix: str, messages: Any) -> None:
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(messages, (list, tuple)) and any(isinstance(m, (dict, list)) for m in messages):
            for m in messages:
                walk(prefix, m)
        else:
            items = messages if isinstance(messages, (list, tuple)) else [messages]
            key = prefix if prefix and prefix != "_schema" else FORM
            found.setdefault(key, []).extend(localise_message(m) for m in items)

    if isinstance(exc, ApiError):
        walk("", exc.fields or {})
        if not found:
            found[FORM] = [localise_message(exc.message)]
    elif hasattr(exc, "messages"):
        walk("", exc.messages)
    else:
        found[FORM] = [localise_message(str(exc))]
    return found


def refusal_message(exc: Exception) -> str:
    """One line for a flash after a refused action that has no form to show again: the message
    and each field's problem, in the page's language, without the machine's field names."""
    from flask_babel import gettext

    from core.errors import ApiError

    problems = [m for messages in form_errors(exc).values() for m in messages]
    message = localise_message(exc.message) if isinstance(exc, ApiError) else gettext("输入有误")
    details = gettext("；").join(dict.fromkeys(p for p in problems if p != message))
    return gettext("%(message)s：%(details)s", message=message, details=details) if details else message


# A form whose page redirects back after a post (the grid page's small forms) keeps what was typed
# and its problems for the next page view, as a flash does: keep_refused() before the redirect,
# ``refused(endpoint)`` in the template. The session is a cookie: long text is not kept.
KEPT_LIMIT = 1500


@dataclass
class Refused:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def keep_refused(exc: Exception) -> None:
    """Keep this request's typed values and ``exc``'s problems for the page the user goes back to."""
    from flask import request, session

    values = {k: v for k, v in typed(request.form).items() if isinstance(v, str)}
    if sum(len(v) for v in values.values()) > KEPT_LIMIT:
        values = {}
    from urllib.parse import urlsplit

    back = urlsplit(request.referrer or "").path
    session["_refused"] = {"endpoint": request.endpoint, "path": back, "values": values, "errors": form_errors(exc)}


def refused(endpoint: str) -> Refused:
    """What was refused at ``endpoint`` just before, from this page (empty otherwise); read once,
    like a flash."""
    from flask import g, request, session

    if "_refused_kept" not in g:
        g._refused_kept = session.pop("_refused", None)
    kept = g._refused_kept
    if not kept or kept.get("endpoint") != endpoint or kept.get("path") not in ("", request.path):
        return Refused()
    return Refused(values=kept.get("values") or {}, errors=kept.get("errors") or {})
