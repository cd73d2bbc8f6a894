"""Registration (报到): a volunteer registers with a township, the community confirms.

A volunteer is a resident of the township (``person_id``: name and party membership are taken
from the person) or an outsider with a name and a mobile number. In-service party members
(在职党员) name their unit, which must be one of the township's county's units (a unit of
another county is refused, 422 on ``unit_id``), and their party branch. Confirming issues the
volunteer's personal link (``/t/<town>/volunteer/me/<token>``): the token is shown once and only
its sha256 is kept; reissuing it invalidates the old link. The link is how a volunteer without an
account is known when they scan a check-in code or claim an order.
"""
from __future__ import annotations

import hashlib
import secrets

from flask_login import current_user
from sqlalchemy import delete, select

from core.toolkit import ApiError, Person, audit, db, utcnow
from plugins.volunteer import units
from plugins.volunteer.models import Post, Volunteer, VolunteerPost
from core.toolkit import gettext as _


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def by_token(token: str | None) -> Volunteer | None:
    """The confirmed volunteer whose personal token this is, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(Volunteer).where(Volunteer.token_hash == token_hash(token)))
    return row if row is not None and row.status == "confirmed" else None


def pending_by_token(token: str | None) -> Volunteer | None:
    """The registration awaiting confirmation that this phone made, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(Volunteer).where(Volunteer.token_hash == token_hash(token)))
    return row if row is not None and row.status == "pending" else None


def get_volunteer(volunteer_id) -> Volunteer:
    row = db.session.get(Volunteer, volunteer_id) if isinstance(volunteer_id, int) else None
    if row is None:
        raise ApiError(404, "not_found", _("志愿者不存在"))
    return row


def _actor_id():
    return current_user.id if current_user and current_user.is_authenticated else None


def _check_posts(post_ids) -> list[int]:
    ids = sorted(set(post_ids or []))
    if ids:
        found = set(db.session.scalars(select(Post.id).where(Post.id.in_(ids), Post.active.is_(True))))
        if found != set(ids):
            raise ApiError(422, "validation_error", _("岗位不存在"), {"post_ids": [_("岗位不存在")]})
    return ids


def _apply(volunteer: Volunteer, tenant, data: dict) -> None:
    if "unit_id" in data:
        unit = units.county_unit(tenant, data["unit_id"]) if data["unit_id"] is not None else None
        volunteer.unit_id = unit.id if unit else None
        volunteer.unit_name = unit.name if unit else None
    for key in ("party_branch", "skills", "availability", "grid_id", "is_party_member"):
        if key in data:
            setattr(volunteer, key, data[key])
    if volunteer.unit_id is not None and not volunteer.is_party_member:
        raise ApiError(422, "validation_error", _("在职党员报到须为党员"),
                       {"is_party_member": [_("报到单位只对在职党员")]})


def register(tenant, data: dict, *, confirm: bool = False) -> Volunteer:
    """Register a volunteer (pending, or confirmed at once when the office registers them)."""
    person = None
    if data.get("person_id") is not None:
        person = db.session.get(Person, data["person_id"])
        if person is None or person.anonymised_at is not None:
            raise ApiError(422, "validation_error", _("居民不存在"), {"person_id": [_("居民不存在")]})
        data.setdefault("name", person.name)
        data.setdefault("mobile", person.mobile)
        data.setdefault("grid_id", person.grid_id)
        if person.is_party_member:
            data["is_party_member"] = True
            data.setdefault("party_branch", person.party_branch)
    problems = {k: [_("必填")] for k in ("name", "mobile") if not data.get(k)}
    if problems:
        raise ApiError(422, "validation_error", _("请填写姓名和手机号"), problems)
    if db.session.scalar(select(Volunteer.id).where(Volunteer.mobile == data["mobile"])) is not None:
        raise ApiError(409, "already_registered", _("该手机号已报到"),
                       {"mobile": [_("已报到")]})
    if person is not None and db.session.scalar(select(Volunteer.id).where(Volunteer.person_id == person.id)):
        raise ApiError(409, "already_registered", _("该居民已报到"),
                       {"person_id": [_("已报到")]})
    volunteer = Volunteer(person_id=person.id if person else None, name=data["name"], mobile=data["mobile"],
                          is_party_member=bool(data.get("is_party_member")), skills=[], availability="")
    _apply(volunteer, tenant, data)
    db.session.add(volunteer)
    db.session.flush()
    set_posts(volunteer, data.get("post_ids") or [])
    audit("volunteer.register", volunteer, after={"name": volunteer.name, "unit_id": volunteer.unit_id})
    if confirm:
        confirm_volunteer(tenant, volunteer)
    return volunteer


def update(tenant, volunteer: Volunteer, data: dict) -> Volunteer:
    before = {"unit_id": volunteer.unit_id, "skills": volunteer.skills, "availability": volunteer.availability}
    _apply(volunteer, tenant, data)
    if "post_ids" in data:
        set_posts(volunteer, data["post_ids"])
    db.session.flush()
    audit("volunteer.update", volunteer, before=before,
          after={"unit_id": volunteer.unit_id, "skills": volunteer.skills, "availability": volunteer.availability})
    return volunteer


def set_posts(volunteer: Volunteer, post_ids) -> None:
    ids = _check_posts(post_ids)
    db.session.execute(delete(VolunteerPost).where(VolunteerPost.volunteer_id == volunteer.id))
    for post_id in ids:
        db.session.add(VolunteerPost(volunteer_id=volunteer.id, post_id=post_id))
    db.session.flush()


def post_ids_of(volunteer: Volunteer) -> list[int]:
    return list(db.session.scalars(select(VolunteerPost.post_id).where(VolunteerPost.volunteer_id == volunteer.id)))


def issue_token(volunteer: Volunteer) -> str:
    """A new personal token for ``volunteer`` (the old link stops working). Returned once."""
    token = secrets.token_urlsafe(24)
    volunteer.token_hash = token_hash(token)
    db.session.flush()
    audit("volunteer.issue_link", volunteer)
    return token


def register_self(tenant, data: dict) -> tuple[Volunteer, str]:
    """A volunteer registers on their own phone (自主报到): pending until the community confirms.

    The personal token is issued now and kept by that phone, so the phone that registered can
    sign in and scan once confirmed, with no link to pass on. A registration from outside may
    not claim a resident's record (``person_id``: the office links residents)."""
    data = {k: v for k, v in data.items() if k not in ("person_id", "confirm")}
    volunteer = register(tenant, data)
    return volunteer, issue_token(volunteer)


def confirm_volunteer(tenant, volunteer: Volunteer) -> str | None:
    """The community confirms a registration (确认报到); returns the personal token, shown once,
    or None when the volunteer registered on their own phone, which holds its link already.
    Confirming a confirmed volunteer again issues a new link (the old one stops working)."""
    if volunteer.status not in ("pending", "confirmed"):
        raise ApiError(409, "not_pending", _("该报到已处理"))
    if volunteer.status == "pending":
        volunteer.status = "confirmed"
        volunteer.confirmed_at = utcnow()
        volunteer.confirmed_by_user_id = _actor_id()
        db.session.flush()
        audit("volunteer.confirm", volunteer)
        if volunteer.token_hash is not None:  # registered on their own phone
            return None
    return issue_token(volunteer)


def reject_volunteer(tenant, volunteer: Volunteer, reason: str) -> None:
    if volunteer.status != "pending":
        raise ApiError(409, "not_pending", _("该报到已处理"))
    volunteer.status = "rejected"
    volunteer.reject_reason = reason
    db.session.flush()
    audit("volunteer.reject", volunteer, after={"reason": reason})


def withdraw(tenant, volunteer: Volunteer) -> None:
    """The volunteer leaves (退出): no more sign-ups or scans; hours served stay."""
    volunteer.status = "withdrawn"
    volunteer.token_hash = None
    db.session.flush()
    audit("volunteer.withdraw", volunteer)


def reveal(rows) -> None:
    """The office sees volunteers' mobile numbers unmasked: one audit entry per volunteer shown
    (PIPL), committed by the caller."""
    for row in rows:
        if may_see_mobile(row):
            audit("volunteer.read_mobile", row)


def mask(mobile: str | None) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) == 11 else (mobile or "")


def may_see_mobile(volunteer) -> bool:
    """The volunteer office sees mobile numbers unmasked, except a resident's (``person_id``)
    whose number core masks for the viewer: it was copied from the register, so it follows the
    register's rule (``people.read_sensitive`` on the resident's grid)."""
    from core.toolkit import Grid, grid_in_reach
    from plugins.volunteer.permissions import can_manage

    if not can_manage():
        return False
    if volunteer.person_id is None:
        return True
    person = db.session.get(Person, volunteer.person_id)
    grid = db.session.get(Grid, person.grid_id) if person is not None and person.grid_id else None
    return grid is not None and grid_in_reach(grid, "people.read_sensitive")


def shown_mobile(volunteer) -> str:
    """The volunteer's mobile as the viewer may see it (:func:`may_see_mobile`)."""
    return volunteer.mobile or "" if may_see_mobile(volunteer) else mask(volunteer.mobile)
