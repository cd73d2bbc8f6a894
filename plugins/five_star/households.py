"""Star households (十星农户 / 星级文明户): stars per township, rated monthly — the scoring group
(评分组) scores, the rating group (评星组) confirms — or derived from points_bank's categories
through ``household_category_points``. A confirmed score at or above the star's pass score
earns the star (``earned``, fixed at confirmation); a household that earned at least
``civilised_min_stars`` stars in a month is a civilised household (星级文明户) that month. The
stars themselves are the township's (see :mod:`plugins.five_star.household_stars`).
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from core.toolkit import ApiError, Grid, Household, audit, db, hooks, module_settings, utcnow
from plugins.five_star.clock import month_bounds, this_year
from plugins.five_star.household_stars import active, ensure_year
from plugins.five_star.models import HouseholdRating, HouseholdStar
from plugins.five_star.web import actor_name
from core.toolkit import gettext as _

MONTH = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")


def seed_household_stars() -> None:
    """This year's stars: the township's own from last year, else the ten defaults."""
    ensure_year(this_year())


def stars(year: int | None = None) -> list[HouseholdStar]:
    """The stars households can earn in ``year`` (default: this year); reading never copies."""
    return active(this_year() if year is None else year)


def check_month(month: str, field: str = "month") -> str:
    if not isinstance(month, str) or not MONTH.match(month):
        raise ApiError(422, "validation_error", _("月份须为 YYYY-MM"), {field: [_("格式 YYYY-MM")]})
    return month


def household_or_422(household_id) -> Household:
    row = db.session.get(Household, household_id) if isinstance(household_id, int) else None
    if row is None:
        raise ApiError(422, "validation_error", _("户不存在"), {"household_id": [_("户不存在")]})
    return row


def score(month: str, household: Household, ratings: list[dict[str, Any]], source: str = "manual") -> list[HouseholdRating]:
    """The scoring group's scores (0 to the star's full score) for a household's stars in
    ``month``, against the stars of the month's year; a star the rating group has confirmed is
    not scored again (409)."""
    check_month(month)
    by_code = {s.code: s for s in ensure_year(int(month[:4]))}
    out = []
    for i, item in enumerate(ratings):
        star = by_code.get(item["star_code"])
        if star is None:
            raise ApiError(422, "validation_error", _("没有这颗星"), {f"ratings.{i}.star_code": [_("未定义")]})
        if not 0 <= float(item["score"]) <= star.max_score:
            raise ApiError(422, "validation_error", _("「%(name)s」的分数须在 0 到 %(max)s 之间", name=star.name,
                                                      max=f"{star.max_score:g}"),
                           {f"ratings.{i}.score": [f"0-{star.max_score:g}"]})
        row = db.session.scalar(select(HouseholdRating).where(HouseholdRating.month == month,
                                                              HouseholdRating.household_id == household.id,
                                                              HouseholdRating.star_id == star.id))
        if row is not None and row.confirmed:
            raise ApiError(409, "confirmed", _("「%(name)s」已由评星组确认", name=star.name), {f"ratings.{i}.star_code": [_("已确认")]})
        if row is None:
            row = HouseholdRating(month=month, household_id=household.id, star_id=star.id, score=0, scored_by="")
            db.session.add(row)
        row.score, row.source, row.scored_by = float(item["score"]), source, actor_name()
        out.append(row)
    db.session.flush()
    audit("five_star.household_score", household, after={"month": month, "ratings": ratings, "source": source})
    return out


def confirm(month: str, rating_ids: list[int]) -> list[HouseholdRating]:
    """The rating group confirms scored stars of ``month`` (评星); every id must be an unconfirmed
    rating of that month."""
    check_month(month)
    rows = list(db.session.scalars(select(HouseholdRating).where(HouseholdRating.id.in_(rating_ids),
                                                                 HouseholdRating.month == month)))
    found = {r.id for r in rows}
    missing = [i for i in rating_ids if i not in found]
    done = [r.id for r in rows if r.confirmed]
    if missing or done or not rating_ids:
        raise ApiError(422, "validation_error", _("只能确认本月待确认的评分"),
                       {"rating_ids": [_("不存在 %(missing)s / 已确认 %(done)s", missing=missing, done=done) if rating_ids else _("必填")]})
    now, by = utcnow(), actor_name()
    need = {s.id: s.pass_score for s in db.session.scalars(select(HouseholdStar).where(
        HouseholdStar.id.in_({r.star_id for r in rows})))}
    for r in rows:
        r.confirmed, r.confirmed_by, r.confirmed_at = True, by, now
        r.earned = r.score >= need[r.star_id]
    db.session.flush()
    audit("five_star.household_confirm", None, object_type="five_star_household_rating",
          after={"month": month, "ids": rating_ids})
    return rows


def derive_from_points(tenant, month: str) -> int:
    """Score, from points, a star per category at or above the threshold (``points_per_star``);
    confirmed stars are kept. Returns how many were scored; 0 when no module keeps points."""
    start, end = month_bounds(check_month(month))
    ids = list(db.session.scalars(select(Household.id)))
    points = hooks(tenant).household_category_points(tenant=tenant, household_ids=ids, start=start, end=end) or {}
    need = module_settings(tenant, "five_star")["points_per_star"]
    by_category = {s.category: s for s in ensure_year(int(month[:4])) if s.category}
    confirmed = set(db.session.execute(select(HouseholdRating.household_id, HouseholdRating.star_id)
                                       .where(HouseholdRating.month == month, HouseholdRating.confirmed.is_(True))).all())
    n = 0
    for household_id, categories in points.items():
        household = db.session.get(Household, int(household_id))
        if household is None:
            continue
        ratings = [{"star_code": by_category[c].code, "score": by_category[c].max_score} for c, p in (categories or {}).items()
                   if c in by_category and p >= need and (household.id, by_category[c].id) not in confirmed]
        if ratings:
            score(month, household, ratings, source="points")
            n += len(ratings)
    return n


def ratings(month: str) -> list[HouseholdRating]:
    return list(db.session.scalars(select(HouseholdRating).where(HouseholdRating.month == check_month(month))
                                   .order_by(HouseholdRating.household_id, HouseholdRating.star_id)))


def honour_roll(tenant, month: str, limit: int = 50) -> list[dict[str, Any]]:
    """Households by earned stars in ``month``, most first (光荣榜), with their village."""
    need = module_settings(tenant, "five_star")["civilised_min_stars"]
    rows = db.session.execute(
        select(Household.id, Household.head_name, Household.address, Grid.name, Grid.path, func.count(HouseholdRating.id))
        .join(Household, Household.id == HouseholdRating.household_id).join(Grid, Grid.id == Household.grid_id)
        .where(HouseholdRating.month == check_month(month), HouseholdRating.earned.is_(True))
        .group_by(Household.id, Household.head_name, Household.address, Grid.name, Grid.path)
        .order_by(func.count(HouseholdRating.id).desc(), Household.id).limit(limit)).all()
    villages = {g.path: g.name for g in db.session.scalars(select(Grid).where(Grid.level == 1))}
    return [{"household_id": h, "head_name": head or "", "address": addr, "grid": grid, "stars": n, "civilised": n >= need,
             "village": next((name for p, name in villages.items() if path.startswith(p)), grid)}
            for h, head, addr, grid, path, n in rows]


def per_village(tenant, month: str) -> dict[int, dict[str, int]]:
    """Per first-level grid id: households with a confirmed star and civilised households."""
    need = module_settings(tenant, "five_star")["civilised_min_stars"]
    counts = db.session.execute(
        select(HouseholdRating.household_id, Grid.path, func.count(HouseholdRating.id))
        .join(Household, Household.id == HouseholdRating.household_id).join(Grid, Grid.id == Household.grid_id)
        .where(HouseholdRating.month == check_month(month), HouseholdRating.earned.is_(True))
        .group_by(HouseholdRating.household_id, Grid.path)).all()
    tops = {g.path: g.id for g in db.session.scalars(select(Grid).where(Grid.level == 1))}
    out: dict[int, dict[str, int]] = {}
    for _h, path, n in counts:
        top = next((gid for p, gid in tops.items() if path.startswith(p)), None)
        if top is None:
            continue
        row = out.setdefault(top, {"star_households": 0, "civilised": 0})
        row["star_households"] += 1
        row["civilised"] += int(n >= need)
    return out


def resident_summary(household_id: int, months: int = 12) -> list[dict[str, Any]]:
    """A household's earned stars per month, newest first (for the residents' portal)."""
    names = {s.id: s.name for s in db.session.scalars(select(HouseholdStar))}
    rows = db.session.execute(select(HouseholdRating.month, HouseholdRating.star_id)
                              .where(HouseholdRating.household_id == household_id, HouseholdRating.earned.is_(True))
                              .order_by(HouseholdRating.month.desc(), HouseholdRating.star_id)).all()
    out: dict[str, list[str]] = {}
    for month, star_id in rows:
        out.setdefault(month, []).append(names.get(star_id, ""))
    return [{"month": m, "stars": s, "count": len(s)} for m, s in list(out.items())[:months]]


def rating_dict(r: HouseholdRating, names: dict[int, str]) -> dict[str, Any]:
    return {"id": r.id, "household_id": r.household_id, "star_id": r.star_id, "star": names.get(r.star_id, ""),
            "month": r.month, "score": r.score, "source": r.source, "scored_by": r.scored_by, "confirmed": r.confirmed,
            "confirmed_by": r.confirmed_by, "earned": r.earned}


def derive_last_month(tenant) -> int:
    """The monthly schedule: stars of the month just ended, from points (left for the 评星组 to
    confirm); 0 when no module keeps points."""
    from plugins.five_star.clock import this_month

    year, month = int(this_month()[:4]), int(this_month()[5:])
    last = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    return derive_from_points(tenant, last)
