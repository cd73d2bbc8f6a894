"""Incidents at scale (规模数据) for ``gridgov demo --scale``: two incidents per resident over the
last two years, inserted in time order as they arrive in production (~95 % closed, ~20 %
escalated, a few thousand open and overdue at township scale), with bulk Core inserts."""
from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy import insert, select

from core.toolkit import Grid, db, utcnow
from plugins.incidents.categories import seed_defaults
from plugins.incidents.models import Category, Incident
from plugins.incidents.receipts import ALPHABET, LENGTH

PER_RESIDENT = 2  # 200,000 incidents for 100,000 residents over two years
CHUNK = 10_000
UNGUESSABLE = secrets.SystemRandom()  # receipts and public tokens stay unguessable, as in production


def fill_at_scale(tenant, scale: dict) -> dict[str, int]:
    seed_defaults(tenant)
    rng = random.Random(scale["seed"])
    now = utcnow()
    grids = db.session.execute(select(Grid.id, Grid.parent_id)).all()
    parent = {g.id: g.parent_id for g in grids}
    parents = set(parent.values())
    leaves = [g.id for g in grids if g.id not in parents]
    cats = db.session.execute(select(Category.id, Category.time_limit_hours)).all()
    days = 365 * scale["years"]
    count = scale["residents"] * PER_RESIDENT
    times = sorted(now - dt.timedelta(days=rng.uniform(0, days)) for _ in range(count))
    batch: list[dict] = []
    receipts: set[str] = set()  # a new township has none yet: unique without asking the database per row
    for reported in times:
        grid, cat = rng.choice(leaves), rng.choice(cats)
        due = reported + dt.timedelta(hours=min(cat.time_limit_hours, 72))
        reach = rng.choices([0, 1, 2, 3], [70, 20, 8, 2])[0]
        young = (now - reported).days < 10
        state = rng.choices(["closed", "rejected", "in_progress", "reported"], [60, 3, 20, 17] if young else [95, 3, 1, 1])[0]
        closed = state == "closed"
        close_at = reported + dt.timedelta(hours=rng.uniform(1, 96)) if closed else None
        level = ("grid", "grid", "office", "department")[reach]
        handling = grid if reach == 0 else (parent[grid] if reach == 1 else None)
        receipt = "".join(UNGUESSABLE.choices(ALPHABET, k=LENGTH))
        while receipt in receipts:
            receipt = "".join(UNGUESSABLE.choices(ALPHABET, k=LENGTH))
        receipts.add(receipt)
        batch.append({
            "tenant_id": tenant.id, "category_id": cat.id, "grid_id": grid, "handling_grid_id": handling,
            "level": level, "department": "派出所" if reach == 3 else None, "reach": reach, "state": state,
            "urgency": "normal", "source": "worker", "description": "规模数据事件", "place": "",
            "public_token": secrets.token_hex(8), "receipt": receipt, "reported_at": reported,
            "created_at": reported, "due_at": due, "open_due_at": due if state in ("reported", "in_progress") else None,
            "closed_at": close_at, "close_hours": (close_at - reported).total_seconds() / 3600 if closed else None,
            "closed_level": level if closed else None, "closed_grid_id": handling if closed else None,
            "satisfaction": rng.choice(["satisfied", "satisfied", "basically", "dissatisfied", None]) if closed else None,
            "reopen_count": 0, "version": 1,
        })
        if len(batch) == CHUNK:
            db.session.execute(insert(Incident.__table__), batch)
            batch = []
    if batch:
        db.session.execute(insert(Incident.__table__), batch)
    return {"incidents_incident": count}
