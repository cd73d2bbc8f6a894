"""The console pages: the quarter with its inspection form, refusals shown with the reason, closing
after a confirmation, the ranking on one page, the year, English, and the .xlsx exports."""
from __future__ import annotations

import io

from openpyxl import load_workbook


def _csrf(html: str) -> str:
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_inspection_form_records_and_refuses_with_the_reason(town, api_as, rule_by_code):
    staff = api_as(town.staff)
    page = staff.get(f"{town.pages}/quarters/{town.period}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "督查扣分" in html and "房前屋后整洁、无乱堆乱放" in html
    rule = rule_by_code(staff, town, "environment_clean")
    form = {"csrf_token": _csrf(html), "grid_id": str(town.g1), "rule_id": str(rule["id"]), "points": "1.5",
            "reason": "柴草乱堆", "evidence": "照片 7", "inspected_on": "2026-10-09"}
    resp = staff.post(f"{town.pages}/quarters/{town.period}/deductions", data=form)
    assert resp.status_code == 303
    shown = staff.get(f"{town.pages}/quarters/{town.period}").get_data(as_text=True)
    assert "扣分已记录" in shown and "柴草乱堆" in shown and "督查组王干事" in shown
    resp = staff.post(f"{town.pages}/quarters/{town.period}/deductions", data={**form, "points": "9"})
    refused = resp.get_data(as_text=True)  # the form again, with the reason
    assert resp.status_code == 422 and "最多还能扣 6.5 分" in refused and 'value="柴草乱堆"' in refused
    items = staff.get(f"{town.api}/quarters/{town.period}/deductions").get_json()["items"]
    assert [(d["points"], d["inspected_on"]) for d in items] == [(1.5, "2026-10-09")]


def test_closing_asks_first_then_the_ranking_is_one_page(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    deduct(admin, town, town.g1, rule_by_code(admin, town, "environment_clean")["id"], 2, "柴草乱堆")
    csrf = _csrf(admin.get(f"{town.pages}/quarters/{town.period}").get_data(as_text=True))
    asked = admin.post(f"{town.pages}/quarters/{town.period}/close", data={"csrf_token": csrf})
    assert asked.status_code == 200 and "关闭后不能再打分" in asked.get_data(as_text=True)
    assert admin.get(f"{town.api}/quarters/{town.period}").get_json()["state"] == "open"
    done = admin.post(f"{town.pages}/quarters/{town.period}/close", data={"csrf_token": csrf, "confirmed": "1"})
    assert done.status_code == 303
    admin.post(f"{town.pages}/quarters/{town.period}/publish", data={"csrf_token": csrf, "confirmed": "1"})
    page = api_as(town.leader1).get(f"{town.pages}/quarters/{town.period}/ranking")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "第 3 名" in html and "柴草乱堆" in html
    assert "比上一名「" in html and "多失 2.0 分" in html
    assert 'name="viewport"' in html and "table-scroll" in html  # phones: tables scroll inside 390 px
    year = api_as(town.leader1).get(f"{town.pages}/years/{town.period[:4]}").get_data(as_text=True)
    assert "年度先进网格候选" in year and "三网格" in year


def test_rule_edit_form(town, api_as, rule_by_code):
    admin = api_as(town.admin)
    rule = rule_by_code(admin, town, "duty_training")
    url = f"{town.pages}/quarters/{town.period}/rules/{rule['id']}"
    html = admin.get(url).get_data(as_text=True)
    resp = admin.post(url, data={"csrf_token": _csrf(html), "item": "队伍建设", "title": "参加乡镇培训", "max_points": "2",
                                 "method": "缺席一次扣1分", "active": "1"})
    assert resp.status_code == 303
    assert rule_by_code(admin, town, "duty_training")["max_points"] == 2
    bad = admin.post(url, data={"csrf_token": _csrf(html), "item": "队伍建设", "title": "x", "max_points": "0.05", "active": "1"})
    assert bad.status_code == 422 and rule_by_code(admin, town, "duty_training")["max_points"] == 2
    assert 'value="0.05"' in bad.get_data(as_text=True)
    assert api_as(town.staff).get(url).status_code == 403


def test_pages_in_english(town, api_as, deduct, rule_by_code, english_only):
    admin = api_as(town.admin)
    deduct(admin, town, town.g1, rule_by_code(admin, town, "party_meeting")["id"], 1, "例会缺席")
    names = ["测试镇", "东村", "西村", "一网格", "二网格", "三网格", "网格办主任", "督查组王干事", "例会缺席", "照片 IMG_0012"]
    rules = [r for r in admin.get(f"{town.api}/quarters/{town.period}").get_json()["rules"]]
    own = names + [r["item"] for r in rules] + [r["title"] for r in rules] + [r["method"] for r in rules]
    for path in ("/", f"/quarters/{town.period}", f"/quarters/{town.period}/ranking",
                 f"/quarters/{town.period}/grids/{town.g1}", f"/years/{town.period[:4]}"):
        resp = admin.get(f"{town.pages}{path}?lang=en")
        assert resp.status_code == 200, path
        english_only(resp.get_data(as_text=True), own)


def test_exports_of_checklist_scores_and_ranking(town, api_as, deduct, rule_by_code):
    admin = api_as(town.admin)
    deduct(admin, town, town.g2, rule_by_code(admin, town, "party_meeting")["id"], 2, "=HYPERLINK(\"x\")")
    base = f"{town.api}/quarters/{town.period}/export"
    checklist = load_workbook(io.BytesIO(admin.get(f"{base}/checklist.xlsx").data))
    rows = list(checklist.active.values)
    assert rows[0][:4] == ("编码", "考核项目", "考核细则", "分值") and len(rows) == 23
    scores = load_workbook(io.BytesIO(admin.get(f"{base}/scores.xlsx").data))
    found = list(scores.worksheets[1].values)
    assert found[1][0] == "东村 · 二网格" and found[1][2] == 2 and found[1][3].startswith("'=")  # a formula stays text
    ranking = load_workbook(io.BytesIO(admin.get(f"{base}/ranking.xlsx").data))
    rows = list(ranking.active.values)
    assert [r[:3] for r in rows[1:]] == [(1, "东村 · 一网格", 100), (1, "西村 · 三网格", 100), (3, "东村 · 二网格", 98)]
    assert "网格党小组每月组织一次活动 -2" in rows[3][7]


def test_a_township_adds_its_own_rule_from_the_page(town, api_as, rule_by_code):
    admin = api_as(town.admin)
    html = admin.get(f"{town.pages}/quarters/{town.period}").get_data(as_text=True)
    assert "添加本季度细则" in html
    form = {"csrf_token": _csrf(html), "code": "flood_duty", "item": "防汛防台", "title": "汛期值守到位", "max_points": "3",
            "method": "脱岗一次扣1分"}
    assert admin.post(f"{town.pages}/quarters/{town.period}/rules", data=form).status_code == 303
    assert rule_by_code(admin, town, "flood_duty")["max_points"] == 3
    again = admin.post(f"{town.pages}/quarters/{town.period}/rules", data=form)
    assert again.status_code == 422 and "本季度已有此编码" in again.get_data(as_text=True)
    assert "添加本季度细则" not in api_as(town.staff).get(f"{town.pages}/quarters/{town.period}").get_data(as_text=True)
