"""The case ledger (人民调解台账) as .xlsx: one row per case, the way a township files it.

Written through core's export helper (``write_xlsx``), which keeps a party's name starting with
``=`` as text and drops control characters. Party contacts are not in the ledger.
"""
from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.toolkit import Grid, db, to_local, write_xlsx, xlsx_response
from plugins.mediation.models import DISPUTE_TYPES, REFERRAL_KINDS, SOURCES, URGENCIES, Case, CaseMediator, Room
from plugins.mediation.services import STATE_LABELS

COLUMNS = ["案号", "受理日期", "调解室", "网格", "来源", "纠纷类型", "当事人", "涉及金额(元)", "紧急程度", "状态",
           "调解员", "调解次数", "办结日期", "用时(天)", "协议签订日期", "移交单位", "回访", "协议履行"]


def build_ledger(start=None, end=None) -> bytes:
    grids = dict(db.session.execute(select(Grid.id, Grid.name)).all())
    rooms = dict(db.session.execute(select(Room.id, Room.name)).all())
    stmt = select(Case).options(selectinload(Case.parties), selectinload(Case.sessions), selectinload(Case.followups),
                                selectinload(Case.mediators).selectinload(CaseMediator.mediator)).order_by(Case.id)
    if start is not None:
        stmt = stmt.where(Case.taken_in_at >= start)
    if end is not None:
        stmt = stmt.where(Case.taken_in_at < end)
    buf = io.BytesIO()
    write_xlsx(buf, "调解台账", COLUMNS, (_row(c, grids, rooms) for c in db.session.scalars(stmt)))
    return buf.getvalue()


def _row(c: Case, grids: dict, rooms: dict) -> list:
    """One ledger row of a case (names, not ids; dates in local time)."""
    done = [f for f in c.followups if f.done_at is not None]
    holds = "" if not done else ("履行良好" if all(f.holds for f in done) else "未履行")
    days = round((c.concluded_at - c.taken_in_at).total_seconds() / 86400, 1) if c.concluded_at else None
    referral = f"{REFERRAL_KINDS.get(c.referral_kind, '')} {c.referral_body}" if c.referral_body else ""
    return [c.number, to_local(c.taken_in_at).date(), rooms.get(c.room_id, ""), grids.get(c.grid_id, ""),
            SOURCES.get(c.source, c.source), DISPUTE_TYPES.get(c.dispute_type, c.dispute_type),
            "、".join(p.name for p in c.parties), float(c.amount) if c.amount is not None else None,
            URGENCIES.get(c.urgency, c.urgency), STATE_LABELS.get(c.state, c.state),
            "、".join(m.mediator.name for m in c.mediators), len(c.sessions),
            to_local(c.concluded_at).date() if c.concluded_at else None, days, c.agreement_signed_on, referral,
            f"{len(done)}/{len(c.followups)}" if c.followups else "", holds]


def ledger_response(tenant, start=None, end=None):
    return xlsx_response(build_ledger(start, end), f"mediation-ledger-{tenant.slug}.xlsx")
