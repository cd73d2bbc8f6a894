"""Party-member households (党员中心户) and the households they keep in touch with (联系户).

A party member's household is named a centre; a centre links a handful of neighbouring
households, each household linked to one centre at most. Centres sit at the bottom of the party
tree, under the party organisation of their grid or the nearest grid above it. Each function
flushes and audits; the caller commits. Reach is checked by the views.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from core import audit
from core.db import db
from core.errors import ApiError
from core.people.models import Household, PartyCenter, PartyCenterLink, Person, PersonStatus
from flask_babel import gettext as _

LINKS_PER_CENTER = 30  # real centres keep in touch with 5 to 10 households; room to spare


def _invalid(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "validation_error" if status == 422 else "conflict", message, {field: [message]})


def center_of(household: Household) -> PartyCenter | None:
    return db.session.scalar(select(PartyCenter).where(PartyCenter.household_id == household.id))


def center_or_404(household: Household) -> PartyCenter:
    center = center_of(household)
    if center is None:
        raise ApiError(404, "not_found", _("该户不是党员中心户"))
    return center


def designate(household: Household, member_id: int | None) -> PartyCenter:
    """Name ``household`` a party-member household; ``member_id`` is a party member living in it."""
    member = db.session.get(Person, member_id) if member_id is not None else None
    if member is None or member.household_id != household.id:
        raise _invalid("member_id", _("须为本户的居民"))
    if not member.is_party_member or member.status != PersonStatus.living:
        raise _invalid("member_id", _("须为在住党员"))
    if center_of(household) is not None:
        raise _invalid("household_id", _("该户已是党员中心户"), 409)
    if db.session.scalar(select(PartyCenterLink.center_id).where(PartyCenterLink.household_id == household.id)):
        raise _invalid("household_id", _("该户已是其他中心户的联系户，请先解除"), 409)
    center = PartyCenter(household_id=household.id, member_id=member.id)
    db.session.add(center)
    db.session.flush()
    audit.record("people.party_center_create", center, after={"household_id": household.id, "member_id": member.id})
    return center


def dissolve(center: PartyCenter) -> None:
    """No longer a party-member household; its links go with it."""
    before = {"household_id": center.household_id, "member_id": center.member_id}
    db.session.execute(delete(PartyCenterLink).where(PartyCenterLink.center_id == center.id))
    audit.record("people.party_center_delete", center, before=before)
    db.session.delete(center)
    db.session.flush()


def link(center: PartyCenter, household: Household) -> PartyCenterLink:
    """Let ``center`` keep in touch with ``household`` (联系户)."""
    if household.id == center.household_id:
        raise _invalid("household_id", _("不能联系本户"))
    if center_of(household) is not None:
        raise _invalid("household_id", _("该户本身是党员中心户"), 409)
    taken = db.session.scalar(select(PartyCenterLink.center_id).where(PartyCenterLink.household_id == household.id))
    if taken is not None:
        raise _invalid("household_id", _("该户已由其他党员中心户联系"), 409)
    linked = db.session.scalar(select(func.count()).select_from(PartyCenterLink)
                               .where(PartyCenterLink.center_id == center.id))
    if linked >= LINKS_PER_CENTER:
        raise _invalid("household_id", _("一个中心户最多联系 %(LINKS_PER_CENTER)s 户", LINKS_PER_CENTER=LINKS_PER_CENTER))
    row = PartyCenterLink(center_id=center.id, household_id=household.id)
    db.session.add(row)
    db.session.flush()
    audit.record("people.party_center_link", center, after={"household_id": household.id})
    return row


def unlink(center: PartyCenter, household_id: int) -> None:
    row = db.session.get(PartyCenterLink, (center.tenant_id, center.id, household_id))
    if row is None:
        raise ApiError(404, "not_found", _("没有该联系户"))
    db.session.delete(row)
    db.session.flush()
    audit.record("people.party_center_unlink", center, before={"household_id": household_id})


def center_dict(center: PartyCenter) -> dict[str, Any]:
    """A centre with its member and linked households (addresses only: no phones here)."""
    links = db.session.execute(
        select(Household.id, Household.address, Household.head_name, Household.grid_id)
        .join(PartyCenterLink, PartyCenterLink.household_id == Household.id)
        .where(PartyCenterLink.center_id == center.id).order_by(Household.id)).all()
    member = center.member
    return {"id": center.id, "household_id": center.household_id, "member_id": center.member_id,
            "member_name": member.name if member is not None else None,
            "links": [{"household_id": h.id, "address": h.address, "head_name": h.head_name, "grid_id": h.grid_id}
                      for h in links]}


def linked_center(household: Household) -> dict[str, Any] | None:
    """The centre ``household`` is linked to: its household, address and member, or None."""
    row = db.session.execute(
        select(PartyCenter.id, PartyCenter.household_id, Household.address, Person.name)
        .join(PartyCenterLink, PartyCenterLink.center_id == PartyCenter.id)
        .join(Household, Household.id == PartyCenter.household_id)
        .join(Person, Person.id == PartyCenter.member_id)
        .where(PartyCenterLink.household_id == household.id)).first()
    if row is None:
        return None
    return {"center_id": row.id, "household_id": row.household_id, "address": row.address, "member_name": row.name}


def centers_by_grid() -> dict[int, list[dict[str, Any]]]:
    """Every centre of the township, by its household's grid, with its number of linked households
    (for the party tree)."""
    links = dict(db.session.execute(select(PartyCenterLink.center_id, func.count()).group_by(PartyCenterLink.center_id)).all())
    out: dict[int, list[dict[str, Any]]] = {}
    for center_id, household_id, grid_id, address, member in db.session.execute(
            select(PartyCenter.id, Household.id, Household.grid_id, Household.address, Person.name)
            .join(Household, Household.id == PartyCenter.household_id)
            .join(Person, Person.id == PartyCenter.member_id).order_by(PartyCenter.id)):
        out.setdefault(grid_id, []).append({"id": center_id, "household_id": household_id, "address": address,
                                            "member_name": member, "links": int(links.get(center_id, 0))})
    return out
