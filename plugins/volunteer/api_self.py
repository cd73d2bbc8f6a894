"""The volunteer's own API (志愿者本人), under ``/api/v1/t/<tenant>/volunteer/me``.

Volunteers have no account: they are known by their personal token, sent as the
``X-Volunteer-Token`` header (scripts, the benchmark) or as the cookie their personal link set on
their phone. These routes are ``@public`` for the account guard and refuse with 401
``volunteer_unknown`` without a valid token. They take JSON only, so a cross-site form cannot
post them with the cookie (a JSON post from another origin needs a CORS pre-flight, which is
never granted).
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from core.toolkit import db, doc, json_body, load, public, reads_first
from plugins.volunteer import activities, attendance, menu, records
from plugins.volunteer.models import Order, Signup
from plugins.volunteer.schemas import (AttendanceOut, DoneIn, OrderOut, ScanIn, SelfSignupIn, SignupOut, VolunteerOut)
from plugins.volunteer.web import current_volunteer

bp = Blueprint("volunteer_me", __name__, url_prefix="/api/v1/t/<tenant>/volunteer/me")
TAGS = ["volunteer"]


@bp.get("")
@public
@doc("My registration, places and hours; X-Volunteer-Token", response_schema=VolunteerOut, tags=TAGS)
def me():
    volunteer = current_volunteer()
    signups = db.session.scalars(select(Signup).where(Signup.volunteer_id == volunteer.id,
                                                      Signup.status.in_(activities.LIVE)).order_by(Signup.id))
    total = records.totals(volunteer_ids=[volunteer.id])
    return jsonify({**VolunteerOut().dump(volunteer), "signups": SignupOut(many=True).dump(signups),
                    "hours": total[0]["hours"] if total else 0.0})


@bp.post("/signups")
@public
@doc("Sign myself up for an activity; full → 409 unless waitlist", request_schema=SelfSignupIn,
     response_schema=SignupOut, tags=TAGS, status=201)
def sign_up():
    volunteer = current_volunteer()
    data = load(SelfSignupIn, json_body())
    signup = activities.sign_up(g.tenant, activities.get_activity(data["activity_id"]), volunteer,
                                waitlist=data["waitlist"])
    body = SignupOut().dump(signup)
    db.session.commit()
    return jsonify(body), 201


@bp.delete("/signups/<int:activity_id>")
@public
@doc("Cancel my place before the cut-off; the first waiting volunteer moves up", response_schema=SignupOut, tags=TAGS)
def cancel(activity_id: int):
    volunteer = current_volunteer()
    signup = activities.cancel_signup(g.tenant, activities.get_activity(activity_id), volunteer)
    body = SignupOut().dump(signup)
    db.session.commit()
    return jsonify(body)


@bp.post("/scan")
@public
@doc("Scan the leader's check-in code: signs in, or out when already in", request_schema=ScanIn,
     response_schema=AttendanceOut, tags=TAGS)
@reads_first
def scan():
    volunteer = current_volunteer()
    data = load(ScanIn, json_body())
    done, row = attendance.scan(g.tenant, data["code"], volunteer, data["action"])  # commits its write
    return jsonify({**AttendanceOut().dump(row), "done": done}), 201 if done == "in" else 200


@bp.get("/orders")
@public
@doc("Open service orders I may claim, and mine", response_schema=OrderOut, items=True, tags=TAGS)
def orders():
    volunteer = current_volunteer()
    rows = db.session.scalars(select(Order).where((Order.status == "open") | (Order.volunteer_id == volunteer.id))
                              .order_by(Order.id.desc()).limit(100))
    return jsonify({"items": OrderOut(many=True).dump(rows)})


@bp.post("/orders/<int:order_id>/claim")
@public
@doc("Claim an order; claimed already → 409", response_schema=OrderOut, tags=TAGS)
def claim(order_id: int):
    volunteer = current_volunteer()
    order = menu.claim(g.tenant, menu.get_order(order_id), volunteer)
    body = OrderOut().dump(order)
    db.session.commit()
    return jsonify(body)


@bp.post("/orders/<int:order_id>/done")
@public
@doc("Report my claimed order done, with its hours", request_schema=DoneIn, response_schema=OrderOut, tags=TAGS)
def done(order_id: int):
    volunteer = current_volunteer()
    data = load(DoneIn, json_body())
    order = menu.mark_done(g.tenant, menu.get_order(order_id), volunteer, data["hours"], data["note"])
    body = OrderOut().dump(order)
    db.session.commit()
    return jsonify(body)

