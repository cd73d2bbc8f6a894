"""Volunteers at scale (规模数据) for ``gridgov demo --scale``: two in a hundred residents
registered and confirmed (those with a mobile), an activity a week in every community over the
scale's years plus a few to come, eight places taken at each, and attendance (checked in and
out, with hours) at the past ones. Bulk Core inserts."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from core.toolkit import Grid, Person, db, utcnow
from plugins.volunteer.models import Activity, Attendance, Post, Signup, Volunteer

VOLUNTEERS_PER_RESIDENT = 0.02
PLACES = 8
CHUNK = 10_000
TITLES = ["环境整治", "敬老助残", "文明劝导", "政策宣传", "疫苗接种点秩序维护", "河道巡查", "垃圾分类督导"]


def _insert(table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i:i + CHUNK])


def ids_after(model, before: int) -> list[int]:
    """Ids of the rows just inserted, in the order they went in: a generator's own transaction
    takes ids from the sequence in order (ids are not given explicitly: the tenant-scoped
    ``max(id)`` would collide with another township's rows)."""
    return db.session.scalars(select(model.id).where(model.id > before).order_by(model.id)).all()


def fill_at_scale(tenant, scale: dict) -> dict[str, int]:
    rng = random.Random(scale["seed"])
    now = utcnow()
    posts = db.session.scalars(select(Post.id)).all()
    communities = db.session.scalars(select(Grid.id).where(Grid.level == 1).order_by(Grid.id)).all()
    if not posts or not communities:
        return {}
    path_of = dict(db.session.execute(select(Grid.id, Grid.path)).all())
    wanted = max(PLACES, round(scale["residents"] * VOLUNTEERS_PER_RESIDENT))
    people = db.session.execute(select(Person.id, Person.name, Person.mobile, Person.grid_id)
                                .where(Person.mobile.is_not(None)).order_by(Person.id)).all()
    seen, chosen = set(), []
    for p in rng.sample(people, min(len(people), wanted * 2)):
        if p.mobile not in seen and len(chosen) < wanted:
            seen.add(p.mobile)
            chosen.append(p)
    registered = now - dt.timedelta(days=365 * scale["years"] + 30)
    _insert(Volunteer.__table__, [
        {"tenant_id": tenant.id, "person_id": p.id, "grid_id": int(path_of[p.grid_id].strip("/").split("/")[0]),
         "name": p.name, "mobile": p.mobile, "is_party_member": False, "skills": [], "availability": "",
         "status": "confirmed", "registered_at": registered, "confirmed_at": registered, "created_at": registered}
        for p in chosen])
    by_community: dict[int, list[int]] = {}
    for vid, grid in db.session.execute(select(Volunteer.id, Volunteer.grid_id)):
        by_community.setdefault(grid, []).append(vid)
    before = db.session.scalar(select(func.max(Activity.id))) or 0
    next_id = 0  # the activity's place in this batch, until its id is read back
    activities, signups, attendance = [], [], []
    for community in communities:
        pool = by_community.get(community) or [v for vs in by_community.values() for v in vs]
        for week in range(-2, 52 * scale["years"]):  # two weeks to come, then the past ones
            starts = now - dt.timedelta(weeks=week, hours=rng.uniform(0, 72))
            ends = starts + dt.timedelta(hours=rng.choice((2, 3, 4)))
            team = rng.sample(pool, min(PLACES, len(pool)))
            activities.append({"tenant_id": tenant.id, "title": rng.choice(TITLES), "post_id": rng.choice(posts),
                               "grid_id": community, "place": "", "starts_at": starts, "ends_at": ends, "slots": PLACES,
                               "taken": len(team), "requirements": "", "status": "open", "created_at": starts - dt.timedelta(days=7)})
            for vid in team:
                signups.append({"tenant_id": tenant.id, "activity_id": next_id, "volunteer_id": vid, "status": "confirmed",
                                "queued_at": starts - dt.timedelta(days=5), "confirmed_at": starts - dt.timedelta(days=5)})
                if ends < now and rng.random() < 0.85:
                    came, left = starts + dt.timedelta(minutes=rng.uniform(-10, 15)), ends + dt.timedelta(minutes=rng.uniform(-20, 10))
                    attendance.append({"tenant_id": tenant.id, "activity_id": next_id, "volunteer_id": vid, "checked_in_at": came,
                                       "checked_out_at": left, "hours": round((left - came).total_seconds() / 3600, 2),
                                       "closed_by": "scan", "missing_checkout": False, "corrected": False})
            next_id += 1
    _insert(Activity.__table__, activities)
    ids = ids_after(Activity, before)
    for row in signups + attendance:
        row["activity_id"] = ids[row["activity_id"]]
    _insert(Signup.__table__, signups)
    _insert(Attendance.__table__, attendance)
    return {"volunteer_volunteer": len(chosen), "volunteer_activity": len(activities), "volunteer_signup": len(signups),
            "volunteer_attendance": len(attendance)}
