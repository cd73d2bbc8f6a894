"""Numbers of the case book (调解统计), the way a township reports them.

Per room, mediator, dispute type, first-level grid (village) and month of intake (Beijing):
taken in, accepted, declined, agreements, partial, failed, referred, concluded, success rate,
median days from intake to outcome, and agreements holding at follow-up.

* **success rate** = agreements ÷ concluded cases, concluded being agreement, partial, failed or
  referred (a partial agreement is concluded but not a success); None when nothing concluded.
* **holding** = agreements (and partial ones) visited at least once whose every visit found them
  holding, over those visited.

Cases are read in one query of plain columns, grouped here; a township's case book is hundreds to
thousands of rows a year, and the benchmark keeps an eye on it.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from core.toolkit import Grid, db, subtree_condition, to_local
from plugins.mediation.models import Case, CaseMediator, FollowUp, Mediator, Room
from plugins.mediation.permissions import cases_condition

KEYS = ("taken_in", "accepted", "declined", "agreements", "partial", "failed", "referred", "concluded")


def _blank() -> dict[str, Any]:
    return {k: 0 for k in KEYS} | {"_days": [], "followed_up": 0, "holding": 0}


def _add(bucket: dict, row, visits: dict[int, list[bool]]) -> None:
    bucket["taken_in"] += 1
    bucket["accepted"] += row.accepted_at is not None
    bucket["declined"] += row.state == "declined"
    if row.outcome is not None:
        bucket["concluded"] += 1
        bucket[{"agreement": "agreements", "partial": "partial", "failed": "failed", "referred": "referred"}[row.outcome]] += 1
        bucket["_days"].append((row.concluded_at - row.taken_in_at).total_seconds() / 86400)
    seen = visits.get(row.id)
    if seen:
        bucket["followed_up"] += 1
        bucket["holding"] += all(seen)


def _finish(bucket: dict) -> dict[str, Any]:
    days = bucket.pop("_days")
    out = dict(bucket)
    out["success_rate"] = round(out["agreements"] / out["concluded"], 4) if out["concluded"] else None
    out["median_days"] = round(statistics.median(days), 1) if days else None
    out["holding_rate"] = round(out["holding"] / out["followed_up"], 4) if out["followed_up"] else None
    return out


def case_rows(start: dt.datetime | None = None, end: dt.datetime | None = None, *, room_id: int | None = None,
              grid_roots: list[int] | None = None, reach: bool = True):
    stmt = select(Case.id, Case.room_id, Case.grid_id, Case.dispute_type, Case.state, Case.outcome, Case.taken_in_at,
                  Case.accepted_at, Case.concluded_at)
    if reach:
        stmt = stmt.where(cases_condition())
    if start is not None:
        stmt = stmt.where(Case.taken_in_at >= start)
    if end is not None:
        stmt = stmt.where(Case.taken_in_at < end)
    if room_id is not None:
        stmt = stmt.where(Case.room_id == room_id)
    if grid_roots is not None:
        stmt = stmt.where(subtree_condition(Case.grid_id, grid_roots))
    return db.session.execute(stmt).all()


def _visits(case_ids: list[int]) -> dict[int, list[bool]]:
    out: dict[int, list[bool]] = defaultdict(list)
    if case_ids:
        for cid, holds in db.session.execute(select(FollowUp.case_id, FollowUp.holds)
                                             .where(FollowUp.done_at.is_not(None), FollowUp.case_id.in_(case_ids))):
            out[cid].append(bool(holds))
    return out


def summary(rows) -> dict[str, Any]:
    """The headline numbers of ``rows`` (from :func:`case_rows`)."""
    bucket = _blank()
    visits = _visits([r.id for r in rows])
    for r in rows:
        _add(bucket, r, visits)
    return _finish(bucket)


def case_numbers(start=None, end=None, *, room_id: int | None = None, grid_id: int | None = None) -> dict[str, Any]:
    """Totals and breakdowns for the cases the user reaches, taken in between ``start`` and ``end``."""
    rows = case_rows(start, end, room_id=room_id, grid_roots=[grid_id] if grid_id is not None else None)
    ids = [r.id for r in rows]
    visits = _visits(ids)
    paths = dict(db.session.execute(select(Grid.id, Grid.path)).all())
    names = dict(db.session.execute(select(Grid.id, Grid.name)).all())
    room_names = dict(db.session.execute(select(Room.id, Room.name)).all())
    by_case_mediators: dict[int, list[int]] = defaultdict(list)
    if ids:
        for cid, mid in db.session.execute(select(CaseMediator.case_id, CaseMediator.mediator_id)
                                           .where(CaseMediator.case_id.in_(ids))):
            by_case_mediators[cid].append(mid)
    mediator_names = dict(db.session.execute(select(Mediator.id, Mediator.name)).all())
    total = _blank()
    groups: dict[str, dict[Any, dict]] = {k: defaultdict(_blank) for k in ("room", "mediator", "dispute_type", "grid", "month")}
    for r in rows:
        _add(total, r, visits)
        village = int(paths.get(r.grid_id, "/0/").split("/")[1] or 0)
        keys = {"room": [r.room_id], "dispute_type": [r.dispute_type], "grid": [village],
                "month": [to_local(r.taken_in_at).strftime("%Y-%m")], "mediator": by_case_mediators.get(r.id, [])}
        for group, values in keys.items():
            for value in values:
                _add(groups[group][value], r, visits)
    label = {"room": room_names.get, "mediator": mediator_names.get, "grid": names.get,
             "dispute_type": lambda v: v, "month": lambda v: v}
    return {
        "total": _finish(total),
        "by": {group: [{"key": key, "name": label[group](key) or "", **_finish(b)}
                       for key, b in sorted(buckets.items(), key=lambda kv: str(kv[0]))]
               for group, buckets in groups.items()},
        "success_rate_rule": "达成协议 ÷ 已办结（达成协议、部分达成、调解不成、已移交）"
                             " (agreements over concluded cases: agreement, partial, failed, referred)",
    }
