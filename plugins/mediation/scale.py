"""Mediation at scale (规模数据) for ``gridgov demo --scale``: one case a year for every hundred
residents, taken in over the scale's years, with their two parties, a lead mediator once in
session and the follow-up visit of each agreement. A mediation room per four villages
(communities) and four mediators per room go through the services; the cases go in bulk."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, insert, select

from core.toolkit import Grid, db, utcnow
from plugins.mediation.models import Case, CaseMediator, FollowUp, Party
from plugins.mediation.rooms import save_mediator, save_room

CASES_PER_RESIDENT_YEAR = 0.01
TYPES = ["neighbours", "land_contract", "family", "marriage", "labour", "property", "demolition", "other"]
CHUNK = 10_000


def fill_at_scale(tenant, scale: dict) -> dict[str, int]:
    rng = random.Random(scale["seed"])
    now = utcnow()
    villages = db.session.scalars(select(Grid.id).where(Grid.level == 1).order_by(Grid.id)).all()
    rooms = [save_room(tenant, {"name": f"第{i + 1}调解室", "grid_ids": villages[i * 4:(i + 1) * 4]})
             for i in range((len(villages) + 3) // 4)]
    mediators = [save_mediator(tenant, {"name": f"调解员{i + 1}", "background": "retired_judge",
                                        "room_ids": [rooms[i // 4].id]}) for i in range(4 * len(rooms))]
    db.session.flush()
    room_of = {v: rooms[i // 4].id for i, v in enumerate(villages)}
    by_room = {r.id: [m.id for m in mediators if r.id in m.room_ids] for r in rooms}
    path_of = dict(db.session.execute(select(Grid.id, Grid.path)).all())
    village_of = {g: int(path.strip("/").split("/")[0]) for g, path in path_of.items()}
    parents = set(db.session.scalars(select(Grid.parent_id).where(Grid.parent_id.is_not(None))))
    leaves = [g for g in village_of if g not in parents]
    before = db.session.scalar(select(func.max(Case.id))) or 0
    count = max(1, round(scale["residents"] * CASES_PER_RESIDENT_YEAR * scale["years"]))
    cases, parties, links, visits = [], [], [], []
    for n, taken in enumerate(sorted(now - dt.timedelta(days=rng.uniform(0, 365 * scale["years"])) for _ in range(count))):
        cid, grid = n, rng.choice(leaves)  # the case's place in this batch, until its id is read back
        room = room_of[village_of[grid]]
        outcome = rng.choices(["agreement", "partial", "failed", "referred", None], [70, 5, 5, 8, 12])[0]
        ended = taken + dt.timedelta(days=rng.uniform(1, 40)) if outcome else None
        state = outcome or rng.choice(["intake", "accepted", "in_session", "declined"])
        cases.append({"tenant_id": tenant.id, "room_id": room, "grid_id": grid, "source": "walk_in",
                      "dispute_type": rng.choice(TYPES), "summary": "规模数据纠纷", "urgency": "normal", "state": state,
                      "taken_in_at": taken, "created_at": taken,
                      "accepted_at": taken if state not in ("intake", "declined") else None, "concluded_at": ended,
                      "outcome": outcome, "outcome_note": "", "reopen_count": 0, "version": 1})
        parties += [{"tenant_id": tenant.id, "case_id": cid, "role": r, "name": f"当事人{n}{r[0]}", "signed": False}
                    for r in ("applicant", "respondent")]
        if state not in ("intake", "accepted", "declined"):
            links.append({"tenant_id": tenant.id, "case_id": cid, "mediator_id": rng.choice(by_room[room]), "lead": True})
        if outcome == "agreement":
            visits.append({"tenant_id": tenant.id, "case_id": cid, "due_on": (ended + dt.timedelta(days=7)).date(),
                           "done_at": ended + dt.timedelta(days=7), "cancelled": False, "holds": rng.random() < .95,
                           "note": "", "created_at": ended})
    for i in range(0, len(cases), CHUNK):
        db.session.execute(insert(Case.__table__), cases[i:i + CHUNK])
    ids = db.session.scalars(select(Case.id).where(Case.id > before).order_by(Case.id)).all()  # in insertion order
    for table, rows in ((Party.__table__, parties), (CaseMediator.__table__, links), (FollowUp.__table__, visits)):
        for row in rows:
            row["case_id"] = ids[row["case_id"]]
        for i in range(0, len(rows), CHUNK):
            db.session.execute(insert(table), rows[i:i + CHUNK])
    return {"mediation_case": len(cases), "mediation_party": len(parties), "mediation_case_mediator": len(links),
            "mediation_followup": len(visits)}
