"""Party-member households (党员中心户): a party member's household keeps in touch with nearby
households (联系户); it sits at the bottom of the party tree. API, pages, rules, other townships."""
from __future__ import annotations

from .conftest import grid_of, new_id
from .test_pages import csrf, signed_in


def _households(api, town):
    base = f"/api/v1/t/{town.slug}"
    ids = {}
    for key, grid, address in (("center", "东一网格", "东一1号"), ("near", "东一网格", "东一2号"),
                               ("near2", "东二网格", "东二3号"), ("west", "西一网格", "西一4号")):
        ids[key] = api.post(f"{base}/households", json={"grid_id": town.grids[grid], "address": address,
                                                        "head_name": f"户主{key}"}).get_json()["id"]
    member = api.post(f"{base}/people", json={"name": "党员甲", "household_id": ids["center"], "id_number": new_id(),
                                               "is_party_member": True}).get_json()["id"]
    plain = api.post(f"{base}/people", json={"name": "群众乙", "household_id": ids["center"],
                                              "id_number": new_id()}).get_json()["id"]
    return ids, member, plain


def test_name_a_party_member_household_and_link_neighbours(town, admin, api_as):
    api, base = api_as(admin), f"/api/v1/t/{town.slug}"
    ids, member, plain = _households(api, town)
    center_url = f"{base}/households/{ids['center']}/party-center"
    for body, field, status in (({}, "member_id", 422), ({"member_id": plain}, "member_id", 422),
                                ({"member_id": 99999999}, "member_id", 422)):
        resp = api.post(center_url, json=body)
        assert resp.status_code == status and field in resp.get_json()["error"]["fields"], body
    created = api.post(center_url, json={"member_id": member})
    assert created.status_code == 201 and created.get_json()["member_name"] == "党员甲"
    assert api.post(center_url, json={"member_id": member}).status_code == 409
    links = f"{center_url}/links"
    assert api.post(links, json={"household_id": ids["near"]}).status_code == 201
    body = api.post(links, json={"household_id": ids["near2"]}).get_json()
    assert [l["address"] for l in body["links"]] == ["东一2号", "东二3号"]
    assert api.post(links, json={"household_id": ids["center"]}).status_code == 422  # not itself
    assert api.post(links, json={"household_id": ids["near"]}).status_code == 409  # one centre each
    assert api.post(links, json={"household_id": 99999999}).status_code == 422
    # a linked household cannot become a centre, and says who looks after it
    near = api.get(f"{base}/households/{ids['near']}").get_json()
    assert near["linked_center"]["member_name"] == "党员甲" and near["party_center"] is None
    assert api.get(f"{base}/households/{ids['center']}").get_json()["party_center"]["id"] == created.get_json()["id"]
    # the party tree shows it under the organisation of its grid or the nearest one above
    api.post(f"{base}/party-orgs", json={"grid_id": town.grids["东村"], "kind": "branch", "name": "东村党支部"})
    tree = api.get(f"{base}/party-orgs").get_json()
    flat = []

    def walk(nodes):
        for n in nodes:
            flat.append(n)
            walk(n["children"])

    walk(tree["items"] if isinstance(tree, dict) else tree)
    east = next(n for n in flat if n["name"] == "东村党支部")
    assert [(c["address"], c["links"]) for c in east["centers"]] == [("东一1号", 2)]
    page = api.client.get(f"/t/{town.slug}/grids/").get_data(as_text=True)
    assert "党员中心户" in page and "东一1号" in page and "联系 2 户" in page
    # unlink one, then dissolve: its links go with it
    assert len(api.delete(f"{links}/{ids['near']}").get_json()["links"]) == 1
    assert api.delete(f"{links}/{ids['near']}").status_code == 404
    assert api.delete(center_url).status_code == 200
    assert api.get(f"{base}/households/{ids['near2']}").get_json()["linked_center"] is None
    assert api.delete(center_url).status_code == 404


def test_party_centers_on_the_household_page(town, admin, api_as):
    api = api_as(admin)
    ids, member, _ = _households(api, town)
    client = signed_in(api_as, admin)
    page = f"/t/{town.slug}/people/households/{ids['center']}"
    html = client.get(page).get_data(as_text=True)
    assert "设为党员中心户" in html and "党员甲" in html
    token = csrf(client, page)
    assert client.post(f"{page}/party-center", data={"csrf_token": token, "member_id": str(member)}).status_code == 302
    assert client.post(f"{page}/party-center/links", data={"csrf_token": token,
                                                            "household_id": str(ids["near"])}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "已添加联系户 东一2号" in html and "本户是党员中心户" in html and "东一2号" in html
    bad = client.post(f"{page}/party-center/links", data={"csrf_token": token, "household_id": "abc"})
    assert bad.status_code == 302 and "住户不存在" in client.get(page).get_data(as_text=True)
    near = client.get(f"/t/{town.slug}/people/households/{ids['near']}").get_data(as_text=True)
    assert "本户由党员中心户 东一1号（党员甲）联系" in near


def test_reach_and_other_townships(town, admin, api_as, create_user, create_tenant):
    api, base = api_as(admin), f"/api/v1/t/{town.slug}"
    ids, member, _ = _households(api, town)
    api.post(f"{base}/households/{ids['center']}/party-center", json={"member_id": member})
    worker = api_as(create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))]))
    # a worker of 东村 may not link a household of 西村 (outside their reach)
    resp = worker.post(f"{base}/households/{ids['center']}/party-center/links", json={"household_id": ids["west"]})
    assert resp.status_code == 422
    assert worker.post(f"{base}/households/{ids['center']}/party-center/links",
                       json={"household_id": ids["near"]}).status_code == 201
    west_worker = api_as(create_user(roles=[(town, "grid_worker", grid_of(town, "西村"))]))
    assert west_worker.delete(f"{base}/households/{ids['center']}/party-center").status_code == 404
    officer = api_as(create_user(roles=[(town, "info_officer", grid_of(town, "东村"))]))
    assert officer.delete(f"{base}/households/{ids['center']}/party-center").status_code == 403
    other = create_tenant()
    outsider = api_as(create_user(roles=[(other, "township_admin")]))
    assert outsider.post(f"{base}/households/{ids['center']}/party-center", json={"member_id": member}).status_code == 404
    own = f"/api/v1/t/{other.slug}/households/{ids['center']}/party-center"
    assert outsider.post(own, json={"member_id": member}).status_code == 404
    assert outsider.delete(own).status_code == 404
    assert outsider.post(f"{own}/links", json={"household_id": ids["near2"]}).status_code == 404
    assert api.get(f"{base}/households/{ids['center']}").get_json()["party_center"]["links"][0]["address"] == "东一2号"


def test_a_members_data_export_lists_the_household_they_head(town, admin, api_as):
    api, base = api_as(admin), f"/api/v1/t/{town.slug}"
    ids, member, plain = _households(api, town)
    api.post(f"{base}/households/{ids['center']}/party-center", json={"member_id": member})
    api.post(f"{base}/households/{ids['center']}/party-center/links", json={"household_id": ids["near"]})
    export = api.get(f"{base}/people/{member}/data-export").get_json()
    [center] = export["people"]["party_centers"]
    assert center["household_id"] == ids["center"] and [l["address"] for l in center["links"]] == ["东一2号"]
    other = api.get(f"{base}/people/{plain}/data-export").get_json()
    assert "party_centers" not in other["people"] and other["people"]["person"]["name"] == "群众乙"
