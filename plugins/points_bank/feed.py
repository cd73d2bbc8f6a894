"""Points from other modules' announcements (联动积分), inside the announcing transaction.

A township maps an announcement kind (``incidents.report_resolved``,
``volunteer.service_completed``, ``mediation.agreement``) to a rule of one or more schemes by the
rule's key (:class:`~plugins.points_bank.models.RuleMapping`); the rule's current version is
used. Each award is recorded once per event, scheme and person (``source_ref``), so a repeated
announcement adds nothing. A refusal that belongs to the points bank (the monthly cap reached,
a closed period, a deduction the balance cannot carry) skips that award in a savepoint and
leaves the announcing work alone; database errors propagate and roll both back.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from core.toolkit import ApiError, Grid, Household, Person, db
from plugins.points_bank import services
from plugins.points_bank.models import RuleMapping, Scheme
from plugins.points_bank.schemes import current_rule

log = logging.getLogger(__name__)


def _member(scheme: Scheme, person_id: int | None, grid_id: int | None) -> dict | None:
    if scheme.kind == "party_org":
        grid = db.session.get(Grid, grid_id) if grid_id else None
        return {"grid": grid} if grid is not None else None
    person = db.session.get(Person, person_id) if person_id else None
    if person is None:
        return None
    if scheme.kind == "household":
        household = db.session.get(Household, person.household_id) if person.household_id else None
        return {"household": household} if household is not None else None
    if scheme.kind == "party_member" and not person.is_party_member:
        return None
    return {"person": person}


def award(tenant, kind: str, ref: str, person_ids, grid_id: int | None, occurred_at, note: str) -> list[int]:
    """Record the mapped rule for each person (or the grid's party organisation) of an event;
    returns the transaction ids recorded (or found, for a repeated announcement)."""
    done: list[int] = []
    mappings = db.session.scalars(select(RuleMapping).where(RuleMapping.kind == kind, RuleMapping.active.is_(True))).all()
    for mapping in mappings:
        scheme = db.session.get(Scheme, mapping.scheme_id)
        rule = current_rule(scheme, mapping.rule_key) if scheme is not None and scheme.active else None
        if rule is None:
            continue
        for person_id in (person_ids or [None]):
            member = _member(scheme, person_id, grid_id)
            if member is None:
                continue
            source_ref = f"{ref}:p{person_id or 0}@s{scheme.id}"[:64]
            try:
                with db.session.begin_nested():
                    txn = services.record_entry(tenant, scheme, rule, occurred_at=None, note=note[:500],
                                                source=kind, source_ref=source_ref, **member)
                done.append(txn.id)
            except ApiError as exc:
                log.info("points_bank: %s %s skipped for scheme %s: %s", kind, ref, scheme.code, exc.message)
    return done
