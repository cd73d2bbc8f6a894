"""Units at the county (双报到单位): kept at the county, named by in-service party members in
its townships, each unit's members and hours by township against the annual target, the
quarterly feedback report as .xlsx and a printable page; a township or another county cannot
reach them."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.plugins.volunteer.conftest import make_town


def _served(town, api_as, vol_id, hours):
    """A confirmed order of ``hours`` for ``vol_id`` (hours recorded now)."""
    worker = api_as(town.worker1)
    item = worker.get(f"{town.api}/menu").get_json()["items"][0]
    order = worker.post(f"{town.api}/orders", json={"item_id": item["id"], "grid_id": town.g1.id,
                                                    "requester_name": "群众"}).get_json()
    assert worker.post(f"{town.api}/orders/{order['id']}/claim", json={"volunteer_id": vol_id}).status_code == 200
    assert worker.post(f"{town.api}/orders/{order['id']}/done", json={"hours": hours}).status_code == 200
    assert worker.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 5}).status_code == 200


def test_a_units_members_across_townships_with_hours_against_the_target(town, api_as, create_county, create_tenant,
                                                                        create_grid, create_user, enable_module):
    second = make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as,
                       county=town.county)
    for t, name, mobile, hours in ((town, "甲", "13800000001", 3.0), (town, "乙", "13800000002", 1.5),
                                   (second, "丙", "13800000003", 2.0)):
        vol = api_as(t.admin).post(f"{t.api}/volunteers", json={
            "name": name, "mobile": mobile, "is_party_member": True, "unit_id": town.unit_id,
            "party_branch": "教育局机关第一支部", "confirm": True}).get_json()
        _served(t, api_as, vol["id"], hours)
    county_api = api_as(town.county_admin)
    base = f"/api/v1/t/{town.county_slug}/volunteer/units"
    report = county_api.get(f"{base}/{town.unit_id}/report").get_json()
    assert report["total_hours"] == 6.5 and len(report["members"]) == 3
    assert sorted(r["count"] for r in report["registered_where"]) == [1, 2]
    assert {m["name"]: m["hours"] for m in report["members"]} == {"甲": 3.0, "乙": 1.5, "丙": 2.0}
    assert all(m["target"] == 50.0 for m in report["members"])
    from plugins.volunteer.localtime import local_now

    now = local_now()
    other_q = 1 if now.month > 3 else 2  # a quarter of this year with no service in it
    quarter = county_api.get(f"{base}/{town.unit_id}/report?quarter={other_q}").get_json()
    by_name = {m["name"]: m for m in quarter["members"]}
    assert by_name["甲"]["hours"] == 0.0 and by_name["甲"]["year_hours"] == 3.0 and quarter["total_hours"] == 0.0
    q = county_api.get(f"{base}/{town.unit_id}/report?quarter=5")
    assert q.status_code == 422 and "quarter" in q.get_json()["error"]["fields"]
    page = county_api.get(f"/t/{town.county_slug}/volunteer/county/units/{town.unit_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "甲" in html and "volunteer.css" in html  # the print styles
    assert "data-print" in html and "print.js" in html and "<script>" not in html  # a print button, no inline script
    assert county_api.get("/assets/volunteer/print.js").status_code == 200
    sheet = county_api.get(f"/t/{town.county_slug}/volunteer/county/units/{town.unit_id}/report.xlsx?quarter=1")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][0] and len(rows) >= 1  # the header, and this quarter's members


def test_units_are_county_only_and_another_countys_unit_is_refused(town, api_as, create_county, create_tenant,
                                                                   create_grid, create_user, enable_module):
    county_api = api_as(town.county_admin)
    base = f"/api/v1/t/{town.county_slug}/volunteer/units"
    assert county_api.post(base, json={"name": "县民政局", "annual_target_hours": -1}).status_code == 422
    added = county_api.post(base, json={"name": "县民政局", "annual_target_hours": 40})
    assert added.status_code == 201
    assert county_api.post(base, json={"name": "县民政局"}).status_code == 409
    assert county_api.patch(f"{base}/{added.get_json()['id']}", json={"annual_target_hours": 60}).get_json()[
        "annual_target_hours"] == 60
    # a township's staff cannot reach the county's units, nor a township URL serve them
    assert api_as(town.admin).get(base).status_code == 404
    assert api_as(town.admin).get(f"/api/v1/t/{town.slug}/volunteer/units").status_code in (403, 404)
    other = make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as)
    assert api_as(other.county_admin).get(f"{base}/{town.unit_id}/report").status_code == 404
    own = f"/api/v1/t/{other.county_slug}/volunteer/units"
    assert api_as(other.county_admin).get(f"{own}/{town.unit_id}/report").status_code == 404
    refused = api_as(other.admin).post(f"{other.api}/volunteers", json={
        "name": "跨县", "mobile": "13800000009", "is_party_member": True, "unit_id": town.unit_id})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "unit_not_in_county"
    assert api_as(other.admin).get(f"{other.api}/volunteers").get_json()["total"] == 0
