"""The console pages over HTTP, as a browser posts forms: the plan form (refused forms come back
with the reasons beside the fields and what was typed kept), approval, the scoring forms of each
level, the county's pages, certificates, exports, star households, and English."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.plugins.five_star.conftest import YEAR, star


class Browser:
    """A signed-in test client that carries the CSRF token of the last page it loaded."""

    def __init__(self, api):
        self.c = api.client
        self.token = None

    def get(self, url):
        resp = self.c.get(url)
        m = re.search(r'name="csrf_token" value="([^"]+)"', resp.get_data(as_text=True))
        if m:
            self.token = m.group(1)
        return resp

    def post(self, url, data, **kw):
        return self.c.post(url, data={"csrf_token": self.token, **data}, **kw)


def _plan_form(task_id, action="整顿软弱涣散班子"):
    return {"rows": "3", "star_codes": ["party"], "actions.0.task_id": str(task_id), "actions.0.action": action,
            "actions.0.owner": "张书记", "actions.0.start_on": f"{YEAR}-02-01", "actions.0.due_on": f"{YEAR}-05-01",
            "then": "submit"}


def test_main_flow_through_the_pages(town, api_as, standard):
    party = star(standard, "party")
    t = f"/t/{town.tenant.slug}/five_star"
    leader, staff = Browser(api_as(town.leader1)), Browser(api_as(town.staff))
    page = leader.get(f"{t}/branches/{town.b1}?year={YEAR}")
    assert page.status_code == 200 and "创建计划表" in page.get_data(as_text=True)
    # refused: no star chosen, a due date before the start; the reasons stand beside the fields
    bad = {**_plan_form(party["tasks"][0]["id"]), "star_codes": [], "actions.0.due_on": f"{YEAR}-01-01"}
    resp = leader.post(f"{t}/branches/{town.b1}/plan?year={YEAR}", bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "field-error" in html and "整顿软弱涣散班子" in html
    resp = leader.post(f"{t}/branches/{town.b1}/plan?year={YEAR}", _plan_form(party["tasks"][0]["id"]))
    assert resp.status_code == 302
    page = staff.get(f"{t}/branches/{town.b1}?year={YEAR}").get_data(as_text=True)
    assert "已报送待审" in page and "审核通过" in page
    plan_id = re.search(r'/plans/(\d+)/approve', page).group(1)
    assert staff.post(f"{t}/plans/{plan_id}/approve", {}).status_code == 302
    leader.get(f"{t}/branches/{town.b1}?year={YEAR}")
    resp = leader.post(f"{t}/branches/{town.b1}/assessments", {"year": str(YEAR), "star_code": "party"})
    assert resp.status_code == 302
    url = resp.headers["Location"]
    form = leader.get(url).get_data(as_text=True)
    assert "提交自评" in form
    scores = {f"score_{c['id']}": str(c["max_score"]) for tk in party["tasks"] for c in tk["criteria"]}
    first = party["tasks"][0]["criteria"][0]["id"]
    resp = leader.post(url + "/submit", {**scores, f"score_{first}": "99", "comment": "已逐项自查"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'value="99"' in html and "field-error" in html and "已逐项自查" in html
    assert leader.post(url + "/submit", scores).status_code == 302
    staff.get(url)
    assert staff.post(url + "/submit", {**scores, "comment": "同意上报"}).status_code == 302
    county = Browser(api_as(town.county_admin))
    c = f"/t/{town.county.slug}/five_star/county"
    waiting = county.get(f"{c}/assessments?year={YEAR}").get_data(as_text=True)
    assert "查冲村党支部" in waiting and "支部过硬星" in waiting
    action = re.search(r'action="([^"]+/confirm)"', waiting).group(1)
    hidden = dict(re.findall(r'type="hidden" name="(score_\d+)" value="([^"]+)"', waiting))
    assert len(hidden) == 6
    assert county.post(action, {**hidden, "comment": "评定通过"}).status_code == 302
    after = county.get(f"{c}/assessments?year={YEAR}").get_data(as_text=True)
    assert "暂无待评定的评星" in after, re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', after)
    wall = county.get(f"{c}/?year={YEAR}").get_data(as_text=True)
    assert "cell-held" in wall and town.tenant.name in wall
    page = staff.get(f"{t}/branches/{town.b1}?year={YEAR}").get_data(as_text=True)
    cert = re.search(r'/awards/(\d+)/certificate', page)
    assert cert and "证书" in page
    printed = staff.get(f"{t}/awards/{cert.group(1)}/certificate").get_data(as_text=True)
    assert "荣誉证书" in printed and "支部过硬星" in printed and "查冲村党支部" in printed
    assert "荣誉证书" in staff.get(f"{t}/certificates?year={YEAR}").get_data(as_text=True)
    # withdraw from the branch page, with the tasks to redo
    award_id = cert.group(1)
    form = {"reason": "党员大会未按期召开", "redo_task_ids": [str(party["tasks"][1]["id"])]}
    asked = staff.post(f"{t}/awards/{award_id}/withdraw", form)
    assert asked.status_code == 200 and "失星再培育" in asked.get_data(as_text=True)  # asked first, nothing done
    assert "cell-held" in staff.get(f"{t}/?year={YEAR}").get_data(as_text=True)
    resp = staff.post(f"{t}/awards/{award_id}/withdraw", {**form, "confirmed": "1"})
    assert resp.status_code == 302
    index = staff.get(f"{t}/?year={YEAR}").get_data(as_text=True)
    assert "失星再培育" in index and "党员大会未按期召开" in index and "cell-lost" in index


def test_exports_are_spreadsheets_of_plans_and_results(town, api_as, approved_plan):
    staff = api_as(town.staff)
    t = f"/t/{town.tenant.slug}/five_star"
    resp = staff.get(f"{t}/plans.xlsx?year={YEAR}")
    assert resp.status_code == 200 and resp.mimetype.endswith("sheet")
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("村", "支部", "争创星级")
    assert ("查冲村", "查冲村党支部", "支部过硬星、平安法治星") == rows[1][:3] and rows[1][5] == "调整充实两委班子"
    assert rows[2][1] == "新安村党总支" and rows[2][3] == "未报送"
    resp = staff.get(f"{t}/results.xlsx?year={YEAR}")
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert rows[0][2] == "支部过硬星" and rows[1][2] == "争创中"
    county = api_as(town.county_admin).get(f"/t/{town.county.slug}/five_star/county/map.xlsx?year={YEAR}")
    rows = list(load_workbook(io.BytesIO(county.data)).active.iter_rows(values_only=True))
    assert rows[1][:3] == (town.tenant.name, "查冲村", "查冲村党支部")


def test_formula_like_text_stays_text_in_exports(town, api_as, standard):
    task = star(standard, "party")["tasks"][0]["id"]
    api_as(town.leader1).post(f"/api/v1/t/{town.tenant.slug}/five_star/plans", json={
        "org_id": town.b1, "year": YEAR, "star_codes": ["party"],
        "actions": [{"task_id": task, "action": "=HYPERLINK(\"http://x\")", "owner": "@王"}]})
    data = api_as(town.staff).get(f"/t/{town.tenant.slug}/five_star/plans.xlsx?year={YEAR}").data
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["F2"].data_type == "s" and ws["F2"].value.startswith("'=") and ws["G2"].value == "'@王"


def test_star_households_page_scores_and_confirms(town, api_as):
    h = api_as(town.admin).post(f"/api/v1/t/{town.tenant.slug}/households",
                                json={"grid_id": town.g1, "address": "查冲村一组8号", "head_name": "赵四"}).get_json()
    t = f"/t/{town.tenant.slug}/five_star/households"
    month = f"{YEAR}-06"
    scorer, rater = Browser(api_as(town.scorer)), Browser(api_as(town.rater))
    page = scorer.get(f"{t}/?month={month}").get_data(as_text=True)
    assert "评分组打分" in page and "爱党爱国星" in page
    resp = scorer.post(f"{t}/score?month={month}", {"household_id": str(h["id"]), "star_codes": ["patriotic", "filial"],
                                                    "score_patriotic": "90", "score_filial": "85"})
    assert resp.status_code == 302
    page = rater.get(f"{t}/?month={month}").get_data(as_text=True)
    ids = re.findall(r'name="rating_ids" value="(\d+)"', page)
    assert len(ids) == 2 and "评分组打分" not in page
    assert rater.post(f"{t}/confirm?month={month}", {"rating_ids": ids}).status_code == 302
    page = rater.get(f"{t}/?month={month}").get_data(as_text=True)
    assert "赵四" in page and "★★" in page and "评星组已确认" in page
    public = scorer.c.application.test_client().get(f"{t}/public?month={month}")  # no one signed in
    html = public.get_data(as_text=True)
    assert public.status_code == 200 and "赵*" in html and "赵四" not in html and "一组8号" not in html
    assert "查冲村" in html and "★★" in html


def test_pages_in_english(town, api_as, approved_plan, at_county, english_only):
    staff = api_as(town.staff)
    t = f"/t/{town.tenant.slug}/five_star"
    data = ["查冲村", "新安村", "查冲村党支部", "新安村党总支", "第一网格", "调整充实两委班子", "张书记", town.tenant.name,
            "党建办干事", "乡镇管理员", "查冲村书记", "同意", "县委组织部", "示范县"]
    from plugins.five_star.defaults import HOUSEHOLD_STARS, STARS

    data += [s["name"] for s in STARS] + [tk["title"] for s in STARS for tk in s["tasks"]]
    data += [c["title"] for s in STARS for tk in s["tasks"] for c in tk["criteria"]]
    data += [i for s in STARS for tk in s["tasks"] for c in tk["criteria"] for i in c["items"]]
    data += [name for _c, name, _cat in HOUSEHOLD_STARS] + [f"{YEAR}年度五星支部创建标准"]
    for url in (f"{t}/?year={YEAR}", f"{t}/branches/{town.b1}?year={YEAR}", f"{t}/filing?year={YEAR}",
                f"{t}/standard?year={YEAR}", f"{t}/ranking?year={YEAR}", f"{t}/households/",
                f"{t}/households/stars/?year={YEAR}", f"{t}/inbox/"):
        resp = staff.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert resp.status_code == 200, url
        english_only(resp.get_data(as_text=True), data)
    staff.get(f"{t}/assessments/{at_county['id']}?lang=en")
    english_only(staff.get(f"{t}/assessments/{at_county['id']}?lang=en").get_data(as_text=True), data)
    county = api_as(town.county_admin)
    c = f"/t/{town.county.slug}/five_star/county"
    for url in (f"{c}/?year={YEAR}&lang=en", f"{c}/assessments?year={YEAR}&lang=en", f"{c}/awards?year={YEAR}&lang=en"):
        resp = county.get(url)
        assert resp.status_code == 200, url
        english_only(resp.get_data(as_text=True), data)
