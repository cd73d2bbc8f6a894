"""The county console's templates (县级模板): each kind's template with its versions, and the
edit form of one (items as rows, fields the county locks, save the draft or publish it).

The writes are core's (:mod:`core.county_templates.service`); these pages only route."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError, fields

from core.auth import requires
from core.console.forms import translate_message
from core.county_templates import service
from core.county_templates.pages import columns
from core.db import db
from core.errors import ApiError
from tenants.console import bp
from tenants.console.county import _county

EXTRA_ROWS = 3  # blank rows at the end of the form for new items
MAX_ROWS = 2000  # rows a form may post (a template's items are far fewer); more are not read


@bp.get("/t/<tenant>/county-templates/")
@requires("templates.read")
def county_templates():
    county = _county()
    rows = [(kind, service.template_of(county, kind, current_user.username)) for kind in service.kinds_for(county)]
    db.session.commit()  # a lazily seeded template is kept
    return render_template("tenants/county_templates.html", rows=rows)


def form_items(kind, form) -> list[dict[str, Any]]:
    """The item rows of the form, typed for the schema: blank rows and rows marked for removal
    are left out; a number that is not one is passed on as typed, for the schema to name."""
    schema_fields = kind.item_schema().fields
    items = []
    rows = form.get("rows", "")
    for i in range(min(int(rows), MAX_ROWS) if rows.isdigit() else 0):
        if form.get(f"remove-{i}"):
            continue
        item: dict[str, Any] = {}
        for name, field in schema_fields.items():
            raw = form.get(f"item-{i}-{name}", "")
            if isinstance(field, fields.Boolean):
                item[name] = bool(raw)
            elif raw.strip() == "":
                if field.required:
                    item[name] = ""
                elif field.allow_none:
                    item[name] = None
            elif isinstance(field, fields.Integer):
                item[name] = int(raw) if raw.strip().lstrip("-").isdigit() else raw
            else:
                item[name] = raw.strip()
        if all(v in ("", None) for k, v in item.items() if not isinstance(schema_fields[k], fields.Boolean)):
            continue  # an untouched blank row
        items.append(item)
    return items


def _flat(messages: Any) -> list[str]:
    """A field's messages as one list in the page's language, however marshmallow nested them
    (``locked_fields``: ``{0: ["须为以下之一…"]}``)."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in _flat(value)]
    return [translate_message(str(messages))]


def _errors(exc) -> dict[str, Any]:
    """The problems by field: ``title`` and ``locked_fields`` beside their inputs, ``items`` by
    row and column, the rest (and a message naming no field) under ``_form``, above the form."""
    raw = exc.messages if isinstance(exc, ValidationError) else (exc.fields or {})
    if not isinstance(raw, dict):
        raw = {"_form": raw}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "items" and isinstance(value, dict):
            out["items"] = {int(i): {f: _flat(ms) for f, ms in row.items()}
                            for i, row in value.items() if isinstance(row, dict)}
            rest = [m for i, row in value.items() if not isinstance(row, dict) for m in _flat(row)]
            if rest:
                out.setdefault("_form", []).extend(rest)
        elif key in ("title", "locked_fields"):
            out[key] = _flat(value)
        else:
            out.setdefault("_form", []).extend(_flat(value))
    if isinstance(exc, ApiError) and not out:
        out["_form"] = [translate_message(exc.message)]
    return out


@bp.get("/t/<tenant>/county-templates/<kind>")
@requires("templates.read")
def county_template_edit(kind: str):
    county = _county()
    found = service.kind_for(county, kind)
    row = service.template_of(county, found, current_user.username)
    db.session.commit()  # a lazily seeded template is kept
    return _render(county, found, row, row.draft, row.draft_locked, row.title)


@bp.post("/t/<tenant>/county-templates/<kind>")
@requires("templates.manage")
def county_template_save(kind: str):
    """Save the draft, and publish it when the form says so; errors go back next to the field."""
    county = _county()
    found = service.kind_for(county, kind)
    items, locked = form_items(found, request.form), request.form.getlist("locked_fields")
    title = request.form.get("title", "").strip()
    try:
        service.save_draft(county, found, {"title": title, "items": items, "locked_fields": locked},
                           current_user.username)
        published = service.publish(county, found, current_user.username) if request.form.get("publish") else None
        db.session.commit()
    except (ApiError, ValidationError) as exc:
        db.session.rollback()
        if isinstance(exc, ApiError) and exc.status not in (409, 422):
            raise
        row = service.template_of(county, found, current_user.username)
        return _render(county, found, row, items, locked, title, _errors(exc), 422)
    if published is not None:
        flash(_("已发布第 %(version)s 版，各乡镇将收到更新提示", version=published.version), "success")
    else:
        flash(_("草稿已保存（尚未发布）"), "success")
    return redirect(url_for(".county_template_edit", kind=found.name))


def _render(county, kind, row, items, locked, title, errors=None, status=200):
    schema_fields = kind.item_schema().fields
    blank = {n: f.load_default if isinstance(f, fields.Boolean) and f.load_default is True else None
             for n, f in schema_fields.items()}
    return render_template(
        "tenants/county_template_edit.html", kind=kind, row=row, items=list(items) + [blank] * EXTRA_ROWS,
        filled=len(items), locked=locked, title=title, errors=errors or {}, columns=columns(kind),
        versions=service.versions_of(county, row), adoptions=service.township_adoptions(county, kind), field_types={n: type(f).__name__ for n, f in schema_fields.items()},
        can_manage=g.access.can("templates.manage")), status
