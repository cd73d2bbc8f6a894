"""The township's household stars (十星农户 / 星级文明户的星): define, edit and retire them, with
the score each needs (达标分), versioned per year like the branch standards.

A year's definitions are rows of :class:`HouseholdStar` with that ``year``; a month's ratings use
the definitions of the month's year, so editing this year's stars never touches last year's
ratings, and a year that closed (before this one) cannot be edited at all. A year with no
definitions yet reads as the latest earlier year's (:func:`definitions`, a read never writes);
its first write copies them (:func:`ensure_year`), the first year of all gets the ten defaults.

Rules (each refusal names its field): a name is unique among the year's active stars, so is a
points_bank category (one category derives one star), a code is unique in the year; the pass
score lies in (0, the full score], the full score in (0, 100]; a full score cannot drop below a
score already given that year. Retiring keeps the star's ratings; it is scored no more.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.toolkit import ApiError, audit, db, utcnow
from core.toolkit import gettext as _
from plugins.five_star.clock import this_year
from plugins.five_star.defaults import HOUSEHOLD_STARS
from plugins.five_star.models import HouseholdRating, HouseholdStar

CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
EDITABLE = ("name", "category", "description", "max_score", "pass_score", "sort")


def _invalid(field: str, message: str, status: int = 422, code: str = "validation_error") -> ApiError:
    return ApiError(status, code, message, {field: [message]})


def _of_year(year: int) -> list[HouseholdStar]:
    return list(db.session.scalars(select(HouseholdStar).where(HouseholdStar.year == year)
                                   .order_by(HouseholdStar.sort, HouseholdStar.id)))


def definitions(year: int) -> tuple[list[HouseholdStar], int | None]:
    """The stars of ``year`` (retired ones included) and the year they come from: ``year`` itself,
    the latest earlier year that has stars (not copied yet), or ``None`` when there are none."""
    rows = _of_year(year)
    if rows:
        return rows, year
    earlier = db.session.scalar(select(func.max(HouseholdStar.year)).where(HouseholdStar.year < year))
    return (_of_year(earlier), earlier) if earlier is not None else ([], None)


def active(year: int) -> list[HouseholdStar]:
    """The stars households can earn in ``year`` (read only: carried over when not copied yet)."""
    return [s for s in definitions(year)[0] if s.active]


def ensure_year(year: int) -> list[HouseholdStar]:
    """The active stars of ``year``, copying the latest earlier year's (or the defaults) first."""
    rows, source = definitions(year)
    if source != year:
        try:
            with db.session.begin_nested():
                if rows:
                    for s in rows:
                        if s.active:
                            db.session.add(HouseholdStar(year=year, code=s.code, name=s.name, category=s.category,
                                                         description=s.description, max_score=s.max_score,
                                                         pass_score=s.pass_score, sort=s.sort))
                else:
                    for i, (code, name, category) in enumerate(HOUSEHOLD_STARS):
                        db.session.add(HouseholdStar(year=year, code=code, name=name, category=category, sort=i))
                db.session.flush()
        except IntegrityError:  # another request copied them meanwhile: theirs stand
            pass
        rows = _of_year(year)
    return [s for s in rows if s.active]


def in_year(star: HouseholdStar, year: int | None) -> HouseholdStar:
    """``star`` as a star of ``year``: a star carried over from an earlier year (shown for
    ``year`` before that year has its own) is copied into ``year`` first, and the copy is edited,
    never the earlier year's row."""
    if year is None or star.year == year:
        return star
    _open_year(year)
    copy = next((s for s in ensure_year(year) if s.code == star.code), None)
    if copy is None:
        raise ApiError(404, "not_found", _("%(year)s年度没有这颗星", year=year))
    return copy


def _open_year(year: int) -> None:
    if not isinstance(year, int) or year < this_year():
        raise _invalid("year", _("%(year)s年度已归档，往年的星级不能修改", year=year), 409, "closed")


def _check(year: int, data: dict[str, Any], star: HouseholdStar | None = None) -> None:
    """The rules of the module docstring, for a new star (``star`` None) or a change of ``star``."""
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise _invalid("name", _("请填写星的名称"))
    others = [s for s in _of_year(year) if star is None or s.id != star.id]
    name = data.get("name", star.name if star else None)
    category = data.get("category", star.category if star else "") or ""
    full = data.get("max_score", star.max_score if star else 100.0)
    need = data.get("pass_score", star.pass_score if star else None)
    if any(s.active and s.name == name for s in others):
        raise _invalid("name", _("本年度已有「%(name)s」", name=name))
    if category and any(s.active and s.category == category for s in others):
        raise _invalid("category", _("积分类别「%(category)s」已对应另一颗星", category=category))
    if need is not None and need > full:
        raise _invalid("pass_score", _("达标分不能高于满分 %(full)s", full=f"{full:g}"))
    if star is not None and "max_score" in data:
        top = db.session.scalar(select(func.max(HouseholdRating.score)).where(HouseholdRating.star_id == star.id))
        if top is not None and full < top:
            raise _invalid("max_score", _("本年度已有 %(top)s 分的评分，满分不能低于它", top=f"{top:g}"), 409,
                           "in_use")


def create_star(year: int, data: dict[str, Any]) -> HouseholdStar:
    """Add a star to ``year`` (copying the year's definitions first when it has none)."""
    _open_year(year)
    ensure_year(year)
    code = data.get("code")
    taken = {s.code for s in _of_year(year)}
    if code is None:
        code = next(f"star{n}" for n in range(len(taken) + 1, len(taken) + 1000) if f"star{n}" not in taken)
    elif not CODE.match(code):
        raise _invalid("code", _("编码须为小写字母开头的字母、数字、下划线"))
    elif code in taken:
        raise _invalid("code", _("本年度已有编码 %(code)s", code=code))
    _check(year, data)
    sort = db.session.scalar(select(func.coalesce(func.max(HouseholdStar.sort), -1)).where(HouseholdStar.year == year)) + 1
    star = HouseholdStar(year=year, code=code, name=data["name"], category=data.get("category") or "",
                         description=data.get("description") or "", max_score=data.get("max_score", 100.0),
                         pass_score=data["pass_score"], sort=data.get("sort", sort))
    db.session.add(star)
    db.session.flush()
    audit("five_star.household_star_create", star, after=star_dict(star))
    return star


def update_star(star: HouseholdStar, data: dict[str, Any]) -> HouseholdStar:
    """Change a star of an open year; a retired one is not edited (restore by adding it again)."""
    _open_year(star.year)
    if not star.active:
        raise _invalid("id", _("该星已停用，不能修改"), 409, "retired")
    data = {k: v for k, v in data.items() if k in EDITABLE}
    _check(star.year, data, star)
    before = star_dict(star)
    for key, value in data.items():
        setattr(star, key, value if key != "category" else (value or ""))
    db.session.flush()
    audit("five_star.household_star_update", star, before=before, after=data)
    return star


def retire_star(star: HouseholdStar) -> HouseholdStar:
    """Stop scoring a star from now on (停用); its ratings, confirmed or not, stay."""
    _open_year(star.year)
    if not star.active:
        raise _invalid("id", _("该星已停用"), 409, "retired")
    star.active, star.retired_at = False, utcnow()
    db.session.flush()
    audit("five_star.household_star_retire", star, before={"active": True}, after={"active": False})
    return star


def star_dict(s: HouseholdStar) -> dict[str, Any]:
    from plugins.five_star.clock import iso

    return {"id": s.id, "year": s.year, "code": s.code, "name": s.name, "category": s.category,
            "description": s.description, "max_score": s.max_score, "pass_score": s.pass_score, "sort": s.sort,
            "active": s.active, "retired_at": iso(s.retired_at)}
