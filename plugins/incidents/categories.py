"""The item list (网格事项清单): default categories seeded on enabling, edited by the township,
and templatable: a county publishes its list as the template kind ``incidents.categories``
(:data:`TEMPLATE_KIND`), which its townships adopt into their own categories and adjust.
"""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from core.toolkit import ApiError, TemplateKind, audit, db, override_template_item
from plugins.incidents.models import Category
from core.toolkit import gettext as _

KIND = "incidents.categories"

# (code, name, time limit in hours, auto-escalate, subcategories [(code, name, hours)])
DEFAULT_CATEGORIES: list[tuple[str, str, int, bool, list[tuple[str, str, int]]]] = [
    ("party", "党建工作", 168, False, [("party_member", "党员管理服务", 168)]),
    ("security", "社会治安", 24, True, [("security_hazard", "治安隐患", 24), ("security_fraud", "反诈宣传", 72)]),
    ("civility", "文明创建", 72, False, [("civility_litter", "乱扔乱倒", 72), ("civility_parking", "乱停乱放", 48)]),
    ("land", "国土资源", 72, False, [("land_illegal_build", "违法建设", 72)]),
    ("safety", "安全生产", 24, True, [("safety_fire", "消防隐患", 24), ("safety_gas", "燃气隐患", 24)]),
    ("assistance", "社会救助", 72, False, [("assistance_elderly", "独居老人帮扶", 48)]),
    ("environment", "生态环境", 72, False, [("environment_water", "河道水体", 72), ("environment_garbage", "垃圾清运", 48)]),
    ("epidemic", "疫情防控", 24, True, []),
    ("dispute", "矛盾纠纷", 72, True, [("dispute_neighbour", "邻里纠纷", 72), ("dispute_family", "家庭纠纷", 72),
                                   ("dispute_land", "土地承包纠纷", 168)]),
    ("help", "群众求助", 48, False, []),
    ("facility", "基础设施", 72, False, [("facility_road", "道路破损", 72), ("facility_light", "路灯故障", 48)]),
    ("other", "其他事项", 72, False, []),
]


def seed_defaults(tenant) -> int:
    """Add the default categories a township does not have yet (by code); idempotent."""
    have = set(db.session.scalars(select(Category.code)))
    added = 0
    for sort, (code, name, hours, auto, children) in enumerate(DEFAULT_CATEGORIES):
        parent = None
        if code not in have:
            parent = Category(code=code, name=name, time_limit_hours=hours, auto_escalate=auto, sort=sort * 10)
            db.session.add(parent)
            db.session.flush()
            added += 1
        for i, (ccode, cname, chours) in enumerate(children):
            if ccode in have:
                continue
            if parent is None:
                parent = db.session.scalar(select(Category).where(Category.code == code))
            db.session.add(Category(code=ccode, name=cname, time_limit_hours=chours, auto_escalate=auto,
                                    parent_id=parent.id if parent else None, sort=sort * 10 + i + 1))
            added += 1
    db.session.flush()
    if added:
        audit("incidents.categories_seeded", object_type="incidents_category", after={"added": added})
    return added


def all_categories(active_only: bool = False) -> list[Category]:
    stmt = select(Category).order_by(Category.sort, Category.id)
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    return list(db.session.scalars(stmt))


def leaf_groups() -> list[tuple[Category | None, list[Category]]]:
    """What a resident picks from (随手拍): active categories with no active subcategory, under
    their parent's name; "其他事项" (``other``) last, for a resident who is not sure."""
    rows = all_categories(active_only=True)
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    groups: dict[int | None, list[Category]] = {}
    for row in rows:
        if row.id not in parents:
            groups.setdefault(row.parent_id, []).append(row)
    by_id = {r.id: r for r in rows}
    out = [(by_id.get(pid), leaves) for pid, leaves in groups.items() if pid is not None]
    loose = [r for r in groups.get(None, []) if r.code != "other"]
    other = [r for r in groups.get(None, []) if r.code == "other"]
    return out + ([(None, loose)] if loose else []) + ([(None, other)] if other else [])


def get_leaf_category(category_id: int, field: str = "category_id") -> Category:
    """An active category with no active subcategory (a resident's pick); 422 naming ``field``."""
    from core.toolkit import gettext as _

    row = get_category(category_id, field)
    if db.session.scalar(select(Category.id).where(Category.parent_id == row.id, Category.active.is_(True)).limit(1)):
        message = _("请选择具体的问题类别")
        raise ApiError(422, "validation_error", message, {field: [message]})
    return row


def get_category(category_id: int, field: str = "category_id", active: bool = True) -> Category:
    row = db.session.get(Category, category_id) if isinstance(category_id, int) else None
    if row is None or (active and not row.active):
        raise ApiError(422, "validation_error", _("事项类别不存在或已停用"),
                       {field: [_("事项类别不存在或已停用")]})
    return row


def create_category(tenant, data: dict[str, Any]) -> Category:
    if db.session.scalar(select(Category.id).where(Category.code == data["code"])):
        raise ApiError(409, "code_taken", _("类别编码已存在"), {"code": [_("类别编码已存在")]})
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = get_category(parent_id, "parent_id", active=False)
        if parent.parent_id is not None:
            raise ApiError(422, "validation_error", _("类别最多两级"), {"parent_id": [_("只能挂在一级类别下")]})
    row = Category(**data)
    db.session.add(row)
    db.session.flush()
    audit("incidents.category_create", row, after=_dump(row))
    return row


def update_category(tenant, row: Category, data: dict[str, Any], actor: str | None = None) -> Category:
    """Change a category; for one adopted from the county's template the change is a local
    override, and a field the county locked is refused (422 naming it)."""
    override_template_item(tenant, KIND, row.code, data, actor, strict=False)
    before = _dump(row)
    for key in ("name", "time_limit_hours", "auto_escalate", "active", "sort"):
        if key in data:
            setattr(row, key, data[key])
    db.session.flush()
    audit("incidents.category_update", row, before=before, after=_dump(row))
    return row


def _dump(row: Category) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "time_limit_hours": row.time_limit_hours,
            "auto_escalate": row.auto_escalate, "active": row.active, "parent_id": row.parent_id}


# --- the county template (县级模板) of the item list ----------------------------------------


CODE = r"^[a-z][a-z0-9_]{1,31}$"


class TemplateItem(Schema):
    """One category of a county's item list; subcategories name their parent by code."""

    class Meta:
        unknown = RAISE

    code = fields.String(required=True, validate=validate.Regexp(CODE), metadata={"label_zh": "编码", "label_en": "Code"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"label_zh": "名称", "label_en": "Name"})
    parent_code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(CODE),
                                metadata={"label_zh": "上级类别", "label_en": "Parent"})
    time_limit_hours = fields.Integer(load_default=72, strict=True, validate=validate.Range(min=1, max=24 * 90),
                                      metadata={"label_zh": "办理时限(小时)", "label_en": "Time limit (hours)"})
    auto_escalate = fields.Boolean(load_default=False, metadata={"label_zh": "超期自动流转", "label_en": "Escalate when overdue"})
    active = fields.Boolean(load_default=True, metadata={"label_zh": "启用", "label_en": "Active"})


def default_template() -> list[dict[str, Any]]:
    """The county's starting list: the same defaults a township is seeded with."""
    items = []
    for code, name, hours, auto, children in DEFAULT_CATEGORIES:
        items.append({"code": code, "name": name, "time_limit_hours": hours, "auto_escalate": auto})
        items += [{"code": c, "name": n, "parent_code": code, "time_limit_hours": h, "auto_escalate": auto}
                  for c, n, h in children]
    return items


def apply_template(tenant, items: list[dict[str, Any]], removed: list[str]) -> None:
    """Write the adopted items into the township's categories (by code: added or updated, in the
    county's order); categories the county dropped are switched off, never deleted (incidents
    point at them). A parent must come before its subcategories; an unknown parent is a 422."""
    rows = {c.code: c for c in db.session.scalars(select(Category))}
    for sort, item in enumerate(items):
        parent = rows.get(item.get("parent_code")) if item.get("parent_code") else None
        if item.get("parent_code") and parent is None:
            raise ApiError(422, "validation_error", _("上级类别不存在"),
                           {"parent_code": [_("%(code)s 不在清单中", code=item['parent_code'])]})
        row = rows.get(item["code"])
        if row is None:
            row = rows[item["code"]] = Category(code=item["code"])
            db.session.add(row)
        row.name, row.time_limit_hours = item["name"], item["time_limit_hours"]
        row.auto_escalate, row.active = item["auto_escalate"], item["active"]
        row.parent_id, row.sort = (parent.id if parent else None), sort * 10
        db.session.flush()
    for code in removed:
        if code in rows:
            rows[code].active = False
    db.session.flush()


def read_copy(tenant) -> list[dict[str, Any]]:
    """The township's own list, shaped like :class:`TemplateItem`."""
    rows = all_categories()
    codes = {r.id: r.code for r in rows}
    return [{"code": r.code, "name": r.name, "parent_code": codes.get(r.parent_id), "time_limit_hours": r.time_limit_hours,
             "auto_escalate": r.auto_escalate, "active": r.active} for r in rows]


TEMPLATE_KIND = TemplateKind(
    name=KIND, label_zh="网格事项清单", label_en="Incident categories", item_schema=TemplateItem, key_field="code",
    lockable=("name", "time_limit_hours", "auto_escalate", "active"), apply=apply_template, read=read_copy,
    defaults=default_template,
)
