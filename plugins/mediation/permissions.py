"""Permissions of the mediation module and the object checks behind them (谁能看这个案件).

* ``mediation.intake``: take in a dispute (grid roles, mediators, the township office). Taking a
  case in does not let one read it afterwards.
* ``mediation.mediate``: work on cases of one's rooms (the ``mediator`` role). A mediator reaches
  the cases of the rooms they sit in while nobody is assigned; once mediators are assigned, only
  those mediators (the case's mediators) read and act on it.
* ``mediation.manage``: the township office (综治办/司法所 staff): rooms, mediators, every case,
  the numbers and the ledger.
* ``mediation.meetings``: record villagers' talk-it-out meetings (村民说事) in one's grids.

Cases outside the reader's reach answer 404, as another township's would: their existence is
itself private.
"""
from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import false, select, true

from core.toolkit import ApiError, Permission, Role, db, grid_in_reach
from core.toolkit import gettext as _

INTAKE, MEDIATE, MANAGE, MEETINGS = "mediation.intake", "mediation.mediate", "mediation.manage", "mediation.meetings"

PERMISSIONS = [
    Permission(INTAKE, "受理登记矛盾纠纷", "Take in disputes"),
    Permission(MEDIATE, "调解本调解室的案件", "Mediate the cases of one's rooms"),
    Permission(MANAGE, "统筹调解室、调解员与全部案件", "Manage rooms, mediators and every case"),
    Permission(MEETINGS, "记录村民说事", "Record villagers' talk-it-out meetings"),
]

_GRID_ROLES = ("grid_leader", "grid_worker", "grid_instructor")
ROLES = [Role(r, "", "", permissions=frozenset({INTAKE, MEETINGS})) for r in _GRID_ROLES] + [
    Role("grid_police", "", "", permissions=frozenset({INTAKE})),
    Role("township_staff", "", "", permissions=frozenset({INTAKE, MEDIATE, MANAGE, MEETINGS})),
    Role("township_admin", "", "", permissions=frozenset({INTAKE, MEDIATE, MANAGE, MEETINGS})),
    Role("mediator", "调解员", "Mediator", scope="tenant", permissions=frozenset({INTAKE, MEDIATE})),
]


def can_manage() -> bool:
    access = g.get("access")
    return access is not None and access.can(MANAGE) and access.grids_for(MANAGE) is None


def current_mediator():
    """The signed-in user's active mediator record in this township, or None."""
    from plugins.mediation.models import Mediator

    if "_mediation_mediator" not in g:
        uid = getattr(current_user, "id", None) if getattr(current_user, "is_authenticated", False) else None
        g._mediation_mediator = None if uid is None else db.session.scalar(
            select(Mediator).where(Mediator.user_id == uid, Mediator.active.is_(True)))
    return g._mediation_mediator


def my_room_ids() -> set[int]:
    mediator = current_mediator()
    access = g.get("access")
    if mediator is None or access is None or not access.can(MEDIATE):
        return set()
    return set(mediator.room_ids)


def cases_condition():
    """SQL condition on :class:`Case` for the cases the user reaches at all (lists, numbers)."""
    from plugins.mediation.models import Case, CaseMediator

    if can_manage():
        return true()
    mediator, rooms = current_mediator(), my_room_ids()
    if mediator is None or not rooms:
        return false()
    assigned = select(CaseMediator.case_id).where(CaseMediator.mediator_id == mediator.id)
    unassigned = ~Case.id.in_(select(CaseMediator.case_id))
    condition = Case.room_id.in_(rooms) & (Case.id.in_(assigned) | unassigned)
    if mediator.person_id is not None:  # never the cases they are a party to, or their household is (回避)
        from core.toolkit import Person
        from plugins.mediation.models import Party

        household = select(Person.household_id).where(Person.id == mediator.person_id).scalar_subquery()
        own = select(Party.case_id).where((Party.person_id == mediator.person_id) | (Party.household_id == household))
        condition = condition & ~Case.id.in_(own)
    return condition


def can_read(case) -> bool:
    """The township office, or the case's mediators (the room's, until some are assigned)."""
    if can_manage():
        return True
    mediator = current_mediator()
    if mediator is None or case.room_id not in my_room_ids():
        return False
    from plugins.mediation.services import conflict

    if conflict(case, mediator):
        return False  # 回避: not the cases they are a party to, or their household is
    return not case.mediators or mediator.id in case.mediator_ids


def can_assign(case) -> bool:
    """Who chooses the mediators: the office, or a mediator of the room (before and after)."""
    return can_manage() or case.room_id in my_room_ids()


def case_or_404(case_id: int):
    from plugins.mediation.models import Case

    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None or not can_read(case):
        raise ApiError(404, "not_found", _("案件不存在"))
    return case


def require_assign(case) -> None:
    if not can_assign(case):
        raise ApiError(403, "not_your_room", _("只有本调解室调解员或乡镇可以指派"))


def can_record_meeting(grid) -> bool:
    return can_manage() or grid_in_reach(grid, MEETINGS)


def may_see_contacts(case) -> bool:
    """Party contacts unmasked: the case's assigned mediators, or holders of
    ``people.read_sensitive`` on the case's grid (core's masking rule for personal data)."""
    mediator = current_mediator()
    if mediator is not None and mediator.id in case.mediator_ids:
        return True
    grid = case.grid
    return grid is not None and grid_in_reach(grid, "people.read_sensitive")
