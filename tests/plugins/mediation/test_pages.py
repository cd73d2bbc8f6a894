"""The console pages: intake form (re-shown with reasons beside fields, keeping what was typed),
the case page's steps, the printable agreement, numbers, registers and meetings."""
from __future__ import annotations

from tests.plugins.mediation.conftest import base, to_agreement


def _p(town) -> str:
    return f"/t/{town.slug}/mediation"


def test_intake_form_reshows_errors_and_keeps_what_was_typed(api_as, town):
    staff = api_as(town.staff)
    html = staff.get(f"{_p(town)}/new").get_data(as_text=True)
    assert "登记纠纷" in html and 'name="p0_person_id"' in html
    found = staff.post(f"{_p(town)}/new", data={"q": "张", "search": "1"}).get_data(as_text=True)
    assert "张三" in found and "张三妻" in found and "李四" not in found
    resp = staff.post(f"{_p(town)}/new", data={"take_in": "1", "grid_id": str(town.g1), "dispute_type": "family",
                                               "summary": "赡养纠纷详情", "p0_name": "外来人", "amount": "abc"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "赡养纠纷详情" in html and 'value="外来人"' in html
    assert 'class="field-error"' in html
    resp = staff.post(f"{_p(town)}/new", data={"take_in": "1", "grid_id": str(town.g1), "dispute_type": "family",
                                               "summary": "赡养纠纷详情", "p0_person_id": str(town.people["张三"]),
                                               "p1_name": "外地儿子", "p1_phone": "13800001111"})
    assert resp.status_code == 302 and "/mediation/" in resp.headers["Location"]
    cases = staff.get(f"{base(town)}/cases").get_json()["items"]
    assert len(cases) == 1 and cases[0]["dispute_type"] == "family"


def test_case_page_steps_through_to_the_printable_agreement(api_as, town, take_in):
    case = take_in()
    med = api_as(town.med_a)
    page = f"{_p(town)}/{case['id']}"
    html = med.get(page).get_data(as_text=True)
    assert case["number"] in html and "张三" in html and "受理" in html
    assert med.post(f"{page}/act/accept", data={}).status_code == 302
    assert med.post(f"{page}/act/assign", data={"mediator_ids": [str(town.mediators["med_a"])]}).status_code == 302
    resp = med.post(f"{page}/act/session", data={"notes": ""})
    assert resp.status_code == 422 and "请填写调解情况" in resp.get_data(as_text=True)
    assert med.post(f"{page}/act/session", data={"notes": "双方陈述", "held_on": "2026-11-30"}).status_code == 302
    resp = med.post(f"{page}/act/agree", data={"terms": "李四改道", "signed_party_ids": [str(case["parties"][0]["id"])]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "李四改道" in html and "协议须经各方当事人签字" in html and "every party must sign" not in html
    ids = [str(p["id"]) for p in case["parties"]]
    assert med.post(f"{page}/act/agree", data={"terms": "李四改道", "signed_party_ids": ids}).status_code == 302
    html = med.get(page).get_data(as_text=True)
    assert "达成协议" in html and "记录回访" in html
    paper = med.get(f"{page}/agreement").get_data(as_text=True)
    assert "人民调解协议书" in paper and "李四改道" in paper and "查冲村调解室" in paper and "周法官" in paper
    assert "data-print" in paper and "<script>" not in paper
    assert med.post(f"{page}/followup", data={"holds": "false"}).status_code == 422
    assert med.post(f"{page}/followup", data={"holds": "true", "note": "已改道"}).status_code == 302


def test_agreement_page_only_for_cases_with_an_agreement(api_as, town, take_in):
    case = take_in()
    assert api_as(town.staff).get(f"{_p(town)}/{case['id']}/agreement").status_code == 404
    assert api_as(town.med_b).get(f"{_p(town)}/{case['id']}").status_code == 404


def test_list_numbers_and_due_pages(api_as, town, take_in):
    to_agreement(api_as, town, take_in())
    staff = api_as(town.staff)
    html = staff.get(f"{_p(town)}/").get_data(as_text=True)
    assert 'class="cards"' in html and "达成协议" in html
    html = staff.get(f"{_p(town)}/numbers").get_data(as_text=True)
    assert "调解成功率 = 达成协议 ÷ 已办结案件" in html and "100.0%" in html and "ledger.xlsx" in html
    assert "按调解员" in html and "周法官" in html
    assert staff.get(f"{_p(town)}/numbers?from=bad").status_code == 422
    assert "今天没有到期的回访" in staff.get(f"{_p(town)}/followups").get_data(as_text=True)


def test_rooms_and_mediators_pages(api_as, town):
    staff = api_as(town.staff)
    html = staff.get(f"{_p(town)}/rooms").get_data(as_text=True)
    assert "查冲村调解室" in html and "周法官" in html and "退休法官" in html
    resp = staff.post(f"{_p(town)}/rooms", data={"name": "查冲村调解室"})
    assert resp.status_code == 422 and "重名" in resp.get_data(as_text=True)
    assert staff.post(f"{_p(town)}/rooms", data={"name": "镇调解中心", "grid_ids": [str(town.g2)]}).status_code == 302
    resp = staff.post(f"{_p(town)}/mediators", data={"background": "lawyer"})
    assert resp.status_code == 422 and "外聘调解员须填写姓名" in resp.get_data(as_text=True)
    assert staff.post(f"{_p(town)}/mediators", data={"name": "郑律师", "background": "lawyer",
                                                     "room_ids": [str(town.room_a)]}).status_code == 302
    assert "郑律师" in staff.get(f"{_p(town)}/rooms").get_data(as_text=True)
    assert api_as(town.worker1).get(f"{_p(town)}/rooms").status_code == 403


def test_meeting_pages_topics_become_a_case(api_as, town):
    w1 = api_as(town.worker1)
    resp = w1.post(f"{_p(town)}/meetings", data={"grid_id": str(town.g1), "held_on": "2026-11-20", "place": "议事长廊",
                                                 "attendee_count": "23", "topics": "排水沟纠纷\n路灯坏了"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = resp.headers["Location"]
    html = w1.get(page).get_data(as_text=True)
    assert "提出问题 2 个，已解决 0 个" in html and "排水沟纠纷" in html
    meeting = w1.get(f"{base(town)}/meetings").get_json()["items"][0]
    first, second = meeting["topics"]
    resp = w1.post(f"/t/{town.slug}/mediation/topics/{first['id']}/case",
                   data={"dispute_type": "neighbours", "p0_person_id": str(town.people["张三"]),
                         "p1_person_id": str(town.people["李四"])})
    assert resp.status_code == 302
    assert w1.post(f"/t/{town.slug}/mediation/topics/{second['id']}/update",
                   data={"decision": "村委会修", "owner": "网格员", "state": "solved"}).status_code == 302
    html = w1.get(page).get_data(as_text=True)
    assert "提出问题 2 个，已解决 1 个" in html and "转调解 1" in html
    case = api_as(town.staff).get(f"{base(town)}/cases").get_json()["items"][0]
    assert case["source"] == "meeting"
    resp = w1.post(f"{_p(town)}/meetings", data={"grid_id": str(town.g3), "held_on": "2026-11-20"})
    assert resp.status_code == 422  # not their grid
    assert api_as(town.worker3).get(page).status_code == 404


def test_agreement_as_pdf(api_as, town, take_in):
    case = to_agreement(api_as, town, take_in())
    resp = api_as(town.med_a).get(f"{_p(town)}/{case['id']}/agreement.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data.startswith(b"%PDF")
    assert len(resp.data) > 5000  # a page with its embedded Chinese glyphs, not an empty document
    assert api_as(town.med_b).get(f"{_p(town)}/{case['id']}/agreement.pdf").status_code == 404
    other = take_in()
    assert api_as(town.staff).get(f"{_p(town)}/{other['id']}/agreement.pdf").status_code == 404


def test_stylesheet_and_print_script_are_served(client):
    assert client.get("/plugin-assets/mediation/mediation.css").status_code == 200
    assert b"print" in client.get("/plugin-assets/mediation/print.js").data


def test_person_and_grid_pages_show_mediation_to_the_office_only(api_as, town, take_in):
    case = take_in()
    person = f"/t/{town.slug}/people/{town.people['张三']}"
    staff_html = api_as(town.staff).get(person).get_data(as_text=True)
    assert case["number"] in staff_html and "邻里纠纷 · 待受理" in staff_html
    assert case["number"] not in api_as(town.worker1).get(person).get_data(as_text=True)
    grid = api_as(town.staff).get(f"/t/{town.slug}/grids/{town.village}").get_data(as_text=True)
    assert "未办结调解案件" in grid and "村民说事次数" in grid
    worker = api_as(town.worker1).get(f"/t/{town.slug}/grids/{town.g1}").get_data(as_text=True)
    assert "未办结调解案件" not in worker and "村民说事次数" in worker
