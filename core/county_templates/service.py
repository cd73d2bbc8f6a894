"""County templates, the writes (县级模板): the county edits a draft and publishes versions; a
township adopts its county's current version, overrides unlocked fields, and updates on request.

County functions run in the county's context, township functions in the township's; a township
sees its county's rows only through :func:`core.tenancy.read_county_templates`. Every write
flushes and audits; none commits.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from core import audit
from core.db import db, utcnow
from core.errors import ApiError
from core.county_templates.models import CountyTemplate, TemplateAdoption, TemplateVersion
from core.models import Tenant, TenantKind
from core.specs import TemplateKind
from core.tenancy import read_county_templates, tenant_context
from flask_babel import gettext as _
from core.i18n import N_

LOCKED = N_("由县级模板锁定，不能修改")


def kinds() -> dict[str, TemplateKind]:
    """Every installed kind by name: the answers to ``register_template_kinds`` (one cheap hook
    call, not cached, so a plugin registered at run time is seen)."""
    found: dict[str, TemplateKind] = {}
    for batch in reversed(current_app.extensions["gridgov.plugins"].pm.hook.register_template_kinds()):
        for kind in batch or []:
            found[kind.name] = kind
    return found


def kinds_for(tenant: Tenant) -> list[TemplateKind]:
    """The kinds ``tenant`` deals with: all for a county; for a township, those of the modules it
    has enabled (and of library plugins, which are always on)."""
    from core.modules import enabled_modules

    if tenant.kind == TenantKind.county:
        return list(kinds().values())
    on, switchable = enabled_modules(tenant), current_app.extensions["gridgov.plugins"].modules
    return [k for k in kinds().values() if k.module in on or k.module not in switchable]


def kind_for(tenant: Tenant, name: str) -> TemplateKind:
    """The kind ``name`` if ``tenant`` deals with it; 404 otherwise."""
    for kind in kinds_for(tenant):
        if kind.name == name:
            return kind
    raise ApiError(404, "unknown_template_kind", _("没有这种模板"))


# --- the county's side ----------------------------------------------------------------------


def _draft_schema(kind: TemplateKind) -> Schema:
    return Schema.from_dict({
        "title": fields.String(validate=validate.Length(min=1, max=100)),
        "items": fields.List(fields.Nested(kind.item_schema(unknown=RAISE)), required=True,
                             validate=validate.Length(max=500)),
        "locked_fields": fields.List(fields.String(validate=validate.OneOf(kind.lockable)), load_default=list),
    }, name=f"TemplateDraft_{kind.name.replace('.', '_')}")(unknown=RAISE)


def template_of(county: Tenant, kind: TemplateKind, actor: str | None = None) -> CountyTemplate:
    """The county's template of ``kind``; the first call seeds it from the kind's defaults and
    publishes them as version 1 (so existing counties get one without a migration). Flushes."""
    with tenant_context(county):
        row = db.session.scalar(select(CountyTemplate).where(CountyTemplate.kind == kind.name))
        if row is None:
            items = kind.item_schema(many=True).dump(kind.item_schema(many=True).load(kind.defaults())) if kind.defaults else []
            row = CountyTemplate(kind=kind.name, title=kind.label_zh, draft=items, draft_locked=[], updated_by=actor)
            db.session.add(row)
            db.session.flush()
            audit.record("templates.seed", row, after={"kind": kind.name, "items": len(items)})
            if items:
                _publish(row, kind, actor)
        return row


def seed_county_templates(county: Tenant, actor: str | None = None) -> list[CountyTemplate]:
    """Every installed kind's template for a new county (idempotent). Flushes."""
    return [template_of(county, kind, actor) for kind in kinds().values()]


def save_draft(county: Tenant, kind: TemplateKind, data: Any, actor: str | None = None) -> CountyTemplate:
    """Replace the draft (title, items, locked fields): validated whole, 422 naming the field."""
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", _("请求体须为 JSON 对象"))
    clean = _draft_schema(kind).load(data)
    seen: dict[str, int] = {}
    problems: dict[int, dict[str, list[str]]] = {}
    for i, item in enumerate(clean["items"]):
        key = str(item.get(kind.key_field))
        if key in seen:
            problems[i] = {kind.key_field: [_("与第 %(item)s 项重复", item=seen[key] + 1)]}
        seen.setdefault(key, i)
    if problems:
        raise ApiError(422, "validation_error", _("模板有误"), {"items": problems})
    row = template_of(county, kind, actor)
    with tenant_context(county):
        before = {"title": row.title, "items": len(row.draft), "locked_fields": row.draft_locked}
        row.title = clean.get("title", row.title)
        row.draft = kind.item_schema(many=True).dump(clean["items"])
        row.draft_locked = sorted(set(clean["locked_fields"]))
        row.updated_by = actor
        db.session.flush()
        audit.record("templates.draft", row, before=before,
                     after={"title": row.title, "items": len(row.draft), "locked_fields": row.draft_locked})
    return row


def publish(county: Tenant, kind: TemplateKind, actor: str | None = None) -> TemplateVersion:
    """Publish the draft as the next version (published versions never change); 422 when the
    draft is the current version already. Flushes."""
    template_of(county, kind, actor)
    with tenant_context(county):
        # locked, and read afresh: a concurrent publication waits, then numbers after this one
        row = db.session.scalar(select(CountyTemplate).where(CountyTemplate.kind == kind.name)
                                .with_for_update().execution_options(populate_existing=True))
        if row.version:
            current = version_of(county, row, row.version)
            if current.data == row.draft and current.locked_fields == row.draft_locked and current.title == row.title:
                raise ApiError(422, "unchanged", _("草稿与现行版本相同，无需发布"),
                               {"items": [_("没有改动")]})
        return _publish(row, kind, actor)


def _publish(row: CountyTemplate, kind: TemplateKind, actor: str | None) -> TemplateVersion:
    row.version += 1
    version = TemplateVersion(template_id=row.id, version=row.version, title=row.title, data=list(row.draft),
                              locked_fields=list(row.draft_locked), published_by=actor, published_at=utcnow())
    db.session.add(version)
    db.session.flush()
    audit.record("templates.publish", version, after={"kind": kind.name, "version": row.version,
                                                      "items": len(row.draft), "locked_fields": row.draft_locked})
    return version


def versions_of(county: Tenant, template: CountyTemplate) -> list[TemplateVersion]:
    with tenant_context(county):
        return list(db.session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template.id)
                                       .order_by(TemplateVersion.version.desc())))


def version_of(county: Tenant, template: CountyTemplate, number: int) -> TemplateVersion:
    with tenant_context(county):
        row = db.session.scalar(select(TemplateVersion).where(TemplateVersion.template_id == template.id,
                                                              TemplateVersion.version == number))
    if row is None:
        raise ApiError(404, "not_found", _("没有这个版本"))
    return row


def township_adoptions(county: Tenant, kind: TemplateKind) -> list[dict[str, Any]]:
    """Where each of the county's townships stands with the template of ``kind``: ``{"town",
    "version" (or ``None``), "overrides" (how many items it adjusted)}``. Each township is read
    inside its own context, as the county comparison does."""
    towns = db.session.scalars(select(Tenant).where(Tenant.parent_id == county.id, Tenant.kind == TenantKind.township)
                               .order_by(Tenant.name, Tenant.id))
    out = []
    for town in towns:
        adoption = _adoption(town, kind)
        out.append({"town": town, "version": adoption.version if adoption else None,
                    "overrides": len(adoption.overrides or {}) if adoption else 0})
    return out


# --- the township's side --------------------------------------------------------------------


def _adoption(township: Tenant, kind: TemplateKind, lock: bool = False) -> TemplateAdoption | None:
    stmt = select(TemplateAdoption).where(TemplateAdoption.kind == kind.name)
    if lock:  # a concurrent adoption of the same kind waits for this one, then reads it afresh
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    with tenant_context(township):
        return db.session.scalar(stmt)


def _keyed(kind: TemplateKind, items: list[dict]) -> dict[str, dict]:
    return {str(item[kind.key_field]): item for item in items}


def effective_items(kind: TemplateKind, items: list[dict], locked: list[str], overrides: dict) -> list[dict]:
    """The county's items with the township's overrides of unlocked fields applied."""
    out = []
    for item in items:
        mine = {f: v for f, v in (overrides.get(str(item[kind.key_field])) or {}).items() if f not in locked}
        out.append({**item, **mine})
    return out


def diff(kind: TemplateKind, old: dict, new: dict) -> dict[str, Any]:
    """What changed from version ``old`` to ``new`` (``{"data", "locked_fields"}`` each):
    items added, removed and changed (field by field), and fields newly locked or unlocked."""
    before, after = _keyed(kind, old["data"]), _keyed(kind, new["data"])
    changed = []
    for key in after:
        if key in before:
            fields_ = {f: [before[key].get(f), after[key].get(f)] for f in sorted(set(before[key]) | set(after[key]))
                       if before[key].get(f) != after[key].get(f)}
            if fields_:
                changed.append({"key": key, "fields": fields_})
    return {"added": [after[k] for k in after if k not in before],
            "removed": [before[k] for k in before if k not in after],
            "changed": changed,
            "locked": sorted(set(new["locked_fields"]) - set(old["locked_fields"])),
            "unlocked": sorted(set(old["locked_fields"]) - set(new["locked_fields"]))}


def county_template(township: Tenant, name: str) -> dict[str, Any]:
    """Where a township stands with its county's template of kind ``name``: the county's current
    version (or ``None``), its adoption (version, overrides), its own copy, and, when the county
    has published a newer version, ``update_available`` with the ``diff``."""
    kind = kind_for(township, name)
    adoption = _adoption(township, kind)
    found = read_county_templates(township, kind.name, versions=(adoption.version,) if adoption else ())
    county = found[0] if found else None
    with tenant_context(township):
        copy = kind.read(township)
    status: dict[str, Any] = {
        "kind": kind.name, "label_zh": kind.label_zh, "label_en": kind.label_en, "key_field": kind.key_field,
        "lockable": list(kind.lockable), "county": county and {k: county[k] for k in (
            "id", "title", "version", "data", "locked_fields", "published_at", "published_by")},
        "adoption": adoption and {"template_id": adoption.template_id, "version": adoption.version,
                                  "overrides": adoption.overrides or {}, "adopted_at": adoption.adopted_at,
                                  "adopted_by": adoption.adopted_by},
        "copy": copy, "update_available": False, "diff": None,
    }
    if county and adoption and (adoption.template_id != county["id"] or adoption.version < county["version"]):
        old = county["versions"].get(adoption.version) if adoption.template_id == county["id"] else None
        status["update_available"] = True
        status["diff"] = diff(kind, old or {"data": [], "locked_fields": []}, county)
    return status


def adopt_template(township: Tenant, name: str, actor: str | None = None, template_id: int | None = None) -> dict[str, Any]:
    """Adopt (or update to) the county's current version of kind ``name``: the kind's ``apply``
    writes the township's rows from the county's items with the township's overrides of unlocked
    fields; overrides of fields the county has since locked are dropped (and listed). 404 when the
    county has published none, or when ``template_id`` is not this township's county's. Flushes."""
    kind = kind_for(township, name)
    adoption = _adoption(township, kind, lock=True)
    found = read_county_templates(township, kind.name, versions=(adoption.version,) if adoption else ())
    if not found or (template_id is not None and template_id != found[0]["id"]):
        raise ApiError(404, "no_template", _("所属县尚未发布这种模板"),
                       {"template_id": [_("不是本乡镇所属县的模板")]} if template_id is not None else None)
    county = found[0]
    locked = county["locked_fields"]
    overrides = dict(adoption.overrides or {}) if adoption else {}
    dropped = {}
    for key, values in list(overrides.items()):
        gone = [f for f in values if f in locked]
        if gone:
            dropped[key] = gone
            overrides[key] = {f: v for f, v in values.items() if f not in locked}
    overrides = {k: v for k, v in overrides.items() if v}
    previous = county["versions"].get(adoption.version) if adoption and adoption.template_id == county["id"] else None
    removed = [k for k in _keyed(kind, previous["data"]) if k not in _keyed(kind, county["data"])] if previous else []
    with tenant_context(township):
        kind.apply(township, effective_items(kind, county["data"], locked, overrides), removed)
        before = {"version": adoption.version, "template_id": adoption.template_id} if adoption else None
        if adoption is None:
            adoption = TemplateAdoption(kind=kind.name)
            db.session.add(adoption)
        adoption.county_id, adoption.template_id, adoption.version = county["county_id"], county["id"], county["version"]
        adoption.overrides, adoption.adopted_at, adoption.adopted_by = overrides, utcnow(), actor
        db.session.flush()
        audit.record("templates.adopt", adoption, before=before,
                     after={"kind": kind.name, "version": county["version"], "template_id": county["id"],
                            "dropped_overrides": dropped})
    return {"version": county["version"], "dropped_overrides": dropped}


def override_template_item(township: Tenant, name: str, key: str, changes: dict[str, Any],
                           actor: str | None = None, strict: bool = True) -> dict[str, Any] | None:
    """Record the township's local values of item ``key`` of its adopted template: 422 naming each
    locked field; a value equal to the county's clears that override. With ``strict`` (the
    templates API) an item or adoption that does not exist is an error and the item is written
    through the kind's ``apply``; without it (a module's own edit form calls this before writing
    its row) a township's own item, or a kind not adopted, is simply ``None``. Flushes."""
    kind = kinds().get(name)
    adoption = _adoption(township, kind, lock=True) if kind else None
    if adoption is None:
        if strict:
            raise ApiError(409, "not_adopted", _("尚未采用县级模板"))
        return None
    found = read_county_templates(township, kind.name, versions=(adoption.version,))
    adopted = found[0]["versions"].get(adoption.version) if found and found[0]["id"] == adoption.template_id else None
    item = _keyed(kind, adopted["data"]).get(str(key)) if adopted else None
    if item is None:
        if strict:
            raise ApiError(404, "not_found", _("模板中没有这一项"))
        return None
    if strict:
        changes = kind.item_schema(unknown=RAISE).load(changes, partial=True)
    else:
        changes = {f: v for f, v in changes.items() if f in kind.item_schema().fields}
    if kind.key_field in changes and str(changes[kind.key_field]) != str(key):
        raise ApiError(422, "validation_error", _("不能修改编码"), {kind.key_field: [_("不能修改")]})
    dumped = kind.item_schema().dump({**item, **changes})
    locked = [f for f in changes if f in adopted["locked_fields"] and dumped.get(f) != item.get(f)]
    if locked:
        raise ApiError(422, "locked_field", LOCKED, {f: [LOCKED] for f in locked})
    overrides = {k: dict(v) for k, v in (adoption.overrides or {}).items()}
    mine = overrides.setdefault(str(key), {})
    for f in changes:
        if dumped.get(f) == item.get(f):
            mine.pop(f, None)
        else:
            mine[f] = dumped.get(f)
    overrides = {k: v for k, v in overrides.items() if v}
    with tenant_context(township):
        before = (adoption.overrides or {}).get(str(key))
        adoption.overrides = overrides
        if strict:
            kind.apply(township, effective_items(kind, [item], adopted["locked_fields"], overrides), [])
        db.session.flush()
        audit.record("templates.override", adoption, before={"key": str(key), "overrides": before},
                     after={"key": str(key), "overrides": overrides.get(str(key))})
    return overrides.get(str(key), {})
