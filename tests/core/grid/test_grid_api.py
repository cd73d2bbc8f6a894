"""The grid API: tree, one grid, children, create, rename/move, merge, archive; reach, 403, 404."""
from __future__ import annotations

from core.db import db
from core.models import RolePermission
from core.tenancy import tenant_context


def _admin(create_user, town):
    return create_user(roles=[(town, "township_admin")])


def test_tree_lists_grids_with_level_names(town, rows, create_user, api_as):
    api = api_as(_admin(create_user, town))
    resp = api.get(f"/api/v1/t/{town.slug}/grids")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["level_names"] == ["村", "网格", "楼栋", "单元"]
    assert [n["name"] for n in body["items"]] == ["东村", "西村"]
    east = body["items"][0]
    assert east["level_name"] == "村" and east["child_count"] == 2
    assert [c["name"] for c in east["children"][0]["children"]] == ["一号楼", "二号楼"]
    assert "counts" in east
    shallow = api.get(f"/api/v1/t/{town.slug}/grids?depth=1").get_json()["items"]
    assert shallow[0]["children"] == [] and shallow[0]["child_count"] == 2
    assert shallow[0]["counts"] == east["counts"]  # counted over the whole subtree, not the levels read
    two = api.get(f"/api/v1/t/{town.slug}/grids?depth=2").get_json()["items"]
    assert two[0]["children"][0]["children"] == [] and two[0]["children"][0]["child_count"] == 2
    for bad in ("0", "x", "7"):
        resp = api.get(f"/api/v1/t/{town.slug}/grids?depth={bad}")
        assert resp.status_code == 422 and "depth" in resp.get_json()["error"]["fields"]


def test_grid_worker_sees_only_their_subtree(town, rows, create_user, api_as):
    r = rows(town)
    with tenant_context(town):
        from core.grid.models import Grid

        grid = db.session.get(Grid, r["东一网格"]["id"])
        worker = create_user(roles=[(town, "grid_worker", grid)])
    api = api_as(worker)
    items = api.get(f"/api/v1/t/{town.slug}/grids").get_json()["items"]
    assert [n["name"] for n in items] == ["东一网格"]
    assert [c["name"] for c in items[0]["children"]] == ["一号楼", "二号楼"]
    assert api.get(f"/api/v1/t/{town.slug}/grids/{r['一号楼']['id']}").status_code == 200
    assert api.get(f"/api/v1/t/{town.slug}/grids/{r['西村']['id']}").status_code == 404
    party = api.get(f"/api/v1/t/{town.slug}/party-orgs")
    assert party.status_code == 200
    # a grid worker has grids.read, not grids.edit
    resp = api.patch(f"/api/v1/t/{town.slug}/grids/{r['一号楼']['id']}", json={"name": "改"})
    assert resp.status_code == 403


def test_create_rename_and_move(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(_admin(create_user, town))
    resp = api.post(f"/api/v1/t/{town.slug}/grids", json={"name": "三号楼", "parent_id": r["东一网格"]["id"]})
    assert resp.status_code == 201, resp.get_json()
    new = resp.get_json()
    assert new["code"] == r["东一网格"]["code"] + "003" and new["level_name"] == "楼栋"
    assert [a["name"] for a in new["ancestors"]] == ["东村", "东一网格"]
    resp = api.patch(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}", json={"name": "东一新网格", "parent_id": r["西村"]["id"]})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "东一新网格" and body["parent_id"] == r["西村"]["id"]
    assert body["code"] == r["西村"]["code"] + "02"
    assert [c["code"][-3:] for c in body["children"]] == ["001", "002", "003"]
    children = api.get(f"/api/v1/t/{town.slug}/grids/{r['西村']['id']}/children").get_json()["items"]
    assert [c["name"] for c in children] == ["西一网格", "东一新网格"]
    assert children[1]["child_count"] == 3


def test_bad_input_names_the_field_and_saves_nothing(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(_admin(create_user, town))
    base = f"/api/v1/t/{town.slug}/grids"
    cases = [
        ("patch", f"{base}/{r['东村']['id']}", {"parent_id": r["一号楼"]["id"]}, 422, "parent_id"),
        ("patch", f"{base}/{r['东村']['id']}", {"parent_id": r["西一网格"]["id"]}, 422, "parent_id"),
        ("patch", f"{base}/{r['东村']['id']}", {"parent_id": 99999999}, 422, "parent_id"),
        ("patch", f"{base}/{r['东村']['id']}", {"parent_id": "x"}, 422, "parent_id"),
        ("patch", f"{base}/{r['东村']['id']}", {"name": "西村"}, 409, "name"),
        ("patch", f"{base}/{r['东村']['id']}", {"name": "新名", "parent_id": r["东村"]["id"]}, 422, "parent_id"),
        ("patch", f"{base}/{r['东村']['id']}", {"id": 5}, 422, "id"),
        ("post", base, {"name": ""}, 422, "name"),
        ("post", base, {"name": "x", "tenant_id": 1}, 422, "tenant_id"),
        ("post", f"{base}/{r['东村']['id']}/merge", {"target_id": r["东一网格"]["id"]}, 422, "target_id"),
        ("post", f"{base}/{r['东村']['id']}/merge", {}, 422, "target_id"),
    ]
    for method, url, body, status, field in cases:
        resp = getattr(api, method)(url, json=body)
        assert resp.status_code == status, (url, body, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    resp = api.patch(f"{base}/{r['东村']['id']}", data="{nope", content_type="application/json")
    assert resp.status_code == 400
    assert rows(town) == r


def test_merge_and_archive_through_the_api(town, rows, create_user, api_as, spy):
    r = rows(town)
    api = api_as(_admin(create_user, town))
    base = f"/api/v1/t/{town.slug}/grids"
    spy.usage[r["东二网格"]["id"]] = {"居民": 12}
    resp = api.post(f"{base}/{r['东二网格']['id']}/archive")
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "grid_in_use" and "居民 12" in err["message"] and err["fields"]["usage"] == {"居民": 12}
    resp = api.post(f"{base}/{r['东二网格']['id']}/merge", json={"target_id": r["东一网格"]["id"]})
    assert resp.status_code == 200, resp.get_json()
    assert spy.merged == [(town.id, r["东二网格"]["id"], r["东一网格"]["id"])]
    after = api.get(f"{base}/{r['东二网格']['id']}").get_json()
    assert after["status"] == "archived"
    tree = api.get(base).get_json()["items"]
    assert [c["name"] for c in tree[0]["children"]] == ["东一网格"]
    resp = api.post(f"{base}/{r['二号楼']['id']}/archive")
    assert resp.status_code == 200 and resp.get_json()["status"] == "archived"


def test_another_tenants_grids_are_not_found(town, rows, create_tenant, create_user, api_as):
    r = rows(town)
    other = create_tenant()
    outsider = create_user(roles=[(other, "township_admin")])
    api = api_as(outsider)
    gid = r["东村"]["id"]
    # the other township's URL with this township's grid id, and this township's URL
    assert api.get(f"/api/v1/t/{other.slug}/grids/{gid}").status_code == 404
    assert api.patch(f"/api/v1/t/{other.slug}/grids/{gid}", json={"name": "偷改"}).status_code == 404
    assert api.post(f"/api/v1/t/{other.slug}/grids/{gid}/archive").status_code == 404
    assert api.get(f"/api/v1/t/{town.slug}/grids").status_code == 404
    assert api.post(f"/api/v1/t/{other.slug}/grids", json={"name": "x", "parent_id": gid}).status_code == 422
    assert api.get(f"/api/v1/t/{other.slug}/grids").get_json()["items"] == []
    assert rows(town) == r


def test_member_without_permission_gets_403(town, rows, create_user, api_as):
    r = rows(town)
    staff = create_user(roles=[(town, "info_officer")])
    with tenant_context(town):
        db.session.add(RolePermission(role="info_officer", permission="grids.read", granted=False))
        db.session.commit()
    api = api_as(staff)
    assert api.get(f"/api/v1/t/{town.slug}/grids").status_code == 403
    assert api.get(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}").status_code == 403
    assert api.get(f"/api/v1/t/{town.slug}/party-orgs").status_code == 403
    assert api.post(f"/api/v1/t/{town.slug}/grids", json={"name": "x"}).status_code == 403
    assert api.post(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/merge", json={"target_id": r["西村"]["id"]}).status_code == 403


def test_grid_scoped_editor_cannot_touch_the_township_level(town, rows, create_user, api_as):
    r = rows(town)
    with tenant_context(town):
        db.session.add(RolePermission(role="grid_leader", permission="grids.edit", granted=True))
        db.session.commit()
        from core.grid.models import Grid

        leader = create_user(roles=[(town, "grid_leader", db.session.get(Grid, r["东村"]["id"]))])
    api = api_as(leader)
    base = f"/api/v1/t/{town.slug}/grids"
    assert api.post(base, json={"name": "一级"}).status_code == 403
    assert api.patch(f"{base}/{r['东一网格']['id']}", json={"parent_id": None}).status_code == 403
    assert api.patch(f"{base}/{r['东一网格']['id']}", json={"parent_id": r["西村"]["id"]}).status_code == 422
    assert api.patch(f"{base}/{r['西一网格']['id']}", json={"name": "x"}).status_code == 404
    resp = api.post(base, json={"name": "东三网格", "parent_id": r["东村"]["id"]})
    assert resp.status_code == 201


def test_move_with_a_new_name_checks_the_new_siblings(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    base = f"/api/v1/t/{town.slug}/grids"
    assert api.post(base, json={"name": "东一网格", "parent_id": r["西村"]["id"]}).status_code == 201
    clash = api.patch(f"{base}/{r['东一网格']['id']}", json={"parent_id": r["西村"]["id"]})
    assert clash.status_code == 409 and "parent_id" in clash.get_json()["error"]["fields"]
    clash = api.patch(f"{base}/{r['东二网格']['id']}", json={"parent_id": r["西村"]["id"], "name": "西一网格"})
    assert clash.status_code == 409 and "name" in clash.get_json()["error"]["fields"]
    moved = api.patch(f"{base}/{r['东一网格']['id']}", json={"parent_id": r["西村"]["id"], "name": "原东一网格"})
    assert moved.status_code == 200 and moved.get_json()["name"] == "原东一网格"
    assert rows(town)["东二网格"]["parent_id"] == r["东村"]["id"]
