"""Finding residents (人员检索): by name, pinyin initials or full pinyin ("zs", "zhangsan" find
张三), ID number, phone, tag, status, party membership, inside a grid subtree, always within the
user's own reach (``people.read``).

Prefix matches are written as a range (``col >= 'zs' AND col < 'zt'``) plus ``LIKE``, so both
SQLite and PostgreSQL use the ``(tenant_id, col)`` index whatever the collation.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import selectinload

from core.errors import MAX_INT, ApiError
from core.grid.scope import subtree_condition, visible
from core.people.access import reach_ids
from core.people.identity import normalise_id
from core.people.models import Person, PersonStatus, PersonTag, Tag
from flask_babel import gettext as _

LETTERS = re.compile(r"^[a-z]+$")
DIGITS = re.compile(r"^\d+[\dX]?$")
TEXT_FILTERS = ("q", "name", "id_number", "mobile")


def prefix(column, value: str):
    """Index-friendly ``column LIKE 'value%'``."""
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return and_(column >= value, column < upper, column.like(escaped + "%", escape="\\"))


def text_condition(q: str):
    """The condition for the free-text box ``q``."""
    q = q.strip()
    lowered = q.lower().replace(" ", "")
    if LETTERS.match(lowered):
        return or_(prefix(Person.name_initials, lowered), prefix(Person.name_pinyin, lowered))
    number = normalise_id(q)
    if DIGITS.match(number):
        return number_condition(number)
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Person.name.like(f"%{escaped}%", escape="\\")


def number_condition(number: str):
    """Exact ID number or phone, matched only among the residents the user may see unmasked
    (``people.read_sensitive``): for anyone else a match would confirm a guess at a masked value
    (a masked ID number with its birth date left about nine candidates). Prefixes only for users
    who may read them unmasked township-wide (otherwise digits could be guessed one by one)."""
    exact = [Person.id_number == number]
    if len(number) == 11:
        exact.append(Person.mobile == number)
    if len(number) >= 4 and reach_ids("people.read_sensitive") is None:
        return or_(*exact, prefix(Person.id_number, number), prefix(Person.mobile, number))
    return and_(or_(*exact), visible(Person.grid_id, "people.read_sensitive"))


def require_number_search(name: str) -> None:
    """403 naming ``name`` for an explicit ID-number or phone search by a user who may see
    neither unmasked anywhere (the free-text box simply finds no one by number)."""
    if reach_ids("people.read_sensitive") == set():
        raise ApiError(403, "forbidden", _("按身份证号或手机号查找须有 %(permission)s 权限",
                                           permission="people.read_sensitive"),
                       {name: [_("无权按此查找")]})


def _int(args: Mapping[str, Any], name: str) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
        if not 1 <= value <= MAX_INT:
            raise ValueError
    except (TypeError, ValueError):
        raise ApiError(422, "validation_error", _("输入有误"), {name: [_("须为正整数")]})
    return value


def _flag(args: Mapping[str, Any], name: str) -> bool | None:
    raw = (args.get(name) or "").strip().lower()
    if raw == "":
        return None
    if raw in ("1", "true", "yes", "是"):
        return True
    if raw in ("0", "false", "no", "否"):
        return False
    raise ApiError(422, "validation_error", _("输入有误"), {name: [_("须为 1 或 0")]})


def people_query(args: Mapping[str, Any]):
    """``select(Person)`` for the filters in ``args`` (query-string names), within the user's reach.

    Filters: ``q`` (name, pinyin, ID number or phone), ``name``, ``id_number``, ``mobile``, ``tag``
    (id or name), ``grid_id`` (its whole subtree), ``household_id``, ``status`` (default
    ``living``; ``all`` for every status), ``party`` (1/0), ``party_away`` (1/0), ``gender``.
    """
    searching = any((args.get(k) or "").strip() for k in TEXT_FILTERS)
    # While searching by name or number, keep the planner on those indexes: "+ 0" hides the grid
    # index, which SQLite would otherwise walk for the whole subtree.
    grid_column = Person.grid_id + 0 if searching else Person.grid_id
    conditions = [visible(grid_column, "people.read")]
    if args.get("q", "").strip():
        conditions.append(text_condition(args["q"]))
    if args.get("name", "").strip():
        conditions.append(text_condition(args["name"]))
    if args.get("id_number", "").strip():
        require_number_search("id_number")
        conditions.append(number_condition(normalise_id(args["id_number"])))
    if args.get("mobile", "").strip():
        require_number_search("mobile")
        conditions.append(number_condition(args["mobile"].strip()))
    status = (args.get("status") or "living").strip()
    if status != "all":
        try:
            conditions.append(Person.status == PersonStatus(status))
        except ValueError:
            raise ApiError(422, "validation_error", _("输入有误"),
                           {"status": [_("须为 living、moved_out、deceased 或 all")]})
    grid_id = _int(args, "grid_id")
    if grid_id is not None:
        conditions.append(subtree_condition(grid_column, [grid_id]))
    household_id = _int(args, "household_id")
    if household_id is not None:
        conditions.append(Person.household_id == household_id)
    tag = (args.get("tag") or "").strip()
    if tag:
        tag_ids = select(Tag.id).where(Tag.id == int(tag)) if tag.isdigit() and int(tag) <= MAX_INT else select(Tag.id).where(Tag.name == tag)
        conditions.append(Person.id.in_(select(PersonTag.person_id).where(PersonTag.tag_id.in_(tag_ids))))
    for name, column in (("party", Person.is_party_member), ("party_away", Person.party_away)):
        flag = _flag(args, name)
        if flag is not None:
            conditions.append(column.is_(flag))
    gender = (args.get("gender") or "").strip()
    if gender:
        conditions.append(Person.gender == gender if gender in ("male", "female", "unknown") else false())
    return select(Person).where(*conditions).options(selectinload(Person.tags))


def people_order(args: Mapping[str, Any]):
    """Ordering for :func:`people_query`: by id; for a text search by ``id + 0``, which keeps
    SQLite on the name/pinyin indexes (then sorts the few matches) instead of walking the whole
    table in id order hoping to meet 50 matches soon."""
    if any((args.get(k) or "").strip() for k in TEXT_FILTERS):
        return Person.id + 0
    return Person.id
