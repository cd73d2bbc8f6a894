"""小事马上办: a grid worker reports something already settled in one request (API) or one form
(page), with the photo of the result; the numbers count it as settled in the grid."""
from __future__ import annotations

import io

from tests.plugins.incidents.conftest import base, png_bytes


def _body(town, category_id, **fields):
    return {"category_id": str(category_id), "grid_id": str(town.g1.id), "description": "垃圾桶倒了", **fields}


def test_one_request_reports_and_settles_with_the_result_photo(town, api_as, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), data={**_body(town, category_id, settled="1", result="已扶正并清理"),
                                      "photos": [(io.BytesIO(png_bytes()), "before.png")],
                                      "result_photos": [(io.BytesIO(png_bytes((9, 9))), "after.png")]},
                    content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    inc = resp.get_json()
    assert inc["state"] == "closed" and inc["reach"] == 0 and inc["closed_at"] is not None
    detail = api.get(f"{base(town)}/{inc['id']}").get_json()
    assert [s["action"] for s in detail["steps"]] == ["report", "settle"]
    assert detail["steps"][1]["note"] == "已扶正并清理" and len(detail["steps"][1]["photos"]) == 1
    assert len(detail["steps"][0]["photos"]) == 1
    numbers = api_as(town.staff).get(f"{base(town)}/numbers").get_json()
    assert numbers["reported"] == 1 and numbers["settled_in_grid"] == 1 and numbers["closed"] == 1


def test_the_report_form_settles_on_the_spot(town, api_as, category_id):
    web = api_as(town.worker1)
    p = f"/t/{town.tenant.slug}/incidents"
    form = web.get(f"{p}/new").get_data(as_text=True)
    assert 'name="settled"' in form and 'name="result_photos"' in form
    resp = web.post(f"{p}/new", data={**_body(town, category_id, settled="1", result="当场劝离"),
                                      "result_photos": [(io.BytesIO(png_bytes()), "after.png")]},
                    content_type="multipart/form-data")
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "当场办结" in page and "当场劝离" in page and "已结案" in page


def test_settling_needs_a_result_and_the_right_to_handle(town, api_as, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), json={**_body(town, category_id, settled=True), "grid_id": town.g1.id})
    assert resp.status_code == 422 and "result" in resp.get_json()["error"]["fields"]
    officer = api_as(town.officer)  # 信息员: may report, not handle
    assert 'name="settled"' not in officer.get(f"/t/{town.tenant.slug}/incidents/new").get_data(as_text=True)
    resp = officer.post(base(town), json={**_body(town, category_id, settled=True, result="好了"), "grid_id": town.g1.id})
    assert resp.status_code == 403 and "settled" in resp.get_json()["error"]["fields"]
    bad_photo = api.post(base(town), data={**_body(town, category_id, settled="1", result="好了"),
                                           "result_photos": [(io.BytesIO(b"nope"), "x.png")]},
                         content_type="multipart/form-data")
    assert bad_photo.status_code == 422 and "result_photos" in bad_photo.get_json()["error"]["fields"]
    assert api.get(base(town)).get_json()["total"] == 0  # nothing half-saved
