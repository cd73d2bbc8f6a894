"""Console pages for the registers (调解室、调解员、村民说事): lists with forms, re-shown with the
reasons beside the fields when refused."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from core.toolkit import ApiError, Grid, GridStatus, db, gettext as _, requires, visible
from plugins.mediation import meetings as meeting_service
from plugins.mediation import rooms as register
from plugins.mediation import services
from plugins.mediation.api_register import meeting_dict, meeting_or_404, topic_or_404
from plugins.mediation.models import BACKGROUNDS, DISPUTE_TYPES, PARTY_ROLES, TOPIC_STATES, URGENCIES, Meeting
from plugins.mediation.pages import errors_of, kept
from plugins.mediation.permissions import INTAKE, MANAGE, MEETINGS, can_manage, can_record_meeting
from plugins.mediation.schemas import MediatorIn, MeetingIn, RoomIn, TopicCaseIn, TopicIn, TopicPatch

bp = Blueprint("mediation_register_pages", __name__, url_prefix="/t/<tenant>/mediation", template_folder="templates")
WORDS = dict(backgrounds=BACKGROUNDS, types=DISPUTE_TYPES, topic_states=TOPIC_STATES, urgencies=URGENCIES,
             roles=PARTY_ROLES)


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"}


def _grids(permission: str):
    stmt = select(Grid).where(Grid.status == GridStatus.active).order_by(Grid.path)
    if not can_manage():
        stmt = stmt.where(visible(Grid.id, permission))
    return db.session.scalars(stmt).all()


def _rooms_page(errors=None, values=None, status=200):
    return render_template("mediation/rooms.html", rooms=register.all_rooms(), mediators=register.all_mediators(),
                           grids=_grids(MANAGE), errors=errors or {}, values=values or {}, **WORDS), status


@bp.route("/rooms", methods=["GET", "POST"])
@requires(MANAGE)
def rooms():
    if request.method == "GET":
        return _rooms_page()
    form = _form()
    data = {k: form[k] for k in ("name", "address", "hours", "phone") if k in form}
    data["grid_ids"] = request.form.getlist("grid_ids")
    try:
        room = register.save_room(g.tenant, RoomIn().load(data))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("未能登记调解室，请按提示修改"), "error")
        return _rooms_page({f"room.{k}": v for k, v in errors_of(exc).items()},
                           kept("room"), 422)
    flash(_("已登记调解室 %(name)s", name=room.name), "ok")
    return redirect(url_for(".rooms"))


@bp.post("/mediators")
@requires(MANAGE)
def mediators():
    form = _form()
    data = {k: form[k] for k in ("person_id", "name", "phone", "background", "username") if k in form}
    data["specialities"] = request.form.getlist("specialities")
    data["room_ids"] = request.form.getlist("room_ids")
    try:
        mediator = register.save_mediator(g.tenant, MediatorIn().load(data))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("未能登记调解员，请按提示修改"), "error")
        return _rooms_page({f"mediator.{k}": v for k, v in errors_of(exc).items()},
                           kept("mediator"), 422)
    flash(_("已登记调解员 %(name)s", name=mediator.name), "ok")
    return redirect(url_for(".rooms"))


def _meetings_page(errors=None, values=None, status=200):
    stmt = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(100)
    if not can_manage():
        stmt = stmt.where(visible(Meeting.grid_id, MEETINGS))
    rows = [meeting_dict(m) for m in db.session.scalars(stmt)]
    return render_template("mediation/meetings.html", rows=rows, grids=_grids(MEETINGS), errors=errors or {},
                           values=values or {}, **WORDS), status


@bp.route("/meetings", methods=["GET", "POST"])
@requires(MEETINGS)
def meetings():
    if request.method == "GET":
        return _meetings_page()
    form = _form()
    data = {k: form[k] for k in ("grid_id", "held_on", "place", "host", "attendees", "attendee_count") if k in form}
    data["topics"] = [{"title": t.strip()[:200]} for t in (request.form.get("topics") or "").splitlines() if t.strip()]
    try:
        loaded = MeetingIn().load(data)
        grid = services.active_grid(loaded.pop("grid_id"))
        if not can_record_meeting(grid):
            raise ApiError(403, "forbidden", _("只能记录自己负责网格的村民说事"), {"grid_id": [_("不在您的范围内")]})
        meeting = meeting_service.create_meeting(g.tenant, grid, loaded)
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("未能保存，请按提示修改"), "error")
        return _meetings_page(errors_of(exc), kept(), 422)
    return redirect(url_for(".meeting", meeting_id=meeting.id))


def _meeting_page(meeting, errors=None, values=None, status=200):
    from plugins.mediation.rooms import all_rooms

    return render_template("mediation/meeting.html", m=meeting_dict(meeting), meeting=meeting, errors=errors or {},
                           values=values or {}, rooms=all_rooms(active_only=True),
                           may_take_in=g.access.can(INTAKE), **WORDS), status


@bp.get("/meetings/<int:meeting_id>")
@requires(MEETINGS)
def meeting(meeting_id: int):
    return _meeting_page(meeting_or_404(meeting_id))


@bp.post("/meetings/<int:meeting_id>/topics")
@requires(MEETINGS)
def add_topic(meeting_id: int):
    meeting = meeting_or_404(meeting_id)
    try:
        meeting_service.add_topic(g.tenant, meeting, TopicIn().load(_form()))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("未能增加议题，请按提示修改"), "error")
        return _meeting_page(meeting_or_404(meeting_id), {f"topic.{k}": v for k, v in errors_of(exc).items()},
                             kept("topic"), 422)
    return redirect(url_for(".meeting", meeting_id=meeting_id))


@bp.post("/topics/<int:topic_id>/<any(update,case,incident):what>")
@requires(MEETINGS)
def topic_action(topic_id: int, what: str):
    from plugins.mediation.api import intake

    topic, meeting = topic_or_404(topic_id)
    form = _form()
    try:
        if what == "update":
            meeting_service.update_topic(g.tenant, topic, TopicPatch().load(
                {k: form[k] for k in ("decision", "owner", "state") if k in form}))
        elif what == "case":
            if not g.access.can(INTAKE):
                raise ApiError(403, "forbidden", _("缺少登记纠纷的权限"))
            data = {k: form[k] for k in ("room_id", "dispute_type", "summary", "urgency") if k in form}
            data["parties"] = [{k: form[f"p{i}_{k}"] for k in ("person_id", "name", "phone") if form.get(f"p{i}_{k}")}
                               | {"role": "applicant" if i == 0 else "respondent"}
                               for i in range(2) if form.get(f"p{i}_name") or form.get(f"p{i}_person_id")]
            meeting_service.topic_to_case(g.tenant, topic, meeting, TopicCaseIn().load(data), intake)
        else:
            meeting_service.topic_to_incident(g.tenant, topic, meeting, form.get("category_code"))
        db.session.commit()
    except (ValidationError, ApiError) as exc:
        db.session.rollback()
        flash(_("议题未能处理，请按提示修改"), "error")
        return _meeting_page(meeting_or_404(meeting.id), {f"t{topic_id}.{k}": v for k, v in errors_of(exc).items()},
                             kept(f"t{topic_id}"), 409 if getattr(exc, "status", 422) == 409 else 422)
    flash(_("已保存"), "ok")
    return redirect(url_for(".meeting", meeting_id=meeting.id))
