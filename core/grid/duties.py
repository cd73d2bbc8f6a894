"""Who looks after a grid (网格职责): 网格长, 网格员, 信息员, 网格警员, 网格指导员 and the three
heads of a compound (小区长, 楼长, 单元长).

A duty held by an account with a matching access role (``grid_leader``...) also grants that role
on the grid, so access follows the duty; ending the duty revokes the role again, unless the role
was given some other way (we only revoke what a duty granted).
"""
from __future__ import annotations

import re

from sqlalchemy import delete, func, select, update

from core import audit
from core.auth.service import assign_role
from core.db import db
from core.errors import ApiError
from core.grid.models import DUTY_LABELS, DUTY_ROLES, DutyKind, Grid, GridDuty, GridStatus
from core.models import RoleAssignment, Tenant, User
from flask_babel import gettext as _
from core.i18n import N_

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ANONYMOUS = "已匿名"
PHONE_MESSAGE = N_("须为 11 位手机号或带区号的固定电话")


def _invalid(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, "validation_error" if status == 422 else "conflict", message, {field: [message]})


def check_phone(phone: str | None, field: str = "phone") -> str:
    phone = (phone or "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        raise _invalid(field, PHONE_MESSAGE)
    return phone


def _member(tenant: Tenant, user_id: int) -> User:
    """The account ``user_id`` if it holds a role in this township (else 422: outsiders are unknown)."""
    user = db.session.get(User, user_id)
    holds_role = db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == user_id).limit(1))
    if user is None or holds_role is None or not user.active:
        raise _invalid("user_id", _("本乡镇没有这个账号"))
    return user


def members(tenant: Tenant) -> list[User]:
    """Accounts holding a role in this township (who may be appointed to a duty)."""
    ids = select(RoleAssignment.user_id)
    return list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.display_name)))


def duties_of(grid: Grid) -> list[GridDuty]:
    return list(db.session.scalars(select(GridDuty).where(GridDuty.grid_id == grid.id).order_by(GridDuty.duty, GridDuty.id)))


def add_duty(tenant: Tenant, grid: Grid, duty: str, *, user_id: int | None = None, person_id: int | None = None,
             name: str | None = None, phone: str | None = None) -> GridDuty:
    """Appoint someone to ``duty`` on ``grid``; grants the matching access role to an account."""
    if grid.status != GridStatus.active:
        raise _invalid("grid_id", _("网格已撤销"))
    try:
        kind = DutyKind(duty)
    except ValueError:
        raise _invalid("duty", _("未知职责:") + "、".join(f"{k.value} {v}" for k, v in DUTY_LABELS.items())) from None
    user = _member(tenant, user_id) if user_id is not None else None
    resident = _person_name(person_id) if person_id is not None else None
    name = (name or "").strip() or (user.display_name if user else "") or (resident or "")
    if not name or len(name) > 64:
        raise _invalid("name", _("请填写姓名，最多 64 个字符"))
    phone = check_phone(phone if phone else (user.mobile if user else ""))
    same = select(GridDuty.id).where(GridDuty.grid_id == grid.id, GridDuty.duty == kind)
    if user is not None:
        same = same.where(GridDuty.user_id == user.id)
    elif person_id is not None:
        same = same.where(GridDuty.person_id == person_id)
    else:
        same = same.where(GridDuty.name == name, GridDuty.user_id.is_(None), GridDuty.person_id.is_(None))
    if db.session.scalar(same.limit(1)) is not None:
        raise _invalid("duty", _("%(name)s 已是本网格的%(duty)s", name=name, duty=DUTY_LABELS[kind]), 409)
    row = GridDuty(grid_id=grid.id, duty=kind, user_id=user.id if user else None, person_id=person_id,
                   name=name, phone=phone)
    if user is not None and kind.value in DUTY_ROLES:
        had = db.session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.user_id == user.id, RoleAssignment.role == kind.value, RoleAssignment.grid_id == grid.id))
        if had is None:
            row.role_assignment_id = assign_role(user, tenant, kind.value, grid.id).id
    db.session.add(row)
    db.session.flush()
    audit.record("grid.duty.add", row, after={"grid_id": grid.id, "duty": kind.value, "user_id": row.user_id,
                                              "person_id": person_id, "name": name})
    return row


def _release_role(assignment_id: int | None, except_duty: int | None = None) -> None:
    if assignment_id is None:
        return
    others = select(GridDuty.id).where(GridDuty.role_assignment_id == assignment_id)
    if except_duty is not None:
        others = others.where(GridDuty.id != except_duty)
    if db.session.scalar(others.limit(1)) is None:
        row = db.session.get(RoleAssignment, assignment_id)
        if row is not None:
            audit.record("role.revoke", row, before={"user_id": row.user_id, "role": row.role, "grid_id": row.grid_id})
            db.session.delete(row)


def duty_on(grid: Grid, duty_id: int, can_manage_users: bool) -> GridDuty:
    """The duty ``duty_id`` on ``grid`` (404 otherwise), if the user may end it: a duty that
    granted an access role takes ``users.manage`` too (403)."""
    from flask_babel import gettext as _

    row = db.session.get(GridDuty, duty_id)
    if row is None or row.grid_id != grid.id:
        raise ApiError(404)
    if row.role_assignment_id is not None and not can_manage_users:
        raise ApiError(403, "forbidden", _("该职责授予过权限，需要 users.manage 权限"))
    return row


def remove_duty(tenant: Tenant, duty: GridDuty) -> None:
    """End a duty; revokes the access role it granted."""
    audit.record("grid.duty.remove", duty, before={"grid_id": duty.grid_id, "duty": duty.duty.value,
                                                   "user_id": duty.user_id, "name": duty.name})
    _release_role(duty.role_assignment_id, except_duty=duty.id)
    db.session.delete(duty)
    db.session.flush()


def duties_of_person(person_id: int) -> list[GridDuty]:
    return list(db.session.scalars(select(GridDuty).where(GridDuty.person_id == person_id).order_by(GridDuty.id)))


def anonymise_person_duties(tenant: Tenant, person_id: int) -> int:
    """PIPL erasure: the duties a resident holds keep their place, lose the name and phone."""
    rows = duties_of_person(person_id)
    for row in rows:
        row.name, row.phone = ANONYMOUS, ""
    db.session.flush()
    return len(rows)


def _person_name(person_id: int) -> str | None:
    """The resident's name when the people register is installed; 422 if there is no such resident."""
    try:
        from core.people.models import Person
    except ImportError:
        return None
    person = db.session.get(Person, person_id)
    if person is None:
        raise _invalid("person_id", _("本乡镇没有这个居民"))
    return person.name


def end_duties(tenant: Tenant, grid: Grid) -> int:
    """End every duty on ``grid`` (it is being archived)."""
    rows = duties_of(grid)
    for row in rows:
        remove_duty(tenant, row)
    return len(rows)


def move_duties(tenant: Tenant, source: Grid, target: Grid) -> None:
    """Merge: duties and every role held on ``source`` move to ``target`` (no duplicates)."""
    for ra in db.session.scalars(select(RoleAssignment).where(RoleAssignment.grid_id == source.id)).all():
        twin = db.session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.user_id == ra.user_id, RoleAssignment.role == ra.role, RoleAssignment.grid_id == target.id))
        if twin is None:
            ra.grid_id = target.id
            continue
        db.session.execute(update(GridDuty).where(GridDuty.role_assignment_id == ra.id)
                           .values(role_assignment_id=twin).execution_options(synchronize_session="fetch"))
        db.session.delete(ra)
    db.session.flush()
    # a duty already held on the target is not duplicated
    for row in duties_of(source):
        clash = select(func.count()).select_from(GridDuty).where(
            GridDuty.grid_id == target.id, GridDuty.duty == row.duty, GridDuty.name == row.name,
            GridDuty.user_id.is_(None) if row.user_id is None else GridDuty.user_id == row.user_id)
        if db.session.scalar(clash):
            db.session.execute(delete(GridDuty).where(GridDuty.id == row.id).execution_options(synchronize_session="fetch"))
        else:
            row.grid_id = target.id
    db.session.flush()
