"""Many grids at once from lines of names (pasted spreadsheet columns or a/b/c paths)."""
from __future__ import annotations


def test_bulk_lines_create_missing_grids_and_reuse_existing(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    text = "东村\t东一网格\t三号楼\n东村\t东三网格\t甲楼\n东村\t东三网格\t乙楼\t\t\n南村/南一网格\n南村 > 南二网格\n\n东村\t东二网格\n"
    resp = api.post(f"/api/v1/t/{town.slug}/grids/bulk", json={"text": text})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"created": 7, "existing": 1}
    after = rows(town)
    assert after["三号楼"]["parent_id"] == r["东一网格"]["id"] and after["三号楼"]["code"] == r["东一网格"]["code"] + "003"
    assert after["乙楼"]["parent_id"] == after["东三网格"]["id"] == after["甲楼"]["parent_id"]
    assert after["东三网格"]["code"] == r["东村"]["code"] + "03"
    assert after["南二网格"]["parent_id"] == after["南村"]["id"] and after["南村"]["code"] == "34082210103"
    # the same lines again create nothing
    again = api.post(f"/api/v1/t/{town.slug}/grids/bulk", json={"text": text})
    assert again.get_json() == {"created": 0, "existing": 6}


def test_bulk_under_a_grid_and_bad_lines(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    url = f"/api/v1/t/{town.slug}/grids/bulk"
    resp = api.post(url, json={"parent_id": r["西村"]["id"], "text": "西二网格\t一栋\t一单元"})
    assert resp.status_code == 201 and resp.get_json()["created"] == 3
    bad = api.post(url, json={"parent_id": r["西村"]["id"], "text": "西三网格\n西四网格\t\t一栋\n西五网格\ta\tb\tc"})
    assert bad.status_code == 422
    problems = bad.get_json()["error"]["fields"]["lines"]
    assert any("第 2 行" in p for p in problems) and any("第 3 行" in p for p in problems)
    assert "西三网格" not in rows(town)
    for body, field in [({"text": ""}, "text"), ({"text": "x", "parent_id": 99999999}, "parent_id"),
                        ({"text": "\n\n"}, "lines"), ({"text": "x", "tenant_id": 1}, "tenant_id")]:
        resp = api.post(url, json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (body, resp.get_json())


def test_bulk_permission_and_cross_tenant(town, rows, create_user, create_tenant, api_as):
    r = rows(town)
    worker = api_as(create_user(roles=[(town, "grid_worker", None)]))
    assert worker.post(f"/api/v1/t/{town.slug}/grids/bulk", json={"text": "x"}).status_code == 403
    other = create_tenant()
    outsider = api_as(create_user(roles=[(other, "township_admin")]))
    resp = outsider.post(f"/api/v1/t/{other.slug}/grids/bulk", json={"parent_id": r["东村"]["id"], "text": "x"})
    assert resp.status_code == 422 and "parent_id" in resp.get_json()["error"]["fields"]
    assert outsider.post(f"/api/v1/t/{town.slug}/grids/bulk", json={"text": "x"}).status_code == 404
    assert "x" not in rows(town)


def test_bulk_form_on_the_pages(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    assert 'name="text"' in api.get(f"/t/{town.slug}/grids/").get_data(as_text=True)
    resp = api.post(f"/t/{town.slug}/grids/bulk", data={"parent_id": str(r["东二网格"]["id"]), "text": "甲楼\n乙楼"})
    assert resp.status_code == 303
    after = rows(town)
    assert after["甲楼"]["parent_id"] == after["乙楼"]["parent_id"] == r["东二网格"]["id"]
