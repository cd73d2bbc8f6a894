"""County templates API (县级模板接口), under ``/api/v1/t/<tenant>/templates``.

In a county: list, read, edit the draft (``PUT``), publish, read a version. In a township: its
standing with the county's template of each kind, adopt or update (``POST .../adopt``), and
override one item (``PATCH .../items/<key>``). A county route asked in a township (or the
reverse) is a 404, like anything of another tenant.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, jsonify
from flask_login import current_user
from marshmallow import RAISE, Schema, fields
from sqlalchemy.exc import IntegrityError

from core.api import doc, json_body, load
from core.auth import requires
from core.county_templates import service, shapes
from core.db import db
from core.localtime import LocalDateTime, iso_local
from core.errors import ApiError
from core.models import TenantKind
from flask_babel import gettext as _

bp = Blueprint("county_templates", __name__, url_prefix="/api/v1/t/<tenant>/templates")


class TemplateOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    version = fields.Integer(metadata={"description": "newest published version (0: none yet)"})
    draft = fields.List(fields.Dict())
    draft_locked = fields.List(fields.String())
    updated_at = LocalDateTime()
    updated_by = fields.String(allow_none=True)


class VersionOut(Schema):
    version = fields.Integer()
    title = fields.String()
    data = fields.List(fields.Dict())
    locked_fields = fields.List(fields.String())
    published_at = LocalDateTime()
    published_by = fields.String(allow_none=True)


class StatusOut(Schema):
    kind = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    key_field = fields.String()
    lockable = fields.List(fields.String())
    county = fields.Dict(allow_none=True)
    adoption = fields.Dict(allow_none=True)
    copy = fields.List(fields.Dict())
    update_available = fields.Boolean()
    diff = fields.Dict(allow_none=True)


class AdoptIn(Schema):
    class Meta:
        unknown = RAISE

    template_id = fields.Integer(load_default=None, allow_none=True, strict=True)


def _committed(write):
    """Run ``write`` and commit; a concurrent twin that got in first (a unique key taken) is a 409."""
    try:
        out = write()
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ApiError(409, "changed_meanwhile", _("数据刚被他人修改，请刷新后重试")) from exc
    return out


def _actor() -> str:
    return current_user.username


def _county():
    if g.tenant.kind != TenantKind.county:
        raise ApiError(404)
    return g.tenant


def _township():
    if g.tenant.kind != TenantKind.township:
        raise ApiError(404)
    return g.tenant


def _template_json(county, kind, row) -> dict:
    out = TemplateOut().dump(row)
    out.update(label_zh=kind.label_zh, label_en=kind.label_en, key_field=kind.key_field, lockable=list(kind.lockable))
    out["versions"] = [{"version": v.version, "published_at": VersionOut().dump(v)["published_at"],
                        "published_by": v.published_by} for v in service.versions_of(county, row)]
    return out


def _status_json(status: dict) -> dict:
    return StatusOut().dump(status) | {"county": _plain(status["county"]), "adoption": _plain(status["adoption"])}


def _plain(value):
    if value is None:
        return None
    return {k: (iso_local(v) if isinstance(v, dt.datetime) else v) for k, v in value.items()}


@bp.get("")
@requires("templates.read")
@doc("The templates: a county's own, or a township's standing with its county's", tags=["templates"],
     many=True, response_schema=shapes.TEMPLATE)
def list_templates():
    if g.tenant.kind == TenantKind.county:
        county = g.tenant
        rows = [(kind, service.template_of(county, kind, _actor())) for kind in service.kinds_for(county)]
        out = [_template_json(county, kind, row) for kind, row in rows]
        db.session.commit()  # a lazily seeded template is kept
        return jsonify(out)
    _township()
    return jsonify([_status_json(service.county_template(g.tenant, k.name)) for k in service.kinds_for(g.tenant)])


@bp.get("/<kind>")
@requires("templates.read")
@doc("One template (county) or the township's standing with it, the diff when newer", tags=["templates"],
     response_schema=shapes.TEMPLATE)
def show_template(kind: str):
    if g.tenant.kind == TenantKind.county:
        found = service.kind_for(g.tenant, kind)
        row = service.template_of(g.tenant, found, _actor())
        out = _template_json(g.tenant, found, row)
        db.session.commit()
        return jsonify(out)
    _township()
    return jsonify(_status_json(service.county_template(g.tenant, kind)))


@bp.put("/<kind>")
@requires("templates.manage")
@doc("Replace the county's draft: title, items, locked fields", response_schema=TemplateOut, tags=["templates"])
def save_draft(kind: str):
    county = _county()
    found = service.kind_for(county, kind)
    row = service.save_draft(county, found, json_body(), _actor())
    out = _template_json(county, found, row)
    db.session.commit()
    return jsonify(out)


@bp.post("/<kind>/publish")
@requires("templates.manage")
@doc("Publish the draft as a new version (published versions never change)", response_schema=VersionOut,
     tags=["templates"], status=201)
def publish(kind: str):
    county = _county()
    found = service.kind_for(county, kind)
    out = _committed(lambda: VersionOut().dump(service.publish(county, found, _actor())))
    return jsonify(out), 201


@bp.get("/<kind>/versions/<int:number>")
@requires("templates.read")
@doc("One published version of the county's template", response_schema=VersionOut, tags=["templates"])
def show_version(kind: str, number: int):
    county = _county()
    found = service.kind_for(county, kind)
    return jsonify(VersionOut().dump(service.version_of(county, service.template_of(county, found), number)))


@bp.post("/<kind>/adopt")
@requires("templates.adopt")
@doc("Adopt the county's current version, or update to it keeping local overrides", request_schema=AdoptIn,
     tags=["templates"])
def adopt(kind: str):
    town = _township()
    data = load(AdoptIn)
    result = _committed(lambda: service.adopt_template(town, kind, _actor(), template_id=data["template_id"]))
    return jsonify(_status_json(service.county_template(town, kind)) | {"dropped_overrides": result["dropped_overrides"]})


@bp.patch("/<kind>/items/<key>")
@requires("templates.adopt")
@doc("Override fields of one adopted item locally (locked fields: 422)", tags=["templates"])
def override_item(kind: str, key: str):
    town = _township()
    service.kind_for(town, kind)
    values = _committed(lambda: service.override_template_item(town, kind, key, json_body(), _actor()))
    return jsonify({"key": key, "overrides": values})
