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

from core.toolkit import Grid, db, subtree_condition, tenant_zone
from plugins.mediation.models import Case, CaseMediator, FollowUp, Mediator, Room
from plugins.mediation.permissions import cases_condition
from core.toolkit import gettext as _

KEYS = ("taken_in", "accepted", "declined", "agreements", "partial", "failed", "referred", "concluded",
        "followed_up", "holding")
_AT = {k: i for i, k in enumerate(KEYS)}
_OUTCOME = {"agreement": _AT["agreements"], "partial": _AT["partial"], "failed": _AT["failed"], "referred": _AT["referred"]}


class _Bucket:
    """Counters of one group, as a list indexed like :data:`KEYS` (the fold runs once per row and
    group, so it is kept to a few list increments), and the days each concluded case took."""

    __slots__ = ("counts", "days")

    def __init__(self):
        self.counts, self.days = [0] * len(KEYS), []

    def add(self, row: tuple[list[int], float | None]) -> None:
        counts = self.counts
        for i in row[0]:
            counts[i] += 1
        if row[1] is not None:
            self.days.append(row[1])

    def finish(self) -> dict[str, Any]:
        out = dict(zip(KEYS, self.counts))
        out["success_rate"] = round(out["agreements"] / out["concluded"], 4) if out["concluded"] else None
        out["median_days"] = round(statistics.median(self.days), 1) if self.days else None
        out["holding_rate"] = round(out["holding"] / out["followed_up"], 4) if out["followed_up"] else None
        return out


def _features(row, visits: dict[int, list[bool]]) -> tuple[list[int], float | None]:
    """What one case adds to every group it counts in: the counters to bump, and its days."""
    bump, days = [_AT["taken_in"]], None
    if row.accepted:
        bump.append(_AT["accepted"])
    if row.state == "declined":
        bump.append(_AT["declined"])
    if row.outcome is not None:
        bump += [_AT["concluded"], _OUTCOME[row.outcome]]
        days = (row.concluded_at - row.taken_in_at).total_seconds() / 86400
    seen = visits.get(row.id)
    if seen:
        bump.append(_AT["followed_up"])
        if all(seen):
            bump.append(_AT["holding"])
    return bump, days


def case_filter(start: dt.datetime | None = None, end: dt.datetime | None = None, *, room_id: int | None = None,
                grid_roots: list[int] | None = None, reach: bool = True) -> list:
    """The conditions on :class:`Case` for a report: reach, intake period, room, grid subtree."""
    conds = [cases_condition()] if reach else []
    if start is not None:
        conds.append(Case.taken_in_at >= start)
    if end is not None:
        conds.append(Case.taken_in_at < end)
    if room_id is not None:
        conds.append(Case.room_id == room_id)
    if grid_roots is not None:
        conds.append(subtree_condition(Case.grid_id, grid_roots))
    return conds


def case_rows(start: dt.datetime | None = None, end: dt.datetime | None = None, **filters):
    """``(rows, conditions)``: the plain columns the fold needs, one query."""
    conds = case_filter(start, end, **filters)
    stmt = select(Case.id, Case.room_id, Case.grid_id, Case.dispute_type, Case.state, Case.outcome, Case.taken_in_at,
                  Case.accepted_at.is_not(None).label("accepted"), Case.concluded_at).where(*conds)
    return db.session.execute(stmt).all(), conds


def _visits(conds) -> dict[int, list[bool]]:
    out: dict[int, list[bool]] = defaultdict(list)
    chosen = select(Case.id).where(*conds)
    for cid, holds in db.session.execute(select(FollowUp.case_id, FollowUp.holds)
                                         .where(FollowUp.done_at.is_not(None), FollowUp.case_id.in_(chosen))):
        out[cid].append(bool(holds))
    return out


def summary(found) -> dict[str, Any]:
    """The headline numbers of what :func:`case_rows` found."""
    rows, conds = found
    bucket = _Bucket()
    visits = _visits(conds)
    for r in rows:
        bucket.add(_features(r, visits))
    return bucket.finish()


def case_numbers(start=None, end=None, *, room_id: int | None = None, grid_id: int | None = None) -> dict[str, Any]:
    """Totals and breakdowns for the cases the user reaches, taken in between ``start`` and ``end``."""
    rows, conds = case_rows(start, end, room_id=room_id, grid_roots=[grid_id] if grid_id is not None else None)
    visits = _visits(conds)
    paths = dict(db.session.execute(select(Grid.id, Grid.path)).all())
    names = dict(db.session.execute(select(Grid.id, Grid.name)).all())
    room_names = dict(db.session.execute(select(Room.id, Room.name)).all())
    by_case_mediators: dict[int, list[int]] = defaultdict(list)
    for cid, mid in db.session.execute(select(CaseMediator.case_id, CaseMediator.mediator_id)
                                       .where(CaseMediator.case_id.in_(select(Case.id).where(*conds)))):
        by_case_mediators[cid].append(mid)
    mediator_names = dict(db.session.execute(select(Mediator.id, Mediator.name)).all())
    total = _Bucket()
    groups: dict[str, dict[Any, _Bucket]] = {k: defaultdict(_Bucket) for k in ("room", "mediator", "dispute_type", "grid", "month")}
    village_of = {gid: int(path.split("/")[1] or 0) for gid, path in paths.items()}
    zone = tenant_zone()
    for r in rows:
        row = _features(r, visits)
        total.add(row)
        groups["room"][r.room_id].add(row)
        groups["dispute_type"][r.dispute_type].add(row)
        groups["grid"][village_of.get(r.grid_id, 0)].add(row)
        groups["month"][r.taken_in_at.astimezone(zone).strftime("%Y-%m")].add(row)
        for mediator_id in by_case_mediators.get(r.id, ()):
            groups["mediator"][mediator_id].add(row)
    label = {"room": room_names.get, "mediator": mediator_names.get, "grid": names.get,
             "dispute_type": lambda v: v, "month": lambda v: v}
    return {
        "total": total.finish(),
        "by": {group: [{"key": key, "name": label[group](key) or "", **b.finish()}
                       for key, b in sorted(buckets.items(), key=lambda kv: str(kv[0]))]
               for group, buckets in groups.items()},
        "success_rate_rule": _("达成协议 ÷ 已办结（达成协议、部分达成、调解不成、已移交）"),
    }
