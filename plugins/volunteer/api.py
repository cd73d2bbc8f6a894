"""The volunteer REST API (志愿服务接口) under ``/api/v1/t/<tenant>/volunteer``: registrations,
posts, teams, activities and sign-ups, check-in codes and attendance. Views load → check → call
a service → commit. The menu and orders are in ``api_menu.py``, the volunteer's own calls in
``api_self.py``, the county's units in ``api_county.py``."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import ApiError, db, doc, load, page, requires
from plugins.volunteer import activities, attendance, posts, registration
from plugins.volunteer.models import Activity, Attendance, Volunteer
from plugins.volunteer.permissions import LEAD, MANAGE, REGISTER, VIEW, can_manage, require_lead
from plugins.volunteer.schemas import (ActivityIn, ActivityOut, ActivityPatch, AttendanceOut, CorrectionIn,
                                       LeaderCheckinIn, PostIn, PostOut, PostPatch, RejectIn, SignupIn, SignupOut,
                                       TeamIn, TeamOut, VolunteerFullOut, VolunteerIn, VolunteerOut,
                                       VolunteerPatch)
from plugins.volunteer.web import grid_by_id, payload, volunteer_by_id
from core.toolkit import gettext as _

bp = Blueprint("volunteer", __name__, url_prefix="/api/v1/t/<tenant>/volunteer")
TAGS = ["volunteer"]


def _schema():
    return VolunteerFullOut if can_manage() else VolunteerOut


def _volunteer_out(row, **extra):
    body = _schema()().dump(row)
    body["post_ids"] = registration.post_ids_of(row)
    return {**body, **extra}


@bp.get("/volunteers")
@requires(VIEW)
@doc("Registered volunteers; ?status=, ?unit_id=, ?party=1", response_schema=VolunteerOut, paged=True,
     tags=TAGS,
     query={"party": "flag", "status": "string", "unit_id": "id"})
def list_volunteers():
    stmt = select(Volunteer)
    if request.args.get("status"):
        stmt = stmt.where(Volunteer.status == request.args["status"])
    if request.args.get("party") == "1":
        stmt = stmt.where(Volunteer.is_party_member.is_(True))
    if request.args.get("unit_id", "").isdigit():
        stmt = stmt.where(Volunteer.unit_id == int(request.args["unit_id"]))
    if not can_manage():
        return page(VolunteerOut(many=True), stmt, order_by=Volunteer.id.desc())
    answer = page(VolunteerFullOut(many=True), stmt, order_by=Volunteer.id.desc())
    ids = [item["id"] for item in answer.get_json()["items"]]
    registration.reveal(db.session.scalars(select(Volunteer).where(Volunteer.id.in_(ids))))
    db.session.commit()
    return answer


@bp.post("/volunteers")
@requires(REGISTER)
@doc("Register a volunteer: a resident (person_id) or an outsider", request_schema=VolunteerIn,
     response_schema=VolunteerOut, tags=TAGS, status=201)
def register():
    data = load(VolunteerIn, payload())
    confirm = data.pop("confirm")
    if confirm and not can_manage():
        raise ApiError(403, "forbidden", _("只有志愿服务管理员可以直接确认"))
    if data.get("grid_id") is not None:
        grid_by_id(data["grid_id"])
    volunteer = registration.register(g.tenant, data)
    token = registration.confirm_volunteer(g.tenant, volunteer) if confirm else None
    body = _volunteer_out(volunteer, **({"token": token} if token else {}))
    db.session.commit()
    return jsonify(body), 201


@bp.get("/volunteers/<int:volunteer_id>")
@requires(VIEW)
@doc("A volunteer", response_schema=VolunteerOut, tags=TAGS)
def show_volunteer(volunteer_id: int):
    row = registration.get_volunteer(volunteer_id)
    body = _volunteer_out(row)
    if can_manage():
        registration.reveal([row])
        db.session.commit()
    return jsonify(body)


@bp.patch("/volunteers/<int:volunteer_id>")
@requires(MANAGE)
@doc("Change a volunteer's unit, skills, availability, posts", request_schema=VolunteerPatch,
     response_schema=VolunteerOut, tags=TAGS)
def update_volunteer(volunteer_id: int):
    volunteer = registration.get_volunteer(volunteer_id)
    data = load(VolunteerPatch, payload())
    if data.get("grid_id") is not None:
        grid_by_id(data["grid_id"])
    registration.update(g.tenant, volunteer, data)
    body = _volunteer_out(volunteer)
    db.session.commit()
    return jsonify(body)


@bp.post("/volunteers/<int:volunteer_id>/confirm")
@requires(MANAGE)
@doc("Confirm a registration; answers the personal link's token once (null: they registered on "
     "their own phone, which holds it)", response_schema=VolunteerOut,
     tags=TAGS)
def confirm_volunteer(volunteer_id: int):
    volunteer = registration.get_volunteer(volunteer_id)
    token = registration.confirm_volunteer(g.tenant, volunteer)
    body = _volunteer_out(volunteer, token=token)
    db.session.commit()
    return jsonify(body)


@bp.post("/volunteers/<int:volunteer_id>/reject")
@requires(MANAGE)
@doc("Turn a registration down, with the reason", request_schema=RejectIn, response_schema=VolunteerOut, tags=TAGS)
def reject_volunteer(volunteer_id: int):
    volunteer = registration.get_volunteer(volunteer_id)
    registration.reject_volunteer(g.tenant, volunteer, load(RejectIn, payload())["reason"])
    body = _volunteer_out(volunteer)
    db.session.commit()
    return jsonify(body)


@bp.post("/volunteers/<int:volunteer_id>/withdraw")
@requires(MANAGE)
@doc("A volunteer leaves; hours served stay", response_schema=VolunteerOut, tags=TAGS)
def withdraw_volunteer(volunteer_id: int):
    volunteer = registration.get_volunteer(volunteer_id)
    registration.withdraw(g.tenant, volunteer)
    body = _volunteer_out(volunteer)
    db.session.commit()
    return jsonify(body)


@bp.get("/posts")
@requires(VIEW)
@doc("Posts", response_schema=PostOut, items=True, tags=TAGS)
def list_posts():
    return jsonify({"items": PostOut(many=True).dump(posts.posts())})


@bp.post("/posts")
@requires(MANAGE)
@doc("Add a post", request_schema=PostIn, response_schema=PostOut, tags=TAGS, status=201)
def add_post():
    post = posts.save_post(None, load(PostIn, payload()))
    return _commit(PostOut, post, 201)


@bp.patch("/posts/<int:post_id>")
@requires(MANAGE)
@doc("Change or retire a post", request_schema=PostPatch, response_schema=PostOut, tags=TAGS)
def change_post(post_id: int):
    post = posts.get_post(post_id)
    posts.save_post(post, load(PostPatch, payload()), g.tenant)
    return _commit(PostOut, post)


@bp.get("/teams")
@requires(VIEW)
@doc("Teams with leader and members", response_schema=TeamOut, items=True, tags=TAGS)
def list_teams():
    return jsonify({"items": [{**TeamOut().dump(t), "member_ids": posts.members_of(t)} for t in posts.teams()]})


@bp.post("/teams")
@requires(MANAGE)
@doc("Form a team", request_schema=TeamIn, response_schema=TeamOut, tags=TAGS, status=201)
def add_team():
    team = posts.save_team(None, load(TeamIn, payload()))
    body = {**TeamOut().dump(team), "member_ids": posts.members_of(team)}
    db.session.commit()
    return jsonify(body), 201


@bp.patch("/teams/<int:team_id>")
@requires(MANAGE)
@doc("Change a team, its leader or members", request_schema=TeamIn, response_schema=TeamOut, tags=TAGS)
def change_team(team_id: int):
    team = posts.get_team(team_id)
    posts.save_team(team, load(TeamIn, payload(), partial=True))
    body = {**TeamOut().dump(team), "member_ids": posts.members_of(team)}
    db.session.commit()
    return jsonify(body)


def _commit(schema, obj, status: int = 200):
    body = schema().dump(obj)
    db.session.commit()
    return jsonify(body), status


@bp.get("/activities")
@requires(VIEW)
@doc("Activities, newest first; ?status=, ?post_id=", response_schema=ActivityOut, paged=True, tags=TAGS,
     query={"post_id": "id", "status": "string"})
def list_activities():
    stmt = select(Activity)
    if request.args.get("status"):
        stmt = stmt.where(Activity.status == request.args["status"])
    if request.args.get("post_id", "").isdigit():
        stmt = stmt.where(Activity.post_id == int(request.args["post_id"]))
    return page(ActivityOut, stmt, order_by=Activity.starts_at.desc())


@bp.post("/activities")
@requires(MANAGE)
@doc("Publish an activity (times in Beijing time)", request_schema=ActivityIn, response_schema=ActivityOut, tags=TAGS,
     status=201)
def add_activity():
    data = load(ActivityIn, payload())
    grid_by_id(data["grid_id"])
    activity = activities.create_activity(g.tenant, data, current_user.id)
    return _commit(ActivityOut, activity, 201)


@bp.get("/activities/<int:activity_id>")
@requires(VIEW)
@doc("An activity with its sign-ups", response_schema=ActivityOut, tags=TAGS)
def show_activity(activity_id: int):
    activity = activities.get_activity(activity_id)
    body = ActivityOut().dump(activity)
    body["signups"] = SignupOut(many=True).dump(activities.signups_of(activity))
    return jsonify(body)


@bp.patch("/activities/<int:activity_id>")
@requires(MANAGE)
@doc("Change an activity (more slots move the waiting list up)", request_schema=ActivityPatch,
     response_schema=ActivityOut, tags=TAGS)
def change_activity(activity_id: int):
    activity = activities.get_activity(activity_id)
    activities.update_activity(g.tenant, activity, load(ActivityPatch, payload()))
    return _commit(ActivityOut, activity)


@bp.post("/activities/<int:activity_id>/cancel")
@requires(MANAGE)
@doc("Cancel an activity", response_schema=ActivityOut, tags=TAGS)
def cancel_activity(activity_id: int):
    activity = activities.get_activity(activity_id)
    activities.cancel_activity(g.tenant, activity)
    return _commit(ActivityOut, activity)


@bp.post("/activities/<int:activity_id>/signups")
@requires(REGISTER)
@doc("Sign a volunteer up; full → 409 unless waitlist", request_schema=SignupIn, response_schema=SignupOut,
     tags=TAGS, status=201)
def sign_up(activity_id: int):
    activity = activities.get_activity(activity_id)
    data = load(SignupIn, payload())
    signup = activities.sign_up(g.tenant, activity, volunteer_by_id(data["volunteer_id"]), waitlist=data["waitlist"])
    return _commit(SignupOut, signup, 201)


@bp.delete("/activities/<int:activity_id>/signups/<int:volunteer_id>")
@requires(LEAD)
@doc("Cancel a volunteer's place (the leader or the office, also after the cut-off)", response_schema=SignupOut,
     tags=TAGS)
def cancel_signup(activity_id: int, volunteer_id: int):
    activity = activities.get_activity(activity_id)
    require_lead(activity)
    signup = activities.cancel_signup(g.tenant, activity, volunteer_by_id(volunteer_id), by_office=True)
    return _commit(SignupOut, signup)


@bp.get("/activities/<int:activity_id>/code")
@requires(LEAD)
@doc("The current check-in code and the URL to put in the QR code; changes every minute", tags=TAGS)
def checkin_code(activity_id: int):
    from flask import url_for

    activity = activities.get_activity(activity_id)
    require_lead(activity)
    code = attendance.issue_code(g.tenant, activity)
    code["url"] = url_for("volunteer_self.scan_page", tenant=g.tenant.slug, c=code["code"], _external=True)
    return jsonify(code), 200, {"Cache-Control": "no-store"}


@bp.get("/activities/<int:activity_id>/attendance")
@requires(VIEW)
@doc("Check-ins and check-outs of an activity", response_schema=AttendanceOut, items=True, tags=TAGS)
def list_attendance(activity_id: int):
    activity = activities.get_activity(activity_id)
    rows = db.session.scalars(select(Attendance).where(Attendance.activity_id == activity.id).order_by(Attendance.id))
    return jsonify({"items": AttendanceOut(many=True).dump(rows)})


@bp.post("/activities/<int:activity_id>/attendance")
@requires(LEAD)
@doc("The leader signs someone in by hand, with a reason", request_schema=LeaderCheckinIn,
     response_schema=AttendanceOut, tags=TAGS, status=201)
def leader_checkin(activity_id: int):
    activity = activities.get_activity(activity_id)
    require_lead(activity)
    data = load(LeaderCheckinIn, payload())
    volunteer = volunteer_by_id(data.pop("volunteer_id"))
    row = attendance.record_by_leader(g.tenant, activity, volunteer, data, current_user.id)
    return _commit(AttendanceOut, row, 201)


@bp.patch("/attendance/<int:attendance_id>")
@requires(LEAD)
@doc("Correct check-in/out times with a reason (audited)", request_schema=CorrectionIn,
     response_schema=AttendanceOut, tags=TAGS)
def correct_attendance(attendance_id: int):
    row = db.session.get(Attendance, attendance_id)
    if row is None:
        raise ApiError(404, "not_found", _("签到记录不存在"))
    require_lead(row.activity)
    data = load(CorrectionIn, payload())
    attendance.correct(g.tenant, row, data, current_user.id)
    return _commit(AttendanceOut, row)


@bp.get("/attendance/missing")
@requires(LEAD)
@doc("Check-ins without check-out after the activity ended, for the leader", response_schema=AttendanceOut,
     items=True, tags=TAGS)
def missing():
    rows = attendance.missing_checkouts()
    if not can_manage():
        rows = [r for r in rows if r.activity.leader_user_id == current_user.id]
    return jsonify({"items": AttendanceOut(many=True).dump(rows)})

