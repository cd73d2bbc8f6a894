"""Writes on households, residents and tags (人员服务). Each function flushes and audits; the
caller commits. Audit entries name the changed fields, never ID numbers or phones themselves.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from core import audit
from core.db import db, utcnow
from core.errors import ApiError
from core.grid.models import Grid, GridStatus
from core.people import counts
from core.people.identity import id_birth_date, id_gender, pinyin_keys
from core.people.models import DEFAULT_TAGS, Household, Person, PersonTag, Tag
from flask_babel import gettext as _

PERSON_FIELDS = ("name", "gender", "birth_date", "id_number", "mobile", "grid_id", "household_id", "relation",
                 "status", "is_party_member", "party_branch", "party_org_id", "party_joined_on", "party_away", "notes")
HOUSEHOLD_FIELDS = ("grid_id", "address", "number", "head_name", "phone", "notes")


ID_CLASH_LIMIT = "20 per hour"  # config PEOPLE_ID_CLASH_LIMIT


def id_clash(clash_id: int) -> ApiError:
    """The 409 for an ID number that is already registered: it names no one (not the resident,
    not their grid), it is audited aside (the request itself rolls back), and a user who keeps
    meeting clashes is stopped (429), since each clash confirms that a guessed number is
    registered in the township."""
    audit.record("people.id_clash", object_type="core_person", object_id=clash_id, aside=True)
    if not clashes_allowed(1):
        return too_many_clashes()
    return ApiError(409, "conflict", _("身份证号已登记"),
                    {"id_number": [_("身份证号已登记")]})


def too_many_clashes() -> ApiError:
    return ApiError(429, "too_many_id_clashes", _("已登记的身份证号撞库次数过多，请稍后再试"))


def clashes_allowed(count: int) -> bool:
    """Count ``count`` clashes against the acting user's budget (``PEOPLE_ID_CLASH_LIMIT``, shared
    by single writes and imports, in requests and background jobs); False once it is spent."""
    from flask import current_app, g, has_request_context

    from limits import parse

    from core.auth.throttle import EXTENSION, _installation

    if not current_app.config.get("RATELIMIT_ENABLED", True) or EXTENSION not in current_app.extensions:
        return True
    if has_request_context():
        from flask_login import current_user

        user = current_user
    else:  # a background job acts for the user who started it
        user = g.get("acting_user")
    limit = parse(current_app.config.get("PEOPLE_ID_CLASH_LIMIT") or ID_CLASH_LIMIT)
    strategy = current_app.extensions[EXTENSION].limiter
    key = ("people-id-clash", _installation(), str(getattr(user, "id", None) or "anonymous"))
    try:
        return strategy.hit(limit, *key, cost=count)
    except Exception:  # storage down: the clashes are still audited
        return True


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", message, {field: [message]})


def active_grid(grid_id: int | None, field: str = "grid_id") -> Grid:
    grid = db.session.get(Grid, grid_id) if grid_id is not None else None
    if grid is None or grid.status != GridStatus.active:
        raise _invalid(field, _("网格不存在或已归档"))
    return grid


def ensure_default_tags(tenant) -> list[Tag]:
    """Seed the built-in special-group tags (独居老人, 残疾人 ...). Idempotent."""
    existing = {t.name: t for t in db.session.scalars(select(Tag))}
    for code, name in DEFAULT_TAGS:
        if name not in existing:
            existing[name] = Tag(name=name, code=code, builtin=True)
            db.session.add(existing[name])
    db.session.flush()
    return list(existing.values())


def create_tag(name: str) -> Tag:
    name = name.strip()
    if not name:
        raise _invalid("name", _("标签名称不能为空"))
    if db.session.scalar(select(Tag.id).where(Tag.name == name)):
        raise ApiError(409, "conflict", _("标签已存在"), {"name": [_("标签已存在")]})
    tag = Tag(name=name, builtin=False)
    db.session.add(tag)
    db.session.flush()
    audit.record("people.tag_create", tag, after={"name": name})
    return tag


def resolve_tags(values: list[Any]) -> list[Tag]:
    """Tags named by id or name; 422 ``tags`` naming the unknown ones."""
    tags = {t.id: t for t in db.session.scalars(select(Tag))}
    by_name = {t.name: t for t in tags.values()}
    out, unknown = [], []
    for value in values:
        tag = tags.get(value) if isinstance(value, int) else by_name.get(str(value).strip())
        if tag is None:
            unknown.append(str(value))
        elif tag not in out:
            out.append(tag)
    if unknown:
        raise _invalid("tags", _("未知标签: %(tags)s", tags=', '.join(unknown)))
    return out


def _check_person(data: dict[str, Any], person: Person | None) -> dict[str, Any]:
    """Cross-field rules: grid and household exist and agree, ID number unique, birth data agrees."""
    if data.get("household_id") is not None:
        household = db.session.get(Household, data["household_id"])
        if household is None:
            raise _invalid("household_id", _("住户不存在"))
        if data.get("grid_id") is None:
            data["grid_id"] = household.grid_id
        elif data["grid_id"] != household.grid_id:
            raise _invalid("grid_id", _("网格须与住户所在网格一致"))
    if "grid_id" in data or person is None:
        if data.get("grid_id") is None:
            raise _invalid("grid_id", _("请选择网格"))
        active_grid(data["grid_id"])
    if data.get("party_org_id") is not None:
        from core.grid.models import PartyOrg

        if db.session.get(PartyOrg, data["party_org_id"]) is None:
            raise _invalid("party_org_id", _("党组织不存在"))
    id_number = data.get("id_number")
    if id_number:
        clash = db.session.scalar(select(Person.id).where(Person.id_number == id_number))
        if clash is not None and (person is None or clash != person.id):
            raise id_clash(clash)
        born, gender = id_birth_date(id_number), id_gender(id_number)
        if data.get("birth_date") not in (None, born):
            raise _invalid("birth_date", _("出生日期与身份证号不符"))
        if data.get("gender") not in (None, "unknown", gender):
            raise _invalid("gender", _("性别与身份证号不符"))
        data["birth_date"], data["gender"] = born, gender
    member = data.get("is_party_member", person.is_party_member if person is not None else False)
    if not member:
        if data.get("party_away"):
            raise _invalid("party_away", _("在外/流动党员须为党员"))
        if person is not None and person.party_away:
            data["party_away"] = False  # no longer a member, so no longer a member away
    if "name" in data:
        data["name_initials"], data["name_pinyin"] = pinyin_keys(data["name"])
    return data


def _set_tags(person: Person, tags: list[Tag]) -> None:
    counts.mark(db.session(), [person.grid_id])
    db.session.execute(delete(PersonTag).where(PersonTag.person_id == person.id), execution_options=counts.MARKED)
    for tag in tags:
        db.session.add(PersonTag(person_id=person.id, tag_id=tag.id))
    db.session.flush()
    db.session.expire(person, ["tags"])


def create_person(data: dict[str, Any]) -> Person:
    """Register a resident (data from :class:`PersonIn`). 422/409 naming the field."""
    data = dict(data)
    tag_values = data.pop("tags", None)
    tags = resolve_tags(tag_values) if tag_values else []
    data = _check_person(data, None)
    if not data.get("gender"):
        data["gender"] = "unknown"
    person = Person(**data)
    db.session.add(person)
    db.session.flush()
    if tags:
        _set_tags(person, tags)
    audit.record("people.person_create", person, after={"grid_id": person.grid_id, "fields": sorted(k for k, v in data.items() if v is not None)})
    return person


def update_person(person: Person, data: dict[str, Any]) -> Person:
    """Change a resident (partial ``PersonIn``); moving out or dying is a status change."""
    if person.anonymised_at is not None:
        raise ApiError(409, "anonymised", _("该居民已匿名化，不能修改"))
    data = dict(data)
    tag_values = data.pop("tags", None)
    tags = resolve_tags(tag_values) if tag_values is not None else None
    data = _check_person(data, person)
    changed = sorted(k for k in data if k in PERSON_FIELDS and getattr(person, k) != data[k])
    for key, value in data.items():
        setattr(person, key, value)
    db.session.flush()
    if tags is not None:
        _set_tags(person, tags)
        changed.append("tags")
    audit.record("people.person_update", person, after={"fields": changed})
    return person


def create_household(data: dict[str, Any]) -> Household:
    active_grid(data.get("grid_id"))
    household = Household(**data)
    db.session.add(household)
    db.session.flush()
    audit.record("people.household_create", household, after={"grid_id": household.grid_id, "address": household.address})
    return household


def update_household(household: Household, data: dict[str, Any]) -> Household:
    if "grid_id" in data:
        active_grid(data["grid_id"])
    for key, value in data.items():
        setattr(household, key, value)
    db.session.flush()
    if "grid_id" in data:
        # the members live at the household's address
        for person in db.session.scalars(select(Person).where(Person.household_id == household.id)):
            person.grid_id = household.grid_id
        db.session.flush()
    audit.record("people.household_update", household, after={"fields": sorted(data)})
    return household


ANONYMOUS = "已匿名"


def anonymise_person(tenant, person: Person) -> Person:
    """Erase identifying fields (name, ID number, phone, day of birth, notes) and keep the row
    (gender, birth year, grid, status, tags, party membership) for statistics. Every installed
    module erases its own data through the ``person_anonymised`` hook, in the same transaction.
    """
    from flask import current_app

    if person.anonymised_at is not None:
        return person
    household = person.household
    if household is not None and household.head_name and household.head_name == person.name:
        household.head_name = None
    current_app.extensions["gridgov.plugins"].all.person_anonymised(tenant=tenant, person=person)
    person.name = ANONYMOUS
    person.name_initials = person.name_pinyin = ""
    person.id_number = person.mobile = person.notes = person.party_branch = person.relation = None
    if person.birth_date is not None:
        person.birth_date = person.birth_date.replace(month=1, day=1)
    person.anonymised_at = utcnow()
    db.session.flush()
    audit.record("people.anonymise", person)
    return person


def move_grid_rows(source: Grid, target: Grid) -> tuple[int, int]:
    """Move households and residents pointing at ``source`` to ``target`` (grid merge)."""
    from sqlalchemy import update

    counts.mark(db.session(), [source.id, target.id])
    h = db.session.execute(update(Household).where(Household.grid_id == source.id).values(grid_id=target.id),
                           execution_options=counts.MARKED).rowcount
    p = db.session.execute(update(Person).where(Person.grid_id == source.id).values(grid_id=target.id),
                           execution_options=counts.MARKED).rowcount
    return h, p
