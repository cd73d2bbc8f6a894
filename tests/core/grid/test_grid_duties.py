"""Who looks after a grid (网格职责): duties with contacts; an account's duty grants its role."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import RoleAssignment, RolePermission
from core.tenancy import tenant_context


def _roles(town, user_id):
    with tenant_context(town):
        return {(r.role, r.grid_id) for r in db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user_id))}


def test_duty_for_an_account_grants_the_role_and_access_follows(town, rows, create_user, api_as):
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    # an account of this township that so far may not see grids at all
    wang = create_user(display_name="王网格", mobile="13912345678", roles=[(town, "info_officer", None)])
    with tenant_context(town):
        db.session.add(RolePermission(role="info_officer", permission="grids.read", granted=False))
        db.session.commit()
    worker = api_as(wang)
    assert worker.get(f"/api/v1/t/{town.slug}/grids/{r['二号楼']['id']}").status_code == 403
    base = f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}/duties"
    resp = admin.post(base, json={"duty": "grid_worker", "user_id": wang.id})
    assert resp.status_code == 201, resp.get_json()
    duty = resp.get_json()
    assert duty["name"] == "王网格" and duty["phone"] == "13912345678" and duty["grants_role"] is True
    assert ("grid_worker", r["东一网格"]["id"]) in _roles(town, wang.id)
    # access follows the duty: that grid's subtree, and nothing else
    assert worker.get(f"/api/v1/t/{town.slug}/grids/{r['二号楼']['id']}").status_code == 200
    assert worker.get(f"/api/v1/t/{town.slug}/grids/{r['西村']['id']}").status_code == 404
    listed = admin.get(base).get_json()["items"]
    assert [(d["duty"], d["name"]) for d in listed] == [("grid_worker", "王网格")]
    detail = admin.get(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}").get_json()
    assert detail["duties"][0]["phone"] == "13912345678"
    # ending the duty revokes the role it granted
    assert admin.delete(f"{base}/{duty['id']}").status_code == 200
    assert ("grid_worker", r["东一网格"]["id"]) not in _roles(town, wang.id)
    assert admin.get(base).get_json()["items"] == []
    assert worker.get(f"/api/v1/t/{town.slug}/grids/{r['二号楼']['id']}").status_code == 403


def test_duty_does_not_revoke_a_role_it_did_not_grant(town, rows, create_user, api_as):
    r = rows(town)
    with tenant_context(town):
        from core.grid.models import Grid

        grid = db.session.get(Grid, r["西村"]["id"])
        li = create_user(roles=[(town, "grid_leader", grid)])
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    base = f"/api/v1/t/{town.slug}/grids/{r['西村']['id']}/duties"
    duty = admin.post(base, json={"duty": "grid_leader", "user_id": li.id, "phone": "0556-1234567"}).get_json()
    assert duty["grants_role"] is False and duty["phone"] == "0556-1234567"
    admin.delete(f"{base}/{duty['id']}")
    assert ("grid_leader", r["西村"]["id"]) in _roles(town, li.id)


def _resident(town, grid_id, name="张楼长"):
    from core.people.models import Person

    with tenant_context(town):
        person = Person(name=name, grid_id=grid_id)
        db.session.add(person)
        db.session.commit()
        return person.id


def test_three_heads_and_residents_without_accounts(town, rows, create_user, api_as):
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    base = f"/api/v1/t/{town.slug}/grids/{r['一号楼']['id']}/duties"
    pid = _resident(town, r["一号楼"]["id"])
    resp = admin.post(base, json={"duty": "building_head", "person_id": pid, "phone": "13800001111"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["person_id"] == pid and body["name"] == "张楼长" and body["grants_role"] is False
    again = admin.post(base, json={"duty": "building_head", "person_id": pid})
    assert again.status_code == 409 and "duty" in again.get_json()["error"]["fields"]
    missing = admin.post(base, json={"duty": "unit_head", "person_id": 99999999, "name": "无此人"})
    assert missing.status_code == 422 and "person_id" in missing.get_json()["error"]["fields"]


def test_duties_answer_pipl_export_and_anonymising(town, rows, create_user, api_as):
    """A resident's duty keeps a copy of their name and phone: exported on request, erased on
    anonymising (the duty itself stays)."""
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    pid = _resident(town, r["一号楼"]["id"], "赵单元长")
    base = f"/api/v1/t/{town.slug}/grids/{r['一号楼']['id']}/duties"
    admin.post(base, json={"duty": "unit_head", "person_id": pid, "phone": "13800003333"})
    export = admin.get(f"/api/v1/t/{town.slug}/people/{pid}/data-export")
    assert export.status_code == 200, export.get_json()
    assert "13800003333" in str(export.get_json()) and "单元长" in str(export.get_json())
    assert admin.post(f"/api/v1/t/{town.slug}/people/{pid}/anonymise").status_code == 200
    duty = admin.get(base).get_json()["items"][0]
    assert duty["name"] == "已匿名" and duty["phone"] == "" and duty["person_id"] == pid


def test_bad_duty_input(town, rows, create_user, create_tenant, api_as):
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    stranger = create_user(roles=[(create_tenant(), "township_admin")])
    base = f"/api/v1/t/{town.slug}/grids/{r['一号楼']['id']}/duties"
    for body, field in [({"duty": "mayor", "name": "x"}, "duty"), ({"duty": "unit_head"}, "name"),
                        ({"duty": "unit_head", "person_id": "x"}, "person_id"),
                        ({"duty": "unit_head", "name": "李", "phone": "12345"}, "phone"),
                        ({"duty": "grid_worker", "user_id": stranger.id}, "user_id"),
                        ({"duty": "grid_worker", "user_id": 99999999}, "user_id"),
                        ({"duty": "unit_head", "name": "李", "grid_id": 3}, "grid_id")]:
        resp = admin.post(base, json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    assert admin.get(base).get_json()["items"] == []
    assert _roles(town, stranger.id) == set()


def test_appointing_an_account_needs_users_manage(town, rows, create_user, api_as):
    r = rows(town)
    staff = api_as(create_user(roles=[(town, "township_staff")]))
    wang = create_user(roles=[(town, "info_officer", None)])
    base = f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/duties"
    assert staff.post(base, json={"duty": "grid_leader", "user_id": wang.id}).status_code == 403
    assert staff.post(base, json={"duty": "grid_leader", "name": "王书记"}).status_code == 201
    worker_api = api_as(wang)
    assert worker_api.post(base, json={"duty": "unit_head", "name": "x"}).status_code == 403


def test_duties_of_another_tenant_are_not_found(town, rows, create_user, create_tenant, api_as):
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    duty = admin.post(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/duties", json={"duty": "grid_leader", "name": "王"}).get_json()
    other = create_tenant()
    outsider = api_as(create_user(roles=[(other, "township_admin")]))
    assert outsider.get(f"/api/v1/t/{other.slug}/grids/{r['东村']['id']}/duties").status_code == 404
    assert outsider.delete(f"/api/v1/t/{other.slug}/grids/{r['东村']['id']}/duties/{duty['id']}").status_code == 404
    assert len(admin.get(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/duties").get_json()["items"]) == 1


def test_merge_moves_duties_and_roles(town, rows, create_user, api_as, spy):
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    wang = create_user(roles=[(town, "info_officer", None)])
    admin.post(f"/api/v1/t/{town.slug}/grids/{r['东二网格']['id']}/duties", json={"duty": "grid_worker", "user_id": wang.id})
    resp = admin.post(f"/api/v1/t/{town.slug}/grids/{r['东二网格']['id']}/merge", json={"target_id": r["东一网格"]["id"]})
    assert resp.status_code == 200, resp.get_json()
    assert [d["name"] for d in resp.get_json()["duties"]] == [wang.display_name]
    assert _roles(town, wang.id) == {("info_officer", None), ("grid_worker", r["东一网格"]["id"])}
