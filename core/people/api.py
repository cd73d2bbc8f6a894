"""People API (人员接口) under ``/api/v1/t/<tenant>/``: thin views over search, services and stats."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from core.api import CappedPage, doc, int_arg, load, page_args
from core.auth import requires
from core.db import db
from core.errors import ApiError
from core.grid.models import Grid
from core.grid.schemas import COUNTS, FIRST_LEVEL_STATS
from core.grid.scope import visible
from core.people import access, centers, services, shapes
from core.people.models import Household, Person, Tag
from core.people.schemas import HouseholdIn, PartyCenterIn, PartyCenterLinkIn, PersonIn, TagIn
from core.people.search import people_order, people_query
from core.people.stats import stats_by_first_level, subtree_stats
from core.replica import reads_replica
from flask_babel import gettext as _

bp = Blueprint("people_api", __name__, url_prefix="/api/v1/t/<tenant>")


def _page_of(stmt, render):
    """A page of residents or households, the total counted up to LIST_COUNT_CAP ("1,000+")."""
    number, per_page = page_args()
    found = CappedPage(stmt, number, per_page)
    return found.answer(render(found.items))


@bp.get("/people")
@requires("people.read")
@doc("List and search residents (name, pinyin, ID number, phone, tag, grid subtree)", tags=["people"],
     query={"q": "string", "name": "string", "id_number": "string", "mobile": "string",
            "gender": ["male", "female"], "grid_id": "id", "household_id": "id", "tag": "string",
            "party": "flag", "party_away": "flag", "status": "string", "reveal": "flag"}, paged=True,
     response_schema=shapes.PERSON)
def list_people():
    stmt = people_query(request.args).order_by(people_order(request.args))
    reveal = request.args.get("reveal") == "1"

    def render(items):
        shown = access.reveal_audited(items) if reveal else set()
        return [access.person_dict(p, unmasked=p.id in shown) for p in items]

    body = _page_of(stmt, render)
    if reveal:
        db.session.commit()
    return jsonify(body)


@bp.post("/people")
@requires("people.edit")
@doc("Register a resident", request_schema=PersonIn, tags=["people"], status=201)
def create_person():
    data = load(PersonIn)
    access.check_person_reach(data)
    person = services.create_person(data)
    db.session.commit()
    return jsonify(_detail(person)), 201


def _detail(person: Person) -> dict:
    unmasked = bool(access.reveal_audited([person])) if request.args.get("masked") != "1" else False
    body = access.person_dict(person, unmasked=unmasked, detail=True)
    body["household"] = access.household_dict(person.household, unmasked) if person.household else None
    return body


@bp.get("/people/<int:person_id>")
@requires("people.read")
@doc("A resident; ID number and phone unmasked (and audited) for holders of people.read_sensitive", tags=["people"],
     query={"masked": "flag"}, response_schema=shapes.PERSON_DETAIL)
def get_person(person_id):
    body = _detail(access.person_or_404(person_id))
    db.session.commit()
    return jsonify(body)


@bp.patch("/people/<int:person_id>")
@requires("people.edit")
@doc("Change a resident (status moved_out or deceased instead of deleting)", request_schema=PersonIn, tags=["people"])
def update_person(person_id):
    person = access.person_or_404(person_id)
    data = load(PersonIn, partial=True)
    data = {k: v for k, v in data.items() if k in (request.get_json(silent=True) or {})}
    access.check_person_reach(data, person)
    services.update_person(person, data)
    db.session.commit()
    return jsonify(_detail(person))


@bp.post("/people/<int:person_id>/anonymise")
@requires("people.edit")
@doc("Anonymise a resident (PIPL): identifying fields erased in every module, row kept", tags=["people"])
def anonymise(person_id):
    person = access.person_or_404(person_id)
    access.require_anonymiser()
    services.anonymise_person(g.tenant, person)
    db.session.commit()
    return jsonify(access.person_dict(person, detail=True))


@bp.get("/people/<int:person_id>/data-export")
@requires("people.export")
@doc("Everything every module holds about a resident (PIPL access request)", tags=["people"],
     response_schema=shapes.PERSON_DATA_EXPORT)
def data_export(person_id):
    from core.people.privacy import gather_person_data

    person = access.person_or_404(person_id)
    if not access.may_reveal(person):
        raise ApiError(403, "forbidden", _("缺少权限 people.read_sensitive"))
    body = gather_person_data(g.tenant, person)
    db.session.commit()
    return jsonify(body)


@bp.get("/households")
@requires("people.read")
@doc("List households (filters: grid_id subtree, q address or head)", tags=["people"],
     query={"grid_id": "id", "q": "string"}, paged=True, response_schema=shapes.HOUSEHOLD)
def list_households():
    from core.grid.scope import subtree_condition

    stmt = select(Household).where(visible(Household.grid_id, "people.read"))
    grid_id = int_arg("grid_id")
    if grid_id is not None:
        stmt = stmt.where(subtree_condition(Household.grid_id, [grid_id]))
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(Household.address.contains(q, autoescape=True) | Household.head_name.contains(q, autoescape=True))
    return jsonify(_page_of(stmt.order_by(Household.id), lambda items: [access.household_dict(h) for h in items]))


@bp.post("/households")
@requires("people.edit")
@doc("Create a household", request_schema=HouseholdIn, tags=["people"], status=201)
def create_household():
    data = load(HouseholdIn)
    access.require_reach(data["grid_id"], "people.edit")
    household = services.create_household(data)
    db.session.commit()
    return jsonify(access.household_dict(household)), 201


@bp.get("/households/<int:household_id>")
@requires("people.read")
@doc("A household and its members", tags=["people"], response_schema=shapes.HOUSEHOLD_DETAIL)
def get_household(household_id):
    household = access.household_or_404(household_id)
    members = db.session.scalars(select(Person).where(Person.household_id == household.id).order_by(Person.id)).all()
    body = access.household_dict(household)
    body["members"] = [access.person_dict(p) for p in members]
    center = centers.center_of(household)
    body["party_center"] = centers.center_dict(center) if center is not None else None
    body["linked_center"] = centers.linked_center(household)
    return jsonify(body)


@bp.post("/households/<int:household_id>/party-center")
@requires("people.edit")
@doc("Name the household a party-member household, headed by a party member living in it",
     request_schema=PartyCenterIn, tags=["people"], status=201)
def create_party_center(household_id):
    household = access.household_to_edit(household_id, "household_id")
    center = centers.designate(household, load(PartyCenterIn)["member_id"])
    db.session.commit()
    return jsonify(centers.center_dict(center)), 201


@bp.delete("/households/<int:household_id>/party-center")
@requires("people.edit")
@doc("No longer a party-member household (its linked households are released)", tags=["people"])
def delete_party_center(household_id):
    centers.dissolve(centers.center_or_404(access.household_to_edit(household_id, "household_id")))
    db.session.commit()
    return jsonify({"ok": True})


@bp.post("/households/<int:household_id>/party-center/links")
@requires("people.edit")
@doc("Link a household to this party-member household; each household has one centre at most",
     request_schema=PartyCenterLinkIn, tags=["people"], status=201)
def link_party_center(household_id):
    center = centers.center_or_404(access.household_to_edit(household_id, "household_id"))
    centers.link(center, access.household_in_edit_reach(load(PartyCenterLinkIn)["household_id"]))
    db.session.commit()
    return jsonify(centers.center_dict(center)), 201


@bp.delete("/households/<int:household_id>/party-center/links/<int:linked_id>")
@requires("people.edit")
@doc("Unlink a household from this party-member household", tags=["people"])
def unlink_party_center(household_id, linked_id):
    center = centers.center_or_404(access.household_to_edit(household_id, "household_id"))
    centers.unlink(center, linked_id)
    db.session.commit()
    return jsonify(centers.center_dict(center))


@bp.patch("/households/<int:household_id>")
@requires("people.edit")
@doc("Change a household (moving it moves its members)", request_schema=HouseholdIn, tags=["people"])
def update_household(household_id):
    household = access.household_to_edit(household_id)
    data = load(HouseholdIn, partial=True)
    data = {k: v for k, v in data.items() if k in (request.get_json(silent=True) or {})}
    if "grid_id" in data:
        access.require_reach(data["grid_id"], "people.edit")
    services.update_household(household, data)
    db.session.commit()
    return jsonify(access.household_dict(household))


@bp.get("/people/tags")
@requires("people.read")
@doc("Special-group tags of the township", tags=["people"], response_schema=shapes.TAG, many=True)
def list_tags():
    tags = db.session.scalars(select(Tag).order_by(Tag.id)).all()
    return jsonify([{"id": t.id, "name": t.name, "code": t.code, "builtin": t.builtin} for t in tags])


@bp.post("/people/tags")
@requires("people.edit")
@doc("Add a township's own tag", request_schema=TagIn, tags=["people"], status=201)
def create_tag():
    if not access.township_wide("people.edit"):
        raise ApiError(403, "forbidden", _("标签须由乡镇级人员添加"))
    tag = services.create_tag(load(TagIn)["name"])
    db.session.commit()
    return jsonify({"id": tag.id, "name": tag.name, "code": tag.code, "builtin": tag.builtin}), 201


@bp.get("/people/stats")
@reads_replica
@requires("people.read")
@doc("Households, residents, party members and special groups over a grid subtree", tags=["people"],
     response_schema=COUNTS,
     query={"grid_id": "id"})
def stats():
    grid_id = int_arg("grid_id")
    if grid_id is not None:
        if db.session.get(Grid, grid_id) is None or not access.in_reach(grid_id, "people.read"):
            raise ApiError(404)
        return jsonify(subtree_stats(g.tenant, grid_id))
    if access.reach_ids("people.read") is not None:
        raise ApiError(403, "forbidden", _("请指定您管辖的网格"), {"grid_id": [_("请指定网格")]})
    return jsonify(subtree_stats(g.tenant, None))


@bp.get("/people/stats/first-level")
@reads_replica
@requires("people.read")
@doc("The same numbers per first-level grid", tags=["people"], response_schema=FIRST_LEVEL_STATS)
def stats_first_level():
    if access.reach_ids("people.read") is not None:
        raise ApiError(403, "forbidden", _("仅乡镇级人员可查看全乡镇统计"))
    return jsonify(stats_by_first_level(g.tenant))
