"""Numbers (统计): for a grid subtree and a period, what came in, what the grids settled
themselves, what went up to each level, closure, overdue, time to close and satisfaction.

Definitions (the township report's):

* reported: incidents reported in the period (merged duplicates not counted);
* settled_in_grid (自办自结): closed without ever leaving their own grid (``reach == 0``);
* escalated: by the highest level reached (上级网格 / 乡镇网格办 / 部门);
* closure_rate: closed / (reported − rejected), 0 when nothing counts;
* overdue: still open now and past the deadline; mean_hours_to_close over closed ones;
* satisfaction_rate: (satisfied + basically) / rated.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select

from core.db import db, utcnow
from core.grid.scope import subtree_condition
from plugins.incidents.models import OPEN_STATES, Category, Incident


def _scope(roots, start: dt.datetime | None, end: dt.datetime | None):
    conds = [subtree_condition(Incident.grid_id, roots), Incident.state != "merged"]
    if start is not None:
        conds.append(Incident.reported_at >= start)
    if end is not None:
        conds.append(Incident.reported_at < end)
    return conds


def _counts(now: dt.datetime):
    closed = Incident.state == "closed"
    one = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    return [
        func.count(Incident.id).label("reported"),
        one(closed & (Incident.reach == 0)).label("settled_in_grid"),
        one(Incident.reach == 1).label("to_parent_grid"),
        one(Incident.reach == 2).label("to_office"),
        one(Incident.reach == 3).label("to_department"),
        one(closed).label("closed"),
        one(Incident.state == "rejected").label("rejected"),
        one(Incident.open_due_at < now).label("overdue"),
        func.avg(Incident.close_hours).label("mean_hours"),
        one(Incident.satisfaction.in_(("satisfied", "basically"))).label("satisfied"),
        one(Incident.satisfaction.is_not(None)).label("rated"),
    ]


def _shape(row) -> dict[str, Any]:
    m = row._mapping
    base = int(m["reported"]) - int(m["rejected"])
    rated = int(m["rated"])
    return {
        "reported": int(m["reported"]),
        "settled_in_grid": int(m["settled_in_grid"]),
        "escalated": {"parent_grid": int(m["to_parent_grid"]), "office": int(m["to_office"]),
                      "department": int(m["to_department"])},
        "closed": int(m["closed"]),
        "rejected": int(m["rejected"]),
        "closure_rate": round(int(m["closed"]) / base, 4) if base > 0 else 0.0,
        "overdue": int(m["overdue"]),
        "mean_hours_to_close": round(float(m["mean_hours"]), 1) if m["mean_hours"] is not None else None,
        "satisfaction_rate": round(int(m["satisfied"]) / rated, 4) if rated else None,
        "rated": rated,
    }


def subtree_numbers(roots, start: dt.datetime | None = None, end: dt.datetime | None = None,
                    breakdown: bool = True) -> dict[str, Any]:
    """The numbers for the subtrees of ``roots`` (None: the whole township) in [start, end)."""
    now = utcnow()
    conds = _scope(roots, start, end)
    out = _shape(db.session.execute(select(*_counts(now)).where(*conds)).one())
    if not breakdown:
        return out
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    by_cat = db.session.execute(select(Incident.category_id, *_counts(now)).where(*conds).group_by(Incident.category_id)).all()
    out["by_category"] = sorted(({"category_id": r[0], "category": names.get(r[0], ""), **_shape(r)} for r in by_cat),
                                key=lambda d: -d["reported"])
    by_reporter = db.session.execute(
        select(Incident.reporter_user_id, *_counts(now)).where(*conds, Incident.reporter_user_id.is_not(None))
        .group_by(Incident.reporter_user_id)).all()
    by_closer = dict(db.session.execute(
        select(Incident.closed_by_user_id, func.count()).where(*conds, Incident.state == "closed",
                                                               Incident.closed_by_user_id.is_not(None))
        .group_by(Incident.closed_by_user_id)).all())
    users = _user_names(set(r[0] for r in by_reporter) | set(by_closer))
    workers = {}
    for r in by_reporter:
        workers[r[0]] = {"user_id": r[0], "name": users.get(r[0], ""), "reported": int(r._mapping["reported"]),
                         "settled_in_grid": int(r._mapping["settled_in_grid"]), "closed_by": 0}
    for uid, n in by_closer.items():
        workers.setdefault(uid, {"user_id": uid, "name": users.get(uid, ""), "reported": 0, "settled_in_grid": 0,
                                 "closed_by": 0})["closed_by"] = int(n)
    out["by_worker"] = sorted(workers.values(), key=lambda d: (-d["reported"], -d["closed_by"]))
    return out


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from core.models import User

    return {u.id: u.display_name or u.username for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def overdue_query(roots, handler_id: int | None = None):
    """Open incidents past their deadline in the subtrees of ``roots``, most overdue first."""
    stmt = select(Incident).where(Incident.open_due_at < utcnow(), subtree_condition(Incident.grid_id, roots))
    if handler_id is not None:
        stmt = stmt.where(Incident.handler_user_id == handler_id)
    return stmt.order_by(Incident.open_due_at, Incident.id)


def overdue_summary(roots) -> dict[str, list[dict[str, Any]]]:
    """Overdue counts per current grid and per handler (超期统计)."""
    from core.grid.models import Grid

    cond = (Incident.open_due_at < utcnow(), subtree_condition(Incident.grid_id, roots))
    per_grid = db.session.execute(select(Incident.grid_id, Grid.name, func.count()).join(Grid, Grid.id == Incident.grid_id)
                                  .where(*cond).group_by(Incident.grid_id, Grid.name).order_by(func.count().desc())).all()
    per_handler = db.session.execute(select(Incident.handler_user_id, func.count()).where(*cond)
                                     .group_by(Incident.handler_user_id).order_by(func.count().desc())).all()
    names = _user_names({h for h, _ in per_handler if h is not None})
    return {"per_grid": [{"grid_id": g, "grid": n, "overdue": c} for g, n, c in per_grid],
            "per_handler": [{"user_id": h, "name": names.get(h, "未受理") if h else "未受理", "overdue": c}
                            for h, c in per_handler]}


def closed_per_week(roots, weeks: int = 8) -> list[tuple[str, int]]:
    """Closed incidents per week for the last ``weeks`` weeks (for the dashboard chart)."""
    now = utcnow()
    start = (now - dt.timedelta(days=now.weekday(), weeks=weeks - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    times = db.session.scalars(select(Incident.closed_at).where(
        Incident.closed_at >= start, Incident.state == "closed", subtree_condition(Incident.grid_id, roots)))
    buckets = [0] * weeks
    for t in times:
        buckets[min((t - start).days // 7, weeks - 1)] += 1
    return [((start + dt.timedelta(weeks=i)).strftime("%m-%d"), buckets[i]) for i in range(weeks)]


def open_in_subtree(grid) -> int:
    return db.session.scalar(select(func.count(Incident.id)).where(
        Incident.state.in_(OPEN_STATES), subtree_condition(Incident.grid_id, [grid.id]))) or 0
