"""Party organisations on the grid (支部建在网格上) and the party tree beside the grid tree."""
from __future__ import annotations


def _post(api, town, **body):
    return api.post(f"/api/v1/t/{town.slug}/party-orgs", json=body)


def test_party_tree_follows_the_grid_tree(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    assert _post(api, town, grid_id=None, kind="committee", name="测试镇党委", secretary_name="陈书记",
                 secretary_phone="13900000001").status_code == 201
    assert _post(api, town, grid_id=r["东村"]["id"], kind="general_branch", name="东村党总支").status_code == 201
    resp = _post(api, town, grid_id=r["东一网格"]["id"], kind="branch", name="东一网格党支部", secretary_name="王")
    assert resp.status_code == 201
    assert _post(api, town, grid_id=r["二号楼"]["id"], kind="group", name="二号楼党小组").status_code == 201
    assert _post(api, town, grid_id=r["西一网格"]["id"], kind="branch", name="西一网格党支部").status_code == 201
    tree = api.get(f"/api/v1/t/{town.slug}/party-orgs").get_json()["items"]
    assert len(tree) == 1 and tree[0]["name"] == "测试镇党委" and tree[0]["kind_label"] == "党委"
    assert [c["name"] for c in tree[0]["children"]] == ["东村党总支", "西一网格党支部"]
    branch = tree[0]["children"][0]["children"][0]
    assert branch["name"] == "东一网格党支部" and [c["name"] for c in branch["children"]] == ["二号楼党小组"]
    # the grid tree shows each grid's organisation, the grid page its secretary
    grids = api.get(f"/api/v1/t/{town.slug}/grids").get_json()["items"]
    assert grids[0]["party_org"]["name"] == "东村党总支"
    detail = api.get(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}").get_json()
    assert detail["party_org"]["secretary_name"] == "王"
    # change and dissolve
    org_id = resp.get_json()["id"]
    changed = api.patch(f"/api/v1/t/{town.slug}/party-orgs/{org_id}", json={"secretary_phone": "13900000002"})
    assert changed.status_code == 200 and changed.get_json()["secretary_phone"] == "13900000002"
    assert api.delete(f"/api/v1/t/{town.slug}/party-orgs/{org_id}").status_code == 200
    tree = api.get(f"/api/v1/t/{town.slug}/party-orgs").get_json()["items"]
    assert [c["name"] for c in tree[0]["children"][0]["children"]] == ["二号楼党小组"]


def test_bad_party_input(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    gid = r["东村"]["id"]
    for body, status, field in [
        ({"grid_id": gid, "kind": "club", "name": "x"}, 422, "kind"),
        ({"grid_id": gid, "kind": "branch"}, 422, "name"),
        ({"grid_id": gid, "kind": "branch", "name": "x", "secretary_phone": "abc"}, 422, "secretary_phone"),
        ({"grid_id": 99999999, "kind": "branch", "name": "x"}, 422, "grid_id"),
        ({"grid_id": gid, "kind": "branch", "name": "x", "id": 3}, 422, "id"),
    ]:
        resp = _post(api, town, **body)
        assert resp.status_code == status and field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    assert _post(api, town, grid_id=gid, kind="branch", name="东村党支部").status_code == 201
    dup = _post(api, town, grid_id=gid, kind="branch", name="又一个")
    assert dup.status_code == 409 and "grid_id" in dup.get_json()["error"]["fields"]


def test_archive_refused_while_a_party_org_stands_and_merge_carries_it(town, rows, create_user, api_as, spy):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    org = _post(api, town, grid_id=r["东二网格"]["id"], kind="branch", name="东二党支部").get_json()
    resp = api.post(f"/api/v1/t/{town.slug}/grids/{r['东二网格']['id']}/archive")
    assert resp.status_code == 409 and resp.get_json()["error"]["fields"]["usage"] == {"党组织": 1}
    merged = api.post(f"/api/v1/t/{town.slug}/grids/{r['东二网格']['id']}/merge", json={"target_id": r["西一网格"]["id"]})
    assert merged.status_code == 200
    assert merged.get_json()["party_org"]["id"] == org["id"]


def test_party_orgs_cross_tenant_and_permissions(town, rows, create_user, create_tenant, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    org = _post(api, town, grid_id=r["东村"]["id"], kind="branch", name="东村党支部").get_json()
    other = create_tenant()
    outsider = api_as(create_user(roles=[(other, "township_admin")]))
    assert outsider.patch(f"/api/v1/t/{other.slug}/party-orgs/{org['id']}", json={"name": "x"}).status_code == 404
    assert outsider.delete(f"/api/v1/t/{other.slug}/party-orgs/{org['id']}").status_code == 404
    assert outsider.get(f"/api/v1/t/{other.slug}/party-orgs").get_json()["items"] == []
    reader = api_as(create_user(roles=[(town, "info_officer", None)]))
    assert reader.post(f"/api/v1/t/{town.slug}/party-orgs", json={"kind": "branch", "name": "x"}).status_code == 403
    assert reader.delete(f"/api/v1/t/{town.slug}/party-orgs/{org['id']}").status_code == 403
    assert api.get(f"/api/v1/t/{town.slug}/party-orgs").get_json()["items"][0]["name"] == "东村党支部"


def _member(town, grid_id, org_id, name="党员甲"):
    from core.db import db
    from core.people.models import Person
    from core.tenancy import tenant_context

    with tenant_context(town):
        person = Person(name=name, grid_id=grid_id, is_party_member=True, party_org_id=org_id)
        db.session.add(person)
        db.session.commit()
        return person.id


def test_an_organisation_with_members_is_not_dissolved_and_merge_transfers_them(town, rows, create_user, api_as, spy):
    from core.db import db
    from core.people.models import Person
    from core.tenancy import tenant_context

    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    east = _post(api, town, grid_id=r["东二网格"]["id"], kind="branch", name="东二党支部").get_json()
    west = _post(api, town, grid_id=r["东一网格"]["id"], kind="branch", name="东一党支部").get_json()
    pid = _member(town, r["东二网格"]["id"], east["id"])
    resp = api.delete(f"/api/v1/t/{town.slug}/party-orgs/{east['id']}")
    assert resp.status_code == 409 and "1 名党员" in resp.get_json()["error"]["message"]
    tree = api.get(f"/api/v1/t/{town.slug}/party-orgs").get_json()["items"]
    assert {n["name"]: n["members"] for n in tree} == {"东二党支部": 1, "东一党支部": 0}
    merged = api.post(f"/api/v1/t/{town.slug}/grids/{r['东二网格']['id']}/merge", json={"target_id": r["东一网格"]["id"]})
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["party_org"]["id"] == west["id"]
    with tenant_context(town):
        assert db.session.get(Person, pid).party_org_id == west["id"]
