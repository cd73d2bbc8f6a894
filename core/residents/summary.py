"""What the residents' portal shows a household (本户信息): its members (names, masked ID
numbers), its grid with the path above it, who looks after it with a phone to call, and the
sections and buttons that enabled modules add through ``resident_sections`` /
``resident_actions``. Nothing here reads another household's rows.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from core.db import db
from core.grid.models import DutyKind, Grid, GridDuty
from core.grid.queries import ancestors
from core.people.identity import mask_id
from core.people.models import Household, Person, PersonStatus

log = logging.getLogger("gridgov.residents")
# who a resident calls, in order: the grid's own worker first, then its leader
CALL_DUTIES = (DutyKind.grid_worker, DutyKind.grid_leader)
SECTION_KEYS = ("key", "title", "order", "html")
ACTION_KEYS = ("key", "title", "url", "order")


def members(household: Household) -> list[dict[str, Any]]:
    """Living members: name, relation, masked ID number (never the full number or phone)."""
    rows = db.session.scalars(select(Person).where(Person.household_id == household.id,
                                                   Person.status == PersonStatus.living,
                                                   Person.anonymised_at.is_(None)).order_by(Person.id))
    return [{"name": p.name, "relation": p.relation or "", "id_number": mask_id(p.id_number) if p.id_number else ""}
            for p in rows]


def grid_path(grid: Grid) -> list[str]:
    """The names from the first-level grid down to ``grid`` (东门社区 › 第一网格)."""
    return [a.name for a in ancestors(grid)] + [grid.name]


def contacts(grid: Grid) -> list[dict[str, str]]:
    """Who to call: the grid worker(s) of the household's grid, else of the nearest grid above
    that has one; the grid leader as well when there is one. Only those with a phone."""
    chain = [grid] + list(reversed(ancestors(grid)))
    for kind in CALL_DUTIES:
        for level in chain:
            rows = db.session.scalars(select(GridDuty).where(GridDuty.grid_id == level.id, GridDuty.duty == kind,
                                                             GridDuty.phone != "").order_by(GridDuty.id)).all()
            if rows:
                return [{"name": d.name, "duty": d.duty_label, "phone": d.phone, "tel": d.phone.replace("-", ""),
                         "grid": level.name} for d in rows]
    return []


def _valid(item: Any, keys: tuple[str, ...], hook: str) -> bool:
    ok = isinstance(item, dict) and all(k in item for k in keys)
    if not ok:
        log.warning("%s answer dropped (needs %s): %r", hook, ", ".join(keys), item)
    return ok


def module_parts(tenant, household: Household, card) -> tuple[list[dict], list[dict]]:
    """The enabled modules' sections and actions for this household, each sorted by ``order``."""
    from core.modules import hooks

    relay = hooks(tenant)
    sections = [s for batch in relay.resident_sections(tenant=tenant, household=household, card=card)
                for s in (batch or []) if _valid(s, SECTION_KEYS, "resident_sections")]
    actions = [a for batch in relay.resident_actions(tenant=tenant, household=household, card=card)
               for a in (batch or []) if _valid(a, ACTION_KEYS, "resident_actions")]
    sections.sort(key=lambda s: (s["order"], s["key"]))
    actions.sort(key=lambda a: (a["order"], a["key"]))
    return sections, actions


def render_section(template: str, **context: Any) -> Markup:
    """A module's portal section as HTML for ``resident_sections`` (its own template, e.g.
    ``points_bank/resident_balance.html``, rendered with ``context`` and the request's globals)."""
    return Markup(render_template(template, **context))
