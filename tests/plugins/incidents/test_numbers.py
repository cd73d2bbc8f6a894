"""Numbers per subtree and period, overdue lists, the ledger .xlsx, deadlines and the cron CLI."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from core.db import db, utcnow
from core.localtime import local_today
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.plugins.incidents.conftest import base


def run(api, town, incident_id, *actions, **body):
    for action in actions:
        resp = api.post(f"{base(town)}/{incident_id}/{action}", json=body if action in ("escalate", "reject") else {})
        assert resp.status_code == 200, (action, resp.get_json())


def make_overdue(town, incident_id, hours=5):
    with tenant_context(town.tenant):
        row = db.session.get(Incident, incident_id)
        row.due_at = utcnow() - dt.timedelta(hours=hours)
        row.open_due_at = row.due_at if row.is_open else None
        db.session.commit()


def test_numbers_for_subtrees(town, report, api_as):
    w1, w2, staff = api_as(town.worker1), api_as(town.worker2), api_as(town.staff)
    settled = [report()["id"] for _ in range(3)]
    for i in settled:
        run(w1, town, i, "accept", "start", "resolve", "close")
    up = report()["id"]
    run(w1, town, up, "escalate", to="parent", note="上报村")
    run(api_as(town.leader), town, up, "accept", "start", "resolve", "close")
    office = report(user=town.worker2, grid=town.g2)["id"]
    run(w2, town, office, "escalate", to="office", note="上报网格办")
    rejected = report()["id"]
    run(w1, town, rejected, "reject", reason="重复")
    late = report(user=town.worker2, grid=town.g2)["id"]
    make_overdue(town, late)
    w1.post(f"{base(town)}/{settled[0]}/rate", json={"satisfaction": "satisfied"})
    w1.post(f"{base(town)}/{settled[1]}/rate", json={"satisfaction": "dissatisfied"})

    n = staff.get(f"{base(town)}/numbers").get_json()
    assert n["reported"] == 7 and n["settled_in_grid"] == 3 and n["closed"] == 4 and n["rejected"] == 1
    assert n["escalated"] == {"parent_grid": 1, "office": 1, "department": 0}
    assert n["closure_rate"] == round(4 / 6, 4) and n["overdue"] == 1
    assert n["satisfaction_rate"] == 0.5 and n["rated"] == 2 and n["mean_hours_to_close"] is not None
    assert n["by_category"][0]["category"] == "道路破损" and n["by_category"][0]["reported"] == 7
    by_worker = {w["user_id"]: w for w in n["by_worker"]}
    assert by_worker[town.worker1.id]["reported"] == 5 and by_worker[town.worker1.id]["closed_by"] == 3
    assert by_worker[town.leader.id]["closed_by"] == 1

    g2 = staff.get(f"{base(town)}/numbers?grid_id={town.g2.id}").get_json()
    assert g2["reported"] == 2 and g2["closed"] == 0
    # a grid worker's numbers cover their own subtree only, and another grid is refused
    assert w2.get(f"{base(town)}/numbers").get_json()["reported"] == 2
    assert w2.get(f"{base(town)}/numbers?grid_id={town.g1.id}").status_code == 403
    today = local_today(town.tenant)  # the filter's dates are the township's: from 16:00 UTC it is tomorrow in Beijing
    empty = staff.get(f"{base(town)}/numbers?from={today - dt.timedelta(days=30)}&to={today - dt.timedelta(days=1)}")
    assert empty.get_json()["reported"] == 0
    assert staff.get(f"{base(town)}/numbers?from={today}&to={today}").get_json()["reported"] == 7
    bad = staff.get(f"{base(town)}/numbers?from=yesterday")
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]

    # county comparison numbers and the dashboard widgets come from the same counts
    from core.modules import hooks

    with tenant_context(town.tenant):
        answers = hooks(town.tenant).tenant_numbers(tenant=town.tenant)
    mine = next(a for a in answers if "incidents.closure_rate" in a)
    assert mine["incidents.closure_rate"] == n["closure_rate"] and mine["incidents.reported"] == 7
    assert mine["incidents.overdue"] == 1 and mine["incidents.settled_in_grid"] == 3
    home = staff.get(f"/t/{town.tenant.slug}/")
    assert home.status_code == 200 and "超期事件" in home.get_data(as_text=True)


def test_overdue_lists_per_grid_and_handler(town, report, api_as):
    a, b = report()["id"], report(user=town.worker2, grid=town.g2)["id"]
    report()
    run(api_as(town.worker1), town, a, "accept")
    make_overdue(town, a, hours=10)
    make_overdue(town, b, hours=2)
    staff = api_as(town.staff)
    listed = staff.get(f"{base(town)}/overdue").get_json()
    assert [i["id"] for i in listed["items"]] == [a, b] and all(i["overdue"] for i in listed["items"])
    assert (listed["total"], listed["total_capped"], listed["has_more"]) == (2, False, False)
    first = staff.get(f"{base(town)}/overdue?per_page=1").get_json()  # counted up to the cap, not exactly
    assert [i["id"] for i in first["items"]] == [a] and (first["total"], first["has_more"]) == (2, True)
    assert [i["id"] for i in staff.get(f"{base(town)}/overdue?handler_id={town.worker1.id}").get_json()["items"]] == [a]
    assert [i["id"] for i in api_as(town.worker2).get(f"{base(town)}/overdue").get_json()["items"]] == [b]
    summary = staff.get(f"{base(town)}/overdue/summary").get_json()
    assert {r["grid"]: r["overdue"] for r in summary["per_grid"]} == {"第一网格": 1, "第二网格": 1}
    assert {r["user_id"]: r["overdue"] for r in summary["per_handler"]} == {town.worker1.id: 1, None: 1}
    page = staff.get(f"/t/{town.tenant.slug}/incidents/overdue")
    assert page.status_code == 200 and f"#{a}" in page.get_data(as_text=True)


def test_deadline_follows_category_and_urgency(town, report, api_as, category_id):
    normal, urgent = report(), report(urgency="urgent")
    hours = lambda i: (dt.datetime.fromisoformat(i["due_at"]) - dt.datetime.fromisoformat(i["reported_at"])).total_seconds() / 3600  # noqa: E731
    assert round(hours(normal)) == 72 and round(hours(urgent)) == 2
    staff = api_as(town.staff)
    assert staff.patch(f"{base(town)}/categories/{category_id}", json={"time_limit_hours": 0}).status_code == 422
    assert staff.patch(f"{base(town)}/categories/{category_id}", json={"time_limit_hours": 12}).status_code == 200
    assert round(hours(report())) == 12


def test_cli_escalates_overdue_incidents_of_auto_categories(app, town, report, api_as, category_id):
    staff = api_as(town.staff)
    assert staff.patch(f"{base(town)}/categories/{category_id}", json={"auto_escalate": True}).status_code == 200
    late, on_time = report()["id"], report()["id"]
    make_overdue(town, late)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["--lang", "en", "incidents", "escalate-overdue", "--tenant", town.tenant.slug])
    assert result.exit_code == 0, result.output
    assert "escalated 1" in result.output
    moved = staff.get(f"{base(town)}/{late}").get_json()
    assert moved["handling_grid_id"] == town.village.id and moved["reach"] == 1 and not moved["overdue"]
    assert moved["steps"][-1]["actor_name"] == "系统" and "自动流转" in moved["steps"][-1]["note"]
    assert staff.get(f"{base(town)}/{on_time}").get_json()["handling_grid_id"] == town.g1.id
    # next pass, once overdue again: from the top grid to the township office, then it stays
    make_overdue(town, late)
    runner.invoke(args=["--lang", "en", "incidents", "escalate-overdue", "--tenant", town.tenant.slug])
    assert staff.get(f"{base(town)}/{late}").get_json()["level"] == "office"
    make_overdue(town, late)
    result = runner.invoke(args=["--lang", "en", "incidents", "escalate-overdue", "--tenant", town.tenant.slug])
    assert "escalated 0" in result.output


def test_ledger_xlsx(town, report, api_as):
    first = report(description="台账测试一")
    report(user=town.worker2, grid=town.g2, description="台账测试二")
    resp = api_as(town.staff).get(f"{base(town)}/ledger.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "上报时间", "网格", "事项类别", "问题描述")
    assert [(r[0], r[2], r[4], r[8]) for r in rows[1:]] == [(first["id"], "查冲村 › 第一网格", "台账测试一", "待受理"),
                                                           (first["id"] + 1, "查冲村 › 第二网格", "台账测试二", "待受理")]
    mine = load_workbook(io.BytesIO(api_as(town.worker1).get(f"{base(town)}/ledger.xlsx").data)).active
    assert [r[4] for r in mine.iter_rows(min_row=2, values_only=True)] == ["台账测试一"]
