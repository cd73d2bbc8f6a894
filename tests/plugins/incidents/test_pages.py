"""Console pages: list, report form, detail with timeline and actions, numbers, item list."""
from __future__ import annotations

import io

from tests.plugins.incidents.conftest import base, png_bytes


def test_report_and_handle_through_pages(town, api_as, category_id):
    web = api_as(town.worker1)
    p = f"/t/{town.tenant.slug}/incidents"
    form = web.get(f"{p}/new")
    assert form.status_code == 200 and "第一网格" in form.get_data(as_text=True)
    assert "第二网格" not in form.get_data(as_text=True)
    resp = web.post(f"{p}/new", data={"grid_id": str(town.g1.id), "category_id": str(category_id), "description": "井盖缺失",
                                      "urgency": "urgent", "photos": [(io.BytesIO(png_bytes()), "well.png")]},
                    content_type="multipart/form-data")
    assert resp.status_code == 302
    detail_url = resp.headers["Location"]
    incident_id = int(detail_url.rstrip("/").split("/")[-1])
    page = web.get(detail_url).get_data(as_text=True)
    assert "井盖缺失" in page and "流转记录" in page and "受理" in page and "<img" in page
    assert web.post(f"{p}/{incident_id}/act/accept", data={"note": "马上去"}).status_code == 302
    assert web.post(f"{p}/{incident_id}/act/escalate", data={"to": "parent", "note": ""}).status_code == 302
    state = web.get(f"{base(town)}/{incident_id}").get_json()
    assert state["state"] == "accepted" and state["level"] == "grid" and state["handling_grid_id"] == town.g1.id
    assert "请填写说明" in web.get(detail_url).get_data(as_text=True)  # the refusal is flashed
    listing = web.get(f"{p}/").get_data(as_text=True)
    assert f"#{incident_id}" in listing
    bad = web.post(f"{p}/new", data={"grid_id": str(town.g1.id), "category_id": str(category_id), "description": "x",
                                     "photos": [(io.BytesIO(b"nope"), "a.png")]}, content_type="multipart/form-data")
    # refused: the form again (422) with what was typed, nothing saved
    assert bad.status_code == 422 and ">x</textarea>" in bad.get_data(as_text=True)
    assert web.get(f"{base(town)}").get_json()["total"] == 1


def test_numbers_and_categories_pages(town, api_as, report, category_id):
    report()
    staff = api_as(town.staff)
    p = f"/t/{town.tenant.slug}/incidents"
    numbers = staff.get(f"{p}/numbers").get_data(as_text=True)
    assert "网格自办自结" in numbers and "<svg" in numbers and "道路破损" in numbers
    cats = staff.get(f"{p}/categories")
    assert cats.status_code == 200 and "网格事项清单" in cats.get_data(as_text=True)
    assert staff.post(f"{p}/categories", data={"id": str(category_id), "time_limit_hours": "36", "active": "1"}).status_code == 302
    got = {c["id"]: c for c in staff.get(f"{base(town)}/categories").get_json()}[category_id]
    assert got["time_limit_hours"] == 36 and got["auto_escalate"] is False
    assert api_as(town.worker1).get(f"{p}/categories").status_code == 403


def test_office_level_detail_and_reopen_through_pages(town, api_as, report):
    inc = report()
    w1, staff = api_as(town.worker1), api_as(town.staff)
    p = f"/t/{town.tenant.slug}/incidents"
    assert w1.post(f"{p}/{inc['id']}/act/escalate", data={"to": "office", "note": "请网格办协调"}).status_code == 302
    page = staff.get(f"{p}/{inc['id']}").get_data(as_text=True)
    assert "乡镇网格办" in page and "退回下级" in page and "请网格办协调" in page
    assert "退回下级" not in w1.get(f"{p}/{inc['id']}").get_data(as_text=True)  # no longer the worker's level
    for action in ("accept", "start", "resolve", "close"):
        assert staff.post(f"{p}/{inc['id']}/act/{action}", data={}).status_code == 302
    assert "重启" in staff.get(f"{p}/{inc['id']}").get_data(as_text=True)
    assert staff.post(f"{p}/{inc['id']}/act/reopen", data={"note": "群众不满意"}).status_code == 302
    body = staff.get(f"{base(town)}/{inc['id']}").get_json()
    assert body["state"] == "reported" and body["level"] == "office"


def test_the_list_pages_a_page_at_a_time_with_no_total(town, api_as, report):
    """A township holds 200,000 incidents: the list shows ``per_page`` (50 by default) and links
    the next page when there is one, never counting them all."""
    ids = [report()["id"] for _ in range(3)]
    staff = api_as(town.staff)
    p = f"/t/{town.tenant.slug}/incidents/"
    first = staff.get(f"{p}?per_page=2").get_data(as_text=True)
    assert f"#{ids[2]}<" in first and f"#{ids[1]}<" in first and f"#{ids[0]}<" not in first
    assert 'rel="next"' in first and "page=2" in first and 'rel="prev"' not in first
    second = staff.get(f"{p}?per_page=2&page=2").get_data(as_text=True)
    assert f"#{ids[0]}<" in second and f"#{ids[1]}<" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    whole = staff.get(p).get_data(as_text=True)
    assert all(f"#{i}<" in whole for i in ids) and 'class="pager"' not in whole
    assert staff.get(f"{p}?page=0").status_code == 422
