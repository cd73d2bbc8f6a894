"""Forms for registering and editing residents and households in the console (居民/住户登记).

The forms post to the same services as the API (``core.people.services``), with the same schemas,
reach rules and audit. A bad field re-renders the form with the value kept and the reason beside
the field (422, or 409 for a registered ID number); nothing is saved.

ID numbers and phones follow the masking rules: a user who may not see them unmasked gets an empty
field with the masked value as a hint, and an empty field leaves the stored value as it is. Filling
the form with unmasked values is an audited read, as on the person page.

The forms' own messages are translated; those of the services and schemas, which the API gives
too, are shown as they are (bilingual).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.auth import requires
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid, GridStatus, PartyOrg
from core.grid.scope import visible
from core.people import access, services
from core.people.identity import mask_id, mask_mobile
from core.people.models import GENDER_LABELS, STATUS_LABELS, Household, Person, Tag
from core.people.schemas import HouseholdIn, PersonIn

bp = Blueprint("people_forms", __name__, url_prefix="/t/<tenant>/people")

PERSON_TEXT = ("name", "gender", "birth_date", "id_number", "mobile", "relation", "status", "party_branch",
               "party_joined_on", "notes")
PERSON_IDS = ("grid_id", "household_id", "party_org_id")
PERSON_FLAGS = ("is_party_member", "party_away")
HOUSEHOLD_TEXT = ("address", "number", "head_name", "phone", "notes")
SENSITIVE = ("id_number", "mobile")
IDENTITY_DERIVED = ("birth_date", "gender")  # masked with the ID number (core.people.access)


def _integer(form, key: str, errors: dict[str, list[str]]) -> int | None:
    raw = form.get(key, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        errors[key] = [_("须为编号")]
        return None
    return int(raw)


def _person_data(form, *, keep_sensitive: bool) -> dict[str, Any]:
    """The posted form as :class:`PersonIn` input; raises ApiError 422 naming the fields."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {key: form.get(key, "") for key in PERSON_TEXT if key in form}
    for key in SENSITIVE + IDENTITY_DERIVED:
        if keep_sensitive and not data.get(key, "").strip():
            data.pop(key, None)  # left empty (masked, so shown empty): unchanged
    for key in PERSON_IDS:
        if key in form:
            data[key] = _integer(form, key, errors)
    for key in PERSON_FLAGS:
        data[key] = form.get(key) in ("1", "on", "true")
    if "gender" in data and not data["gender"]:
        data.pop("gender")
    tags = []
    for value in form.getlist("tags"):
        if value.isdigit():
            tags.append(int(value))
        else:
            errors["tags"] = [_("未知标签")]
    data["tags"] = tags
    loaded = _load(PersonIn(partial=True), data, errors)
    return {k: v for k, v in loaded.items() if k in data}


def _load(schema, data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """``schema.load(data)``, with the form's own ``errors`` (kept where both name a field):
    422 naming every bad field, or the loaded values."""
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        for key, messages in exc.messages.items():
            errors.setdefault(key, messages if isinstance(messages, list) else [str(messages)])
        loaded = {}
    if errors:
        raise ApiError(422, "validation_error", _("请检查标红的项目"), errors)
    return loaded


def _choices() -> dict[str, Any]:
    grids = db.session.execute(select(Grid.id, Grid.name, Grid.level).where(
        Grid.status == GridStatus.active, visible(Grid.id, "people.edit")).order_by(Grid.path)).all()
    return {"grids": grids, "tags": db.session.scalars(select(Tag).order_by(Tag.id)).all(),
            "orgs": db.session.scalars(select(PartyOrg).order_by(PartyOrg.id)).all(),
            "genders": GENDER_LABELS, "statuses": STATUS_LABELS}


def _household_choice(household_id: int | None) -> Household | None:
    if household_id is None:
        return None
    return access.household_to_edit(household_id, "household_id")


def _values_of(person: Person, unmasked: bool) -> dict[str, Any]:
    values = {key: getattr(person, key) for key in PERSON_TEXT + PERSON_IDS + PERSON_FLAGS}
    values["status"] = person.status.value
    values["tags"] = [t.id for t in person.tags]
    if not unmasked:
        values["id_number"] = values["mobile"] = ""
    if access.identity_masked(person, unmasked):
        values["birth_date"] = values["gender"] = ""
    return values


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in values.items()}


def _render_person(person: Person | None, values: dict[str, Any], *, error: ApiError | None = None,
                   hints: dict[str, str] | None = None, household: Household | None = None):
    status = error.status if error is not None else 200
    return render_template("people/person_form.html", person=person, v=_shown(values), hints=hints or {},
                           household=household, error=error.message if error else None,
                           fields=error.fields if error else {}, **_choices()), status


@bp.route("/new", methods=["GET", "POST"])
@requires("people.edit")
def new_person():
    """Register a resident; ``?household_id=`` or ``?grid_id=`` fills in where."""
    household = _household_choice(_integer(request.args, "household_id", {}))
    if request.method == "GET":
        values: dict[str, Any] = {"status": "living", "tags": [],
                                  "grid_id": household.grid_id if household else _integer(request.args, "grid_id", {}),
                                  "household_id": household.id if household else None}
        return _render_person(None, values, household=household)
    try:
        data = _person_data(request.form, keep_sensitive=False)
        if not data.get("name"):
            raise ApiError(422, "validation_error", _("请填写姓名"), {"name": [_("请填写")]})
        access.check_person_reach(data)
        person = services.create_person(data)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return _render_person(None, _posted(request.form), error=exc, household=household)
    flash(_("已登记居民 %(name)s", name=person.name), "success")
    return redirect(url_for("people.person_page", person_id=person.id))


def _posted(form) -> dict[str, Any]:
    values = {key: form.get(key, "") for key in PERSON_TEXT + PERSON_IDS}
    values.update({key: form.get(key) in ("1", "on", "true") for key in PERSON_FLAGS})
    values["tags"] = [int(t) for t in form.getlist("tags") if t.isdigit()]
    return values


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@requires("people.edit")
def edit_person(person_id: int):
    person = access.person_or_404(person_id)
    access.require_reach(person.grid_id, "people.edit")
    if person.anonymised_at is not None:
        raise ApiError(409, "anonymised", _("该居民已匿名化，不能修改"))
    unmasked = access.may_reveal(person)
    hints = {} if unmasked else {"id_number": mask_id(person.id_number) or "", "mobile": mask_mobile(person.mobile) or ""}
    if request.method == "GET":
        if unmasked:
            access.reveal_audited([person])
        response = _render_person(person, _values_of(person, unmasked), hints=hints, household=person.household)
        db.session.commit()  # the audit entry of an unmasked read
        return response
    try:
        data = _person_data(request.form, keep_sensitive=not unmasked)
        access.check_person_reach(data, person)
        services.update_person(person, data)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        person = access.person_or_404(person_id)
        return _render_person(person, _posted(request.form), error=exc, hints=hints, household=person.household)
    flash(_("已保存"), "success")
    return redirect(url_for("people.person_page", person_id=person_id))


@bp.post("/<int:person_id>/anonymise")
@requires("people.edit")
def anonymise_person(person_id: int):
    """Erase a resident's identifying fields (PIPL), township-wide staff only; the record stays."""
    person = access.person_or_404(person_id)
    access.require_anonymiser()
    if request.form.get("confirm") != person.name:
        flash(_("请输入居民姓名以确认匿名化"), "error")
        return redirect(url_for("people.person_page", person_id=person_id))
    services.anonymise_person(g.tenant, person)
    db.session.commit()
    flash(_("已匿名化：身份信息已清除，记录保留用于统计"), "success")
    return redirect(url_for("people.person_page", person_id=person_id))


def _household_data(form, *, partial: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {key: form.get(key, "") for key in HOUSEHOLD_TEXT if key in form}
    if "grid_id" in form or not partial:
        data["grid_id"] = _integer(form, "grid_id", errors)
        if data["grid_id"] is None and "grid_id" not in errors:
            errors["grid_id"] = [_("请选择网格")]
    return _load(HouseholdIn(partial=partial), {k: v for k, v in data.items() if k not in errors}, errors)


def _render_household(household: Household | None, values: dict[str, Any], error: ApiError | None = None):
    return render_template("people/household_form.html", household=household, v=_shown(values),
                           error=error.message if error else None, fields=error.fields if error else {},
                           **_choices()), (error.status if error is not None else 200)


@bp.route("/households/new", methods=["GET", "POST"])
@requires("people.edit")
def new_household():
    if request.method == "GET":
        return _render_household(None, {"grid_id": _integer(request.args, "grid_id", {})})
    try:
        data = _household_data(request.form, partial=False)
        access.require_reach(data["grid_id"], "people.edit")
        household = services.create_household(data)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return _render_household(None, dict(request.form), exc)
    flash(_("已登记住户"), "success")
    return redirect(url_for("people.household_page", household_id=household.id))


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@requires("people.edit")
def edit_household(household_id: int):
    household = access.household_to_edit(household_id)
    if request.method == "GET":
        values = {key: getattr(household, key) or "" for key in HOUSEHOLD_TEXT + ("grid_id",)}
        values["phone"] = household.phone if access.in_reach(household.grid_id, "people.read_sensitive") else ""
        return _render_household(household, values)
    try:
        data = _household_data(request.form, partial=True)
        if not access.in_reach(household.grid_id, "people.read_sensitive") and not data.get("phone"):
            data.pop("phone", None)  # masked for this user: empty leaves it as it is
        if "grid_id" in data:
            access.require_reach(data["grid_id"], "people.edit")
        services.update_household(household, data)
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        return _render_household(access.household_or_404(household_id), dict(request.form), exc)
    flash(_("已保存"), "success")
    return redirect(url_for("people.household_page", household_id=household_id))


def _center_action(household_id: int, act) -> Any:
    """Run a party-member household change from the household page; back to it with a message."""
    from core.people import centers

    household = access.household_to_edit(household_id)
    try:
        message = act(centers, household)
        db.session.commit()
        flash(message, "success")
    except ApiError as exc:
        db.session.rollback()
        from core.auth.pages import flash_problem

        flash_problem(exc)
    return redirect(url_for("people.household_page", household_id=household_id))


@bp.post("/households/<int:household_id>/party-center")
@requires("people.edit")
def designate_center(household_id: int):
    """设为党员中心户, headed by the member chosen (``member_id``)."""
    def act(centers, household):
        centers.designate(household, _integer(request.form, "member_id", {}))
        return _("已设为党员中心户")

    return _center_action(household_id, act)


@bp.post("/households/<int:household_id>/party-center/remove")
@requires("people.edit")
def dissolve_center(household_id: int):
    def act(centers, household):
        centers.dissolve(centers.center_or_404(household))
        return _("已取消党员中心户")

    return _center_action(household_id, act)


@bp.post("/households/<int:household_id>/party-center/links")
@requires("people.edit")
def link_center(household_id: int):
    """添加联系户 by its household number (the id on its page)."""
    def act(centers, household):
        center = centers.center_or_404(household)
        other = access.household_in_edit_reach(_integer(request.form, "household_id", {}))
        centers.link(center, other)
        return _("已添加联系户 %(address)s", address=other.address)

    return _center_action(household_id, act)


@bp.post("/households/<int:household_id>/party-center/links/<int:linked_id>/remove")
@requires("people.edit")
def unlink_center(household_id: int, linked_id: int):
    def act(centers, household):
        centers.unlink(centers.center_or_404(household), linked_id)
        return _("已解除联系户")

    return _center_action(household_id, act)
