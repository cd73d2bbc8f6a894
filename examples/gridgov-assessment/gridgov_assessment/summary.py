"""What the module shows elsewhere: the dashboard widget and county numbers (the latest published
ranking), a grid's section on its page, and grid merges."""
from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import delete, select, update

from core.toolkit import db, gettext as _

from gridgov_assessment.models import Deduction, NumberSnapshot, Quarter
from gridgov_assessment.scores import ranking


def latest_published(tenant) -> dict[str, Any] | None:
    """The latest published quarter: its period, the average total and the first grid."""
    quarter = db.session.scalar(select(Quarter).where(Quarter.state == "published").order_by(Quarter.period.desc()).limit(1))
    if quarter is None:
        return None
    rows = ranking(tenant, quarter)
    if not rows:
        return None
    return {"period": quarter.period, "average": round(sum(r["total"] for r in rows) / len(rows), 1),
            "first": rows[0]["grid_name"], "rows": rows}


def grid_section(tenant, grid) -> list[dict[str, Any]]:
    latest = latest_published(tenant)
    row = next((r for r in latest["rows"] if r["grid_id"] == grid.id), None) if latest else None
    if row is None:
        return []
    return [{"title": _("网格考核"), "rows": [(_("季度"), latest["period"]), (_("得分"), f"{row['total']:g}/{row['full']:g}"),
                                              (_("名次"), row["rank"]), (_("星级"), "★" * row["stars"] or "—")],
             "links": [(_("查看失分明细"), url_for("assessment_pages.grid", tenant=tenant.slug, period=latest["period"],
                                                 grid_id=grid.id))]}]


def move_grid(source, target) -> None:
    """Merging grids: the source's deductions count for the target; frozen numbers the target has
    already are kept as the target's."""
    taken = select(NumberSnapshot.quarter_id, NumberSnapshot.key).where(NumberSnapshot.grid_id == target.id)
    for quarter_id, key in db.session.execute(taken).all():
        db.session.execute(delete(NumberSnapshot).where(NumberSnapshot.grid_id == source.id,
                                                        NumberSnapshot.quarter_id == quarter_id, NumberSnapshot.key == key))
    db.session.execute(update(NumberSnapshot).where(NumberSnapshot.grid_id == source.id).values(grid_id=target.id))
    db.session.execute(update(Deduction).where(Deduction.grid_id == source.id).values(grid_id=target.id))
