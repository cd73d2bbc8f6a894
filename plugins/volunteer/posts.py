"""Posts (志愿岗位) and teams (志愿服务队) with their leaders.

A township starts with the standing posts below (seeded when it enables the module) and adds
its own. The county publishes its post list as the template ``volunteer.posts`` (县级模板, its
first version these same defaults); a township adopts it into its own posts (by name), keeps
local descriptions unless the county locked them, and cannot retire a post whose ``active`` the
county locked (422 naming the field).
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import delete, select

from core.toolkit import ApiError, TemplateKind, audit, db, override_template_item
from plugins.volunteer.models import Post, Team, TeamMember, Volunteer
from core.toolkit import gettext as _

DEFAULT_POSTS = [("疫情防控", "测温、核验、秩序维护"), ("应急救援", "防汛抗旱、森林防火、突发事件"),
                 ("政策宣传", "政策宣讲、入户宣传"), ("环境整治", "人居环境、垃圾分类"),
                 ("关爱帮扶", "独居老人、留守儿童、困难群众"), ("平安巡防", "夜间巡逻、矛盾排查"),
                 ("文明实践", "新时代文明实践活动")]
DEFAULT_MENU = [("独居老人上门体检", "关爱帮扶"), ("接送接种疫苗", "疫情防控"), ("居家观察人员探访", "疫情防控"),
                ("代购代办", "关爱帮扶"), ("政策咨询上门", "政策宣传"), ("家电小修", "关爱帮扶")]


def seed_defaults(tenant) -> None:
    """Idempotent: the standing posts and a starting menu, where missing."""
    from plugins.volunteer import menu
    from plugins.volunteer.models import ServiceItem

    have = set(db.session.scalars(select(Post.name)))
    for i, (name, description) in enumerate(DEFAULT_POSTS):
        if name not in have:
            db.session.add(Post(name=name, description=description, sort=i))
    db.session.flush()
    if db.session.scalar(select(ServiceItem.id).limit(1)) is None:
        posts = dict(db.session.execute(select(Post.name, Post.id)).all())
        for name, post in DEFAULT_MENU:
            menu.add_item(tenant, {"name": name, "post_id": posts.get(post)})


def get_post(post_id) -> Post:
    row = db.session.get(Post, post_id) if isinstance(post_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("岗位不存在"))
    return row


def posts(active_only: bool = False) -> list[Post]:
    stmt = select(Post).order_by(Post.sort, Post.id)
    if active_only:
        stmt = stmt.where(Post.active.is_(True))
    return list(db.session.scalars(stmt))


def save_post(post: Post | None, data: dict, tenant=None) -> Post:
    """Add or change a post; for a post adopted from the county's template a change of its
    description or ``active`` is a local override, refused (422) where the county locked it."""
    name = data.get("name")
    if post is not None and tenant is not None:
        override_template_item(tenant, KIND, post.name, {k: v for k, v in data.items() if k in ("description", "active")},
                               None, strict=False)
    if name and db.session.scalar(select(Post.id).where(Post.name == name, Post.id != (post.id if post else 0))):
        raise ApiError(409, "duplicate", _("岗位已存在"), {"name": [_("已存在")]})
    before = {k: getattr(post, k) for k in data} if post else None
    if post is None:
        post = Post(**data)
        db.session.add(post)
    else:
        for key, value in data.items():
            setattr(post, key, value)
    db.session.flush()
    audit("volunteer.post_save", post, before=before, after=data)
    return post


def get_team(team_id) -> Team:
    row = db.session.get(Team, team_id) if isinstance(team_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("服务队不存在"))
    return row


def _volunteers(ids, field: str) -> list[int]:
    ids = sorted(set(ids))
    found = set(db.session.scalars(select(Volunteer.id).where(Volunteer.id.in_(ids), Volunteer.status == "confirmed")))
    if found != set(ids):
        raise ApiError(422, "validation_error", _("志愿者不存在或未确认"),
                       {field: [_("志愿者不存在或未确认")]})
    return ids


def save_team(team: Team | None, data: dict) -> Team:
    member_ids = data.pop("member_ids", None)
    if data.get("post_id") is not None and db.session.get(Post, data["post_id"]) is None:
        raise ApiError(422, "validation_error", _("岗位不存在"), {"post_id": [_("岗位不存在")]})
    if data.get("leader_id") is not None:
        _volunteers([data["leader_id"]], "leader_id")
    if data.get("name") and db.session.scalar(select(Team.id).where(Team.name == data["name"],
                                                                   Team.id != (team.id if team else 0))):
        raise ApiError(409, "duplicate", _("服务队已存在"), {"name": [_("已存在")]})
    if team is None:
        team = Team(**data)
        db.session.add(team)
    else:
        for key, value in data.items():
            setattr(team, key, value)
    db.session.flush()
    if member_ids is not None or data.get("leader_id"):
        ids = set(_volunteers(member_ids or [], "member_ids")) | ({team.leader_id} if team.leader_id else set())
        if member_ids is None:
            ids |= set(members_of(team))
        db.session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
        for vid in sorted(ids):
            db.session.add(TeamMember(team_id=team.id, volunteer_id=vid))
        db.session.flush()
    audit("volunteer.team_save", team, after={**data, "member_ids": member_ids})
    return team


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def members_of(team: Team) -> list[int]:
    return list(db.session.scalars(select(TeamMember.volunteer_id).where(TeamMember.team_id == team.id)))


KIND = "volunteer.posts"


class TemplatePost(Schema):
    """One post of the county's template."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=50),
                         metadata={"label_zh": "岗位", "label_en": "Post"})
    description = fields.String(load_default="", validate=validate.Length(max=500),
                                metadata={"label_zh": "说明", "label_en": "Description"})
    active = fields.Boolean(load_default=True, metadata={"label_zh": "启用", "label_en": "Active"})


def default_template() -> list[dict]:
    return [{"name": n, "description": d, "active": True} for n, d in DEFAULT_POSTS]


def apply_template(tenant, items: list[dict], removed: list[str]) -> None:
    """The adopted posts into the township's own (by name, in the county's order); posts the
    county dropped are switched off, never deleted (activities point at them)."""
    rows = {p.name: p for p in db.session.scalars(select(Post))}
    for sort, item in enumerate(items):
        row = rows.get(item["name"])
        if row is None:
            row = rows[item["name"]] = Post(name=item["name"])
            db.session.add(row)
        row.description, row.active, row.sort = item.get("description", ""), item.get("active", True), sort
    for name in removed:
        if name in rows:
            rows[name].active = False
    db.session.flush()


def read_copy(tenant) -> list[dict]:
    return [{"name": p.name, "description": p.description, "active": p.active} for p in posts()]


TEMPLATE_KIND = TemplateKind(name=KIND, label_zh="志愿岗位", label_en="Volunteer posts", item_schema=TemplatePost,
                             key_field="name", lockable=("description", "active"), apply=apply_template,
                             read=read_copy, defaults=default_template)
