"""Forms generated from a module's marshmallow settings schema (设置表单).

Field types become inputs (``Integer`` → number, ``Boolean`` → checkbox, ``OneOf`` → select,
``List`` → one value per line, ``Dict``/``Nested`` → JSON); ``metadata`` ``label_zh``,
``label_en``, ``help_zh``/``help_en`` and ``widget="textarea"`` shape the field. Validation stays
with the schema: the form posts strings, :func:`parse_form` turns them into load input, and
marshmallow's messages come back next to each field, in Chinese unless the page is English.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate

from core.console.nav import is_english


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
                choices = [(str(c), str(lab)) for c, lab in zip(v.choices, labels)]
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


_ZH = [
    (r"Not a valid integer\.", "须为整数"),
    (r"Not a valid number\.", "须为数字"),
    (r"Not a valid boolean\.", "须为是或否"),
    (r"Not a valid string\.", "须为文本"),
    (r"Not a valid email address\.", "须为有效的电子邮箱"),
    (r"Not a valid URL\.", "须为有效的网址"),
    (r"Not a valid date\.", "须为有效的日期"),
    (r"Not a valid datetime\.", "须为有效的日期时间"),
    (r"Not a valid list\.", "须为列表"),
    (r"Not a valid mapping type\.", "须为 JSON 对象"),
    (r"Invalid input type\.", "输入类型有误"),
    (r"Missing data for required field\.", "必填"),
    (r"Field may not be null\.", "不能为空"),
    (r"Unknown field\.", "未知字段"),
    (r"Invalid value\.", "取值无效"),
    (r"Length must be between (\S+) and (\S+)\.", r"长度须在 \1 到 \2 之间"),
    (r"Shorter than minimum length (\S+)\.", r"长度不能少于 \1"),
    (r"Longer than maximum length (\S+)\.", r"长度不能超过 \1"),
    (r"Length must be (\S+)\.", r"长度须为 \1"),
    (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.", r"须在 \1 到 \2 之间"),
    (r"Must be greater than (\S+) and less than (\S+)\.", r"须大于 \1 且小于 \2"),
    (r"Must be greater than or equal to (\S+)\.", r"不能小于 \1"),
    (r"Must be less than or equal to (\S+)\.", r"不能大于 \1"),
    (r"Must be greater than (\S+)\.", r"须大于 \1"),
    (r"Must be less than (\S+)\.", r"须小于 \1"),
    (r"Must be one of: (.+)\.", r"须为以下之一：\1"),
]


def localise(messages: Any) -> list[str]:
    """marshmallow's field messages as a flat list, in Chinese unless the page is English."""
    flat: list[str] = []

    def walk(m: Any, prefix: str = "") -> None:
        if isinstance(m, dict):
            for k, v in m.items():
                walk(v, f"{prefix}{k}: ")
        elif isinstance(m, (list, tuple)):
            for v in m:
                walk(v, prefix)
        else:
            flat.append(prefix + translate_message(str(m)))

    walk(messages)
    return flat


def translate_message(message: str) -> str:
    if is_english():
        return message
    for pattern, zh in _ZH:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, zh, message)
    return message
