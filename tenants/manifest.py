"""Township manifests (乡镇开通清单): the YAML/JSON document a township is onboarded from.

Example::

    name: 城关镇
    slug: chengguan
    county: huaining            # slug of the county tenant
    region_code: "340822101"
    grid_level_names: [村/社区, 网格, 微网格]
    grids:
      - name: 东门社区
        children: [{name: 第一网格}, {name: 第二网格}]
    admin: {username: cg_admin, display_name: 王主任, mobile: "13912345678", password: "Huaiyuan-7319"}
    modules:
      incidents: {urgent_hours: 2}

The schema checks each field; :func:`tenants.onboarding.validate_manifest` adds the checks that
need the database (county exists, slug and username free, modules installed and their settings).
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.localtime import DEFAULT_ZONE, valid_zone
from flask_babel import gettext as _
from core.i18n import N_


def _bad_zone():
    raise ValidationError(_("不是有效的时区，例如 Asia/Shanghai"))

SLUG = validate.Regexp(r"^[a-z][a-z0-9-]{1,62}$", error=N_("须为小写字母开头的小写字母、数字或横线，2 到 63 位"))
REGION_CODE = validate.Regexp(r"^\d{6,12}$", error=N_("须为 6 到 12 位数字"))


class GridNodeSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    children = fields.List(fields.Nested(lambda: GridNodeSchema()), load_default=list)


class AdminSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.\-]{2,64}$"))
    display_name = fields.String(load_default="", validate=validate.Length(max=64))
    mobile = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^1[3-9]\d{9}$", error=N_("须为 11 位大陆手机号")))
    password = fields.String(load_default=None, allow_none=True, load_only=True)


class ManifestSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    slug = fields.String(required=True, validate=SLUG)
    county = fields.String(required=True, validate=SLUG)
    region_code = fields.String(load_default=None, allow_none=True, validate=REGION_CODE)
    grid_level_names = fields.List(fields.String(validate=validate.Length(min=1, max=20)),
                                   load_default=lambda: ["一级网格", "二级网格", "三级网格"],
                                   validate=validate.Length(min=1, max=6, error=N_("须有 1 到 6 级")))
    timezone = fields.String(load_default=DEFAULT_ZONE, validate=lambda name: valid_zone(name) or _bad_zone())
    grids = fields.List(fields.Nested(GridNodeSchema), load_default=list)
    admin = fields.Nested(AdminSchema, load_default=None, allow_none=True)
    modules = fields.Dict(keys=fields.String(), values=fields.Dict(allow_none=True), load_default=dict)

    @pre_load
    def _modules_as_list(self, data, **kwargs):
        # "modules: [a, {b: {...}}]" is accepted as well as a mapping
        if isinstance(data, dict) and isinstance(data.get("modules"), list):
            mods = {}
            for item in data["modules"]:
                if isinstance(item, str):
                    mods[item] = {}
                elif isinstance(item, dict):
                    mods.update(item)
                else:
                    raise ValidationError({"modules": [_("每项须为模块名或 {模块名: 设置}")]})
            data = {**data, "modules": mods}
        return data

    @validates_schema(skip_on_field_errors=False)
    def _grid_depth(self, data, **kwargs):
        depth = len(data.get("grid_level_names") or [])

        def deepest(nodes, level=1):
            return max([level] + [deepest(n.get("children") or [], level + 1) for n in nodes]) if nodes else level - 1

        if data.get("grids") and deepest(data["grids"]) > depth:
            raise ValidationError({"grids": [_("网格层级超过 %(depth)s 级", depth=depth)]})


def parse_manifest_text(text: str) -> object:
    """YAML (or JSON, a subset of it) text to data; ``ValidationError`` on a syntax error."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError({"_manifest": [_("YAML 格式有误：%(reason)s", reason=exc)]}) from exc
    if not isinstance(data, dict):
        raise ValidationError({"_manifest": [_("清单须为映射")]})
    return data
