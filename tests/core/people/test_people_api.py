"""The people API: registering, validation, masking with audited reveals, search, reach."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.db import db
from core.models import AuditEntry
from core.people.models import Person
from core.tenancy import tenant_context

from .conftest import grid_of, new_id


def base(town):
    return f"/api/v1/t/{town.slug}"


def test_register_person_derives_birth_and_gender_and_pinyin(town, admin, api_as):
    api = api_as(admin)
    number = new_id(dt.date(1975, 3, 9), "female")
    resp = api.post(f"{base(town)}/people", json={"name": "张三", "id_number": number, "mobile": "13812345678",
                                                   "grid_id": town.grids["东一网格"], "tags": ["独居老人"]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["birth_date"] == "1975-03-09" and body["gender"] == "female"
    assert body["id_number"] == number and not body["masked"]  # township admin reads sensitive
    assert [t["name"] for t in body["tags"]] == ["独居老人"]
    with tenant_context(town):
        person = db.session.get(Person, body["id"])
        assert (person.name_initials, person.name_pinyin) == ("zs", "zhangsan")


def test_bad_input_is_422_naming_the_field_and_saves_nothing(town, admin, api_as):
    api = api_as(admin)
    url = f"{base(town)}/people"
    cases = [
        ({"name": "李四", "id_number": "110105194912310021", "grid_id": town.grids["东村"]}, "id_number"),
        ({"name": "李四", "mobile": "12345", "grid_id": town.grids["东村"]}, "mobile"),
        ({"name": "李四", "birth_date": "1990-13-01", "grid_id": town.grids["东村"]}, "birth_date"),
        ({"name": "李四", "grid_id": 999999}, "grid_id"),
        ({"name": "", "grid_id": town.grids["东村"]}, "name"),
        ({"name": "李四", "grid_id": town.grids["东村"], "tags": ["不存在的标签"]}, "tags"),
        ({"name": "李四", "grid_id": town.grids["东村"], "id_number": new_id(dt.date(1980, 1, 1)),
          "birth_date": "1981-01-01"}, "birth_date"),
        ({"name": "李四", "grid_id": town.grids["东村"], "tenant_id": 1}, "tenant_id"),
        ({"name": "李四", "grid_id": town.grids["东村"], "party_org_id": 99999999}, "party_org_id"),
        ({"name": "李四", "grid_id": town.grids["东村"], "status": "dead"}, "status"),
    ]
    for payload, field in cases:
        resp = api.post(url, json=payload)
        assert resp.status_code == 422, (payload, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (field, resp.get_json())
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_id_number_unique_within_tenant_only(town, admin, api_as, create_tenant, create_user):
    number = new_id()
    api = api_as(admin)
    payload = {"name": "王五", "id_number": number, "grid_id": town.grids["东村"]}
    assert api.post(f"{base(town)}/people", json=payload).status_code == 201
    again = api.post(f"{base(town)}/people", json=payload)
    assert again.status_code == 409 and "id_number" in again.get_json()["error"]["fields"]
    other = create_tenant(grids=[{"name": "某村"}])
    other_admin = create_user(roles=[(other, "township_admin")])
    grids = api_as(other_admin)
    with tenant_context(other):
        from core.grid.models import Grid
        gid = db.session.scalar(select(Grid.id))
    assert grids.post(f"/api/v1/t/{other.slug}/people", json={**payload, "grid_id": gid}).status_code == 201


def test_masked_for_roles_without_read_sensitive_and_reveals_are_audited(town, add_person, api_as, create_user, admin):
    number = new_id()
    pid = add_person(town, "赵六", town.grids["东一网格"], id_number=number, mobile="13812345678")
    worker = create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])
    body = api_as(worker).get(f"{base(town)}/people/{pid}").get_json()
    assert body["id_number"] == number[:4] + "*" * 13 + number[-1]
    assert body["mobile"] == "138****5678" and body["masked"]
    listing = api_as(worker).get(f"{base(town)}/people?reveal=1").get_json()
    assert listing["items"][0]["mobile"] == "138****5678"
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "people.read_sensitive")) == 0
    full = api_as(admin).get(f"{base(town)}/people/{pid}").get_json()
    assert full["id_number"] == number and full["mobile"] == "13812345678"
    listing = api_as(admin).get(f"{base(town)}/people").get_json()
    assert listing["items"][0]["masked"]  # lists stay masked unless asked
    revealed = api_as(admin).get(f"{base(town)}/people?reveal=1").get_json()
    assert revealed["items"][0]["id_number"] == number
    with tenant_context(town):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.read_sensitive")).all()
        assert len(entries) == 2 and {e.object_id for e in entries} == {str(pid)}
        assert all(e.user_id == admin.id for e in entries)


def test_search_by_name_pinyin_id_phone_tag_and_subtree(town, add_person, admin, api_as):
    zs = add_person(town, "张三", town.grids["东一网格"], mobile="13900001111", tags=["残疾人"])
    zss = add_person(town, "张树森", town.grids["西一网格"])
    ls = add_person(town, "李四", town.grids["东二网格"])
    number = new_id()
    ww = add_person(town, "王五", town.grids["西村"], id_number=number)
    api = api_as(admin)

    def ids(query):
        resp = api.get(f"{base(town)}/people?{query}")
        assert resp.status_code == 200, resp.get_json()
        return {item["id"] for item in resp.get_json()["items"]}

    assert ids("q=zs") == {zs, zss}
    assert ids("q=zhangsan") == {zs}
    assert ids("q=ZhangS") == {zs, zss}
    assert ids("q=张") == {zs, zss}
    assert ids("q=四") == {ls}
    assert ids(f"q={number}") == {ww}
    assert ids(f"id_number={number.lower()}") == {ww}
    assert ids("q=13900001111") == {zs}
    assert ids("mobile=13900001111") == {zs}
    assert ids("tag=残疾人") == {zs}
    assert ids(f"grid_id={town.grids['东村']}") == {zs, ls}
    assert ids(f"grid_id={town.grids['东村']}&q=zs") == {zs}
    assert ids("q=z%") == set()
    page = api.get(f"{base(town)}/people?per_page=2&page=2").get_json()
    assert page["total"] == 4 and len(page["items"]) == 2 and page["page"] == 2
    assert api.get(f"{base(town)}/people?per_page=0").status_code == 422
    assert api.get(f"{base(town)}/people?status=gone").status_code == 422
    assert api.get(f"{base(town)}/people?grid_id=x").status_code == 422


def test_grid_worker_sees_and_edits_only_their_subtree(town, add_person, api_as, create_user):
    mine = add_person(town, "张三", town.grids["东一网格"])
    theirs = add_person(town, "李四", town.grids["西一网格"])
    worker = create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])
    api = api_as(worker)
    assert {i["id"] for i in api.get(f"{base(town)}/people").get_json()["items"]} == {mine}
    assert api.get(f"{base(town)}/people/{theirs}").status_code == 404
    assert api.patch(f"{base(town)}/people/{theirs}", json={"name": "改"}).status_code == 404
    moved = api.patch(f"{base(town)}/people/{mine}", json={"grid_id": town.grids["西一网格"]})
    assert moved.status_code == 403 and "grid_id" in moved.get_json()["error"]["fields"]
    ok = api.patch(f"{base(town)}/people/{mine}", json={"status": "moved_out", "mobile": "13700000000"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "moved_out"
    assert api.get(f"{base(town)}/people").get_json()["total"] == 0  # living only by default
    assert api.get(f"{base(town)}/people?status=all").get_json()["total"] == 1
    assert api.get(f"{base(town)}/people/stats").status_code == 403
    assert api.get(f"{base(town)}/people/stats?grid_id={town.grids['东村']}").status_code == 200
    assert api.get(f"{base(town)}/people/stats?grid_id={town.grids['西村']}").status_code == 404


def test_other_tenant_is_404_and_missing_permission_is_403(town, add_person, api_as, create_user, create_tenant):
    pid = add_person(town, "张三", town.grids["东一网格"])
    other = create_tenant()
    outsider = create_user(roles=[(other, "township_admin")])
    api = api_as(outsider)
    for path in ("/people", f"/people/{pid}", "/households", "/people/tags", "/people/stats",
                 f"/people/{pid}/data-export", "/people/export.xlsx"):
        assert api.get(f"{base(town)}{path}").status_code == 404, path
    # their own tenant's URL does not reach our person either
    assert api.get(f"/api/v1/t/{other.slug}/people/{pid}").status_code == 404
    assert api.patch(f"/api/v1/t/{other.slug}/people/{pid}", json={"name": "x"}).status_code == 404
    info = create_user(roles=[(town, "info_officer", grid_of(town, "东村"))])
    reader = api_as(info)
    assert reader.get(f"{base(town)}/people").status_code == 200
    assert reader.post(f"{base(town)}/people", json={"name": "x", "grid_id": town.grids["东一网格"]}).status_code == 403
    assert reader.patch(f"{base(town)}/people/{pid}", json={"name": "x"}).status_code == 403
    assert reader.post(f"{base(town)}/people/{pid}/anonymise").status_code == 403
    assert reader.get(f"{base(town)}/people/{pid}/data-export").status_code == 403
    assert reader.post(f"{base(town)}/people/import").status_code == 403
    assert reader.get(f"{base(town)}/people/export.xlsx").status_code == 403
    assert reader.post(f"{base(town)}/households", json={}).status_code == 403
    assert reader.post(f"{base(town)}/people/tags", json={"name": "x"}).status_code == 403


def test_households_and_members(town, admin, api_as):
    api = api_as(admin)
    resp = api.post(f"{base(town)}/households", json={"grid_id": town.grids["东一网格"], "address": "幸福路1号",
                                                       "head_name": "张三", "phone": "13812345678"})
    assert resp.status_code == 201, resp.get_json()
    hid = resp.get_json()["id"]
    assert resp.get_json()["phone"] == "138****5678"
    bad = api.post(f"{base(town)}/households", json={"grid_id": town.grids["东一网格"], "address": ""})
    assert bad.status_code == 422 and "address" in bad.get_json()["error"]["fields"]
    member = api.post(f"{base(town)}/people", json={"name": "张三", "household_id": hid, "relation": "户主"})
    assert member.status_code == 201 and member.get_json()["grid_id"] == town.grids["东一网格"]
    clash = api.post(f"{base(town)}/people", json={"name": "张四", "household_id": hid, "grid_id": town.grids["西村"]})
    assert clash.status_code == 422 and "grid_id" in clash.get_json()["error"]["fields"]
    body = api.get(f"{base(town)}/households/{hid}").get_json()
    assert [m["name"] for m in body["members"]] == ["张三"]
    moved = api.patch(f"{base(town)}/households/{hid}", json={"grid_id": town.grids["西一网格"]})
    assert moved.status_code == 200
    assert api.get(f"{base(town)}/people/{member.get_json()['id']}").get_json()["grid_id"] == town.grids["西一网格"]
    assert api.get(f"{base(town)}/households?q=幸福").get_json()["total"] == 1


def test_tenant_tags_seeded_and_added(town, admin, api_as):
    api = api_as(admin)
    names = [t["name"] for t in api.get(f"{base(town)}/people/tags").get_json()]
    assert {"独居老人", "残疾人", "留守儿童", "困难群众"} <= set(names)
    created = api.post(f"{base(town)}/people/tags", json={"name": "失独家庭"})
    assert created.status_code == 201 and not created.get_json()["builtin"]
    assert api.post(f"{base(town)}/people/tags", json={"name": "失独家庭"}).status_code == 409
    assert api.post(f"{base(town)}/people/tags", json={}).status_code == 422


def test_people_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/t/{tenant}/people", "/api/v1/t/{tenant}/people/{person_id}",
                 "/api/v1/t/{tenant}/people/import", "/api/v1/t/{tenant}/households/{household_id}",
                 "/api/v1/t/{tenant}/people/{person_id}/anonymise"):
        assert path in paths, path
    assert paths["/api/v1/t/{tenant}/people"]["get"]["x-permission"] == "people.read"
