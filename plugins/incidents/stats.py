"""Numbers (统计): for a grid subtree and a period, what came in, what the grids settled
themselves, what went up to each level, closure, overdue, time to close and satisfaction.

Definitions (the township report's):

* reported: incidents reported in the period (merged duplicates not counted);
* settled_in_grid (自办自结): closed without reaching the village level (``reach == 0``);
* by_level: each incident once, at the highest level it reached (``Incident.reach``): grid,
  village (a first-level grid), office (乡镇网格办), department; they add up to ``reported``
  (e.g. 144 reported: 102 grid, 39 village, 3 office);
* escalated: the same levels above the grid (``parent_grid`` is the village level);
* closure_rate: closed / (reported − rejected), None when nothing counts (shown as "—");
* overdue: still open now and past the deadline; mean_hours_to_close over closed ones;
* satisfaction_rate: (satisfied + basically) / rated.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from core.toolkit import format_local, local_period, db, subtree_condition, utcnow
from plugins.incidents.models import OPEN_STATES, Category, Incident


def _scope(roots, start: dt.datetime | None, end: dt.datetime | None):
    conds = [subtree_condition(Incident.grid_id, roots), Incident.state != "merged"]
    if start is not None:
        conds.append(Incident.reported_at >= start)
    if end is not None:
        conds.append(Incident.reported_at < end)
    return conds


def _counts(now: dt.datetime):
    # aggregate FILTER (PostgreSQL, SQLite >= 3.30) measured ~1.5x faster than SUM(CASE ...)
    closed = Incident.state == "closed"
    one = lambda cond: func.count().filter(cond)  # noqa: E731
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
        func.count(Incident.satisfaction).label("rated"),
    ]


def _shape(m) -> dict[str, Any]:
    base = int(m["reported"]) - int(m["rejected"])
    rated = int(m["rated"])
    return {
        "reported": int(m["reported"]),
        "settled_in_grid": int(m["settled_in_grid"]),
        "escalated": {"parent_grid": int(m["to_parent_grid"]), "office": int(m["to_office"]),
                      "department": int(m["to_department"])},
        "by_level": {"grid": int(m["reported"]) - int(m["to_parent_grid"]) - int(m["to_office"]) - int(m["to_department"]),
                     "village": int(m["to_parent_grid"]), "office": int(m["to_office"]),
                     "department": int(m["to_department"])},
        "closed": int(m["closed"]),
        "rejected": int(m["rejected"]),
        "closure_rate": round(int(m["closed"]) / base, 4) if base > 0 else None,
        "overdue": int(m["overdue"]),
        "mean_hours_to_close": round(float(m["mean_hours"]), 1) if m["mean_hours"] is not None else None,
        "satisfaction_rate": round(int(m["satisfied"]) / rated, 4) if rated else None,
        "rated": rated,
        "satisfied": int(m["satisfied"]),
    }


def _add(into: dict[str, Any], row: dict[str, Any]) -> None:
    for key, value in row.items():
        into[key] = into.get(key, 0) + (value or 0)


def subtree_numbers(roots, start: dt.datetime | None = None, end: dt.datetime | None = None,
                    breakdown: bool = True) -> dict[str, Any]:
    """The numbers for the subtrees of ``roots`` (None: the whole township) in [start, end).

    One scan of the period (index-only on ``ix_incidents_incident_tenant_reported``), grouped by
    category, reporter and closer; the totals and breakdowns are summed from the groups.
    """
    now = utcnow()
    conds = _scope(roots, start, end)
    if not breakdown:
        return _shape(db.session.execute(select(*_counts(now)).where(*conds)).one()._mapping)
    keys = (Incident.category_id, Incident.reporter_user_id, Incident.closed_by_user_id)
    counts = _counts(now)
    counts[8] = func.sum(Incident.close_hours).label("sum_hours")
    rows = db.session.execute(select(*keys, *counts).where(*conds).group_by(*keys)).all()
    total: dict[str, Any] = {}
    by_cat: dict[int, dict[str, Any]] = {}
    workers: dict[int, dict[str, int]] = {}
    for r in rows:
        m = dict(r._mapping)
        cat, reporter, closer = m.pop("category_id"), m.pop("reporter_user_id"), m.pop("closed_by_user_id")
        _add(total, m)
        _add(by_cat.setdefault(cat, {}), m)
        if reporter is not None:
            _add(workers.setdefault(reporter, {}), {"reported": m["reported"], "settled_in_grid": m["settled_in_grid"]})
        if closer is not None:
            _add(workers.setdefault(closer, {}), {"closed_by": m["closed"]})
    out = _shape(_with_mean(total))
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    out["by_category"] = sorted(({"category_id": c, "category": names.get(c, ""), **_shape(_with_mean(v))}
                                 for c, v in by_cat.items()), key=lambda d: -d["reported"])
    users = _user_names(set(workers))
    out["by_worker"] = sorted(({"user_id": uid, "name": users.get(uid, ""), "reported": v.get("reported", 0),
                                "settled_in_grid": v.get("settled_in_grid", 0), "closed_by": v.get("closed_by", 0)}
                               for uid, v in workers.items()), key=lambda d: (-d["reported"], -d["closed_by"]))
    return out


def _with_mean(m: dict[str, Any]) -> dict[str, Any]:
    m = {**{k: 0 for k in ("reported", "settled_in_grid", "to_parent_grid", "to_office", "to_department", "closed",
                           "rejected", "overdue", "satisfied", "rated")}, **m}
    m["mean_hours"] = m.get("sum_hours", 0) / m["closed"] if m["closed"] and m.get("sum_hours") is not None else None
    return m


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from core.toolkit import User

    return {u.id: u.display_name or u.username for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def overdue_conditions(roots, handler_id: int | None = None) -> list:
    conds = [Incident.open_due_at < utcnow(), subtree_condition(Incident.grid_id, roots)]
    if handler_id is not None:
        conds.append(Incident.handler_user_id == handler_id)
    return conds


def overdue_query(roots, handler_id: int | None = None):
    """Open incidents past their deadline in the subtrees of ``roots``, most overdue first."""
    return select(Incident).where(*overdue_conditions(roots, handler_id)).order_by(Incident.open_due_at, Incident.id)


def overdue_count(roots, handler_id: int | None = None) -> int:
    """How many (an index-only count on ``(tenant_id, open_due_at)``)."""
    return db.session.scalar(select(func.count(Incident.id)).where(*overdue_conditions(roots, handler_id))) or 0


def overdue_summary(roots) -> dict[str, list[dict[str, Any]]]:
    """Overdue counts per current grid and per handler (超期统计)."""
    from core.toolkit import Grid

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
    """Closed incidents per local week (Monday first, the tenant's zone) for the last ``weeks``
    weeks, this one included (for the dashboard chart).

    One aggregate row: a ``count() FILTER`` per week over the range of
    ``ix_incidents_incident_tenant_closed`` (tenant, state, closed_at, grid), index-only, with
    the week bounds computed here in local time, so no row comes back to Python.
    """
    this_week, _ = local_period("week")
    starts = [local_period("week", this_week - dt.timedelta(weeks=weeks - 1 - i))[0] for i in range(weeks)]
    buckets = [func.count().filter(Incident.closed_at >= a, Incident.closed_at < b)
               for a, b in zip(starts, starts[1:])]
    buckets.append(func.count().filter(Incident.closed_at >= starts[-1]))
    row = db.session.execute(select(*buckets).where(
        Incident.state == "closed", Incident.closed_at >= starts[0], subtree_condition(Incident.grid_id, roots))).one()
    return [(format_local(start, "%m-%d"), int(n or 0)) for start, n in zip(starts, row)]


def open_in_subtree(grid) -> int:
    return db.session.scalar(select(func.count(Incident.id)).where(
        Incident.state.in_(OPEN_STATES), subtree_condition(Incident.grid_id, [grid.id]))) or 0
