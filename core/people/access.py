"""Who sees which residents, and how (人员访问与脱敏).

Reads are limited to the grid subtrees the user holds ``people.read`` on. ID numbers and phones
are masked unless the user holds ``people.read_sensitive`` on the person's grid; every unmasked
read is written to the audit log (``people.read_sensitive``).

Masking holds against everything a masked reader sees, not only the one field: an ID number's
mask keeps only its first four digits and its check digit (not the 17th, which gives the gender;
:func:`core.people.identity.mask_id`), and the birth date beside it would narrow the rest to a few
candidates. Birth date and gender, which the ID number encodes, are therefore masked with it
(:func:`identity_masked`), in every answer, page, form and export; exact searches on ID number
or phone match only residents the searcher may see unmasked (``core.people.search``); and a
clash on an ID number names no one (``core.people.services``).
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import g
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid
from core.grid.place import grid_place
from core.grid.scope import subtree_condition, visible
from core.people.identity import mask_id, mask_mobile
from core.people.models import GENDER_LABELS, STATUS_LABELS, Household, Person
from flask_babel import gettext as _


def reach_ids(permission: str) -> set[int] | None:
    """Grid ids inside the current user's reach with ``permission`` (None: the whole township)."""
    cache = g.setdefault("_people_reach", {})
    if permission not in cache:
        access = g.get("access")
        roots = access.grids_for(permission) if access is not None else set()
        if roots is None:
            cache[permission] = None
        else:
            cache[permission] = set(db.session.scalars(select(Grid.id).where(subtree_condition(Grid.id, roots))))
    return cache[permission]


def in_reach(grid_id: int, permission: str) -> bool:
    ids = reach_ids(permission)
    return ids is None or grid_id in ids


def person_or_404(person_id: int) -> Person:
    person = db.session.scalar(select(Person).where(Person.id == person_id, visible(Person.grid_id, "people.read")))
    if person is None:
        raise ApiError(404)
    return person


def household_or_404(household_id: int) -> Household:
    household = db.session.scalar(
        select(Household).where(Household.id == household_id, visible(Household.grid_id, "people.read")))
    if household is None:
        raise ApiError(404)
    return household


def require_reach(grid_id: int, permission: str, field: str = "grid_id") -> None:
    """403 when ``grid_id`` lies outside the user's reach with ``permission``."""
    if not in_reach(grid_id, permission):
        raise ApiError(403, "forbidden", _("该网格不在您的 %(permission)s 权限范围内", permission=permission),
                       {field: [_("不在您的管辖范围内")]})


def township_wide(permission: str = "people.edit") -> bool:
    """Whether the user holds ``permission`` over the whole township (not only some grids)."""
    return reach_ids(permission) is None


def require_anonymiser() -> None:
    """Anonymising (PIPL) is for township-wide ``people.edit`` holders: 403 otherwise."""
    if not township_wide("people.edit"):
        from flask_babel import gettext as _

        raise ApiError(403, "forbidden", _("匿名化须由乡镇级人员办理"))


def check_person_reach(data: dict[str, Any], person: Person | None = None) -> None:
    """403 naming the field when a resident write reaches outside the user's ``people.edit``
    grids: the person's grid now, the grid or the household it moves to."""
    if person is not None:
        require_reach(person.grid_id, "people.edit")
    if data.get("grid_id") is not None:
        require_reach(data["grid_id"], "people.edit", "grid_id")
    if data.get("household_id") is not None:
        household = db.session.get(Household, data["household_id"])
        if household is not None:
            require_reach(household.grid_id, "people.edit", "household_id")


def household_to_edit(household_id: int, field: str = "grid_id") -> Household:
    """A household the user may read (404 otherwise) and edit (403 naming ``field``)."""
    household = household_or_404(household_id)
    require_reach(household.grid_id, "people.edit", field)
    return household


def household_in_edit_reach(household_id: int | None, field: str = "household_id") -> Household:
    """A household named in a request body: 422 naming ``field`` when there is none in reach."""
    household = db.session.get(Household, household_id) if household_id is not None else None
    if household is None or not in_reach(household.grid_id, "people.edit"):
        from flask_babel import gettext as _

        message = _("住户不存在或不在您的管辖范围内")
        raise ApiError(422, "validation_error", message, {field: [message]})
    return household


def may_reveal(person: Person) -> bool:
    return in_reach(person.grid_id, "people.read_sensitive")


def reveal_audited(people: Iterable[Person]) -> set[int]:
    """Ids of ``people`` the user may see unmasked; one audit entry per person revealed."""
    shown = set()
    for person in people:
        if may_reveal(person) and (person.id_number or person.mobile):
            audit.record("people.read_sensitive", person)
            shown.add(person.id)
    return shown


MASKED_LABEL = "*"


def identity_masked(person: Person, unmasked: bool) -> bool:
    """Whether birth date and gender are hidden: they follow the ID number's masking for users
    who may not see it unmasked, since the number encodes them (a person without one has nothing
    to derive them from). A masked list shown to someone who could reveal the number keeps them."""
    return not unmasked and bool(person.id_number) and not may_reveal(person)


def person_dict(person: Person, unmasked: bool = False, detail: bool = False) -> dict[str, Any]:
    hidden = identity_masked(person, unmasked)
    out = {
        "id": person.id,
        "name": person.name,
        "gender": None if hidden else person.gender,
        "gender_label": MASKED_LABEL if hidden else GENDER_LABELS.get(person.gender, person.gender),
        "birth_date": None if hidden or not person.birth_date else person.birth_date.isoformat(),
        "id_number": person.id_number if unmasked else mask_id(person.id_number),
        "mobile": person.mobile if unmasked else mask_mobile(person.mobile),
        "masked": not unmasked,
        "grid_id": person.grid_id,
        "grid_name": person.grid.name if person.grid is not None else None,
        "grid_place": grid_place(person.grid) or None,  # 查冲村 › 一组
        "household_id": person.household_id,
        "relation": person.relation,
        "status": person.status.value,
        "status_label": STATUS_LABELS[person.status],
        "is_party_member": person.is_party_member,
        "party_away": person.party_away,
        "tags": [{"id": t.id, "name": t.name} for t in person.tags],
        "anonymised": person.anonymised_at is not None,
    }
    if detail:
        out.update({
            "party_branch": person.party_branch,
            "party_org_id": person.party_org_id,
            "party_joined_on": person.party_joined_on.isoformat() if person.party_joined_on else None,
            "notes": person.notes,
            "created_at": person.created_at.isoformat(),
            "updated_at": person.updated_at.isoformat(),
        })
    return out


def household_dict(household: Household, unmasked: bool = False) -> dict[str, Any]:
    return {
        "id": household.id,
        "grid_id": household.grid_id,
        "grid_name": household.grid.name if household.grid is not None else None,
        "grid_place": grid_place(household.grid) or None,
        "number": household.number,
        "address": household.address,
        "head_name": household.head_name,
        "phone": household.phone if unmasked else mask_mobile(household.phone),
        "notes": household.notes,
    }
