"""Personal-information requests (PIPL 个人信息): a person's data across every module, and
anonymising. Every installed module answers, enabled or not (data outlives a switch-off).
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from core import audit
from core.people.access import household_dict, person_dict
from core.people.models import Person

CORE_NAMES = {"core.people.hooks": "people", "core.grid.hooks": "grid", "core": "core"}


def own_data(person: Person) -> dict[str, Any]:
    """What core's people register holds about ``person`` (unmasked: it is their own data)."""
    from sqlalchemy import select

    from core.db import db
    from core.people.centers import center_dict
    from core.people.models import PartyCenter

    out: dict[str, Any] = {"person": person_dict(person, unmasked=True, detail=True)}
    if person.household is not None:
        out["household"] = household_dict(person.household, unmasked=True)
    led = db.session.scalars(select(PartyCenter).where(PartyCenter.member_id == person.id)).all()
    if led:  # the party-member households (党员中心户) this member heads
        out["party_centers"] = [center_dict(center) for center in led]
    return out


def gather_person_data(tenant, person: Person) -> dict[str, Any]:
    """Every module's answer to ``person_data_export``, keyed by module name. Audited."""
    caller = current_app.extensions["gridgov.plugins"].all.person_data_export
    out: dict[str, Any] = {}
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        answer = impl.function(tenant=tenant, person=person)
        if answer:
            out[CORE_NAMES.get(impl.plugin_name, impl.plugin_name)] = answer
    audit.record("people.data_export", person, after={"modules": sorted(out)})
    return out
