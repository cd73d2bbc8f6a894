"""Incidents on the residents' side: receipts, the tracking page, rating once, reopening within
the township's window, and the household's reports in its portal (群众端)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from core.db import db, utcnow
from tenants.modules import update_settings
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.core.residents.conftest import csrf_of, issue_card, resident_phone, sign_in
from tests.plugins.incidents.conftest import base, make_town

RECEIPT = re.compile(r"/r/[\w-]+/incidents/track/([23456789A-HJKMNP-Z]{10})")


def _household(town, address="查冲村 5 组 2 号"):
    from core.people.services import create_household

    with tenant_context(town.tenant):
        household = create_household({"grid_id": town.g1.id, "address": address, "number": "0502"})
        db.session.commit()
        return household.id


def _qr_report(client, town, category_id, description="村口路灯不亮"):
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    resp = client.post(url, data={"csrf_token": csrf_of(client.get(url).data), "category_id": str(category_id),
                                  "description": description})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    confirmation = client.get(resp.headers["Location"]).get_data(as_text=True)
    return RECEIPT.search(confirmation).group(1), confirmation


def _row(town, receipt):
    with tenant_context(town.tenant):
        row = db.session.scalar(select(Incident).where(Incident.receipt == receipt))
        out = (row.id, row.state, row.satisfaction, row.household_id, row.reopen_count)
        db.session.rollback()
        return out


def _walk(api, town, incident_id, actions=("accept", "start", "resolve", "close")):
    for action in actions:
        assert api.post(f"{base(town)}/{incident_id}/{action}", json={}).status_code == 200, action


def test_every_report_gets_a_receipt_and_a_plain_words_tracking_page(town, api_as, client, category_id):
    receipt, confirmation = _qr_report(client, town, category_id)
    shown = f"{receipt[:5]}-{receipt[5:]}"
    assert shown in confirmation and "查看办理进度" in confirmation
    other, _ = _qr_report(client, town, category_id, "又一处路灯")
    assert other != receipt
    track = f"/r/{town.tenant.slug}/incidents/track/{receipt}"
    page = client.get(track).get_data(as_text=True)
    assert "已收到，等待受理" in page and "所在网格（第一网格）" in page and "村口路灯不亮" in page
    assert client.get(f"/r/{town.tenant.slug}/incidents/track/{shown.lower()}").status_code == 200  # typed as printed
    incident_id = _row(town, receipt)[0]
    worker = api_as(town.worker1)
    assert worker.post(f"{base(town)}/{incident_id}/escalate",
                       json={"to": "office", "note": "需要网格员甲协调电力所"}).status_code == 200
    page = client.get(track).get_data(as_text=True)
    assert "现在由乡镇网格办办理" in page and "转交乡镇网格办办理" in page
    assert "网格员甲" not in page and "电力所" not in page  # no staff names, no staff notes
    staff = api_as(town.staff)
    assert staff.post(f"{base(town)}/{incident_id}/send_back", json={"note": "请村里处理", "to_grid_id": town.village.id}).status_code == 200
    assert "村（社区）：查冲村" in client.get(track).get_data(as_text=True)


def test_rate_once_and_reopen_within_the_window(town, api_as, client, category_id):
    receipt, _ = _qr_report(client, town, category_id)
    incident_id = _row(town, receipt)[0]
    track = f"/r/{town.tenant.slug}/incidents/track/{receipt}"
    token = csrf_of(client.get(f"/r/{town.tenant.slug}/signin").data)
    early = client.post(f"{track}/rate", data={"csrf_token": token, "satisfaction": "satisfied"})
    assert early.status_code == 409 and "办结后才能评价" in early.get_data(as_text=True)
    _walk(api_as(town.worker1), town, incident_id)
    page = client.get(track).get_data(as_text=True)
    assert "已办结" in page and "您对办理结果满意吗" in page and "申请重新办理" in page
    assert client.post(f"{track}/rate", data={"satisfaction": "satisfied"}).status_code == 400  # no CSRF token
    bad = client.post(f"{track}/rate", data={"csrf_token": token, "satisfaction": "great"})
    assert bad.status_code == 422 and _row(town, receipt)[2] is None
    done = client.post(f"{track}/rate", data={"csrf_token": token, "satisfaction": "basically", "note": "还行"})
    assert done.status_code == 303 and "谢谢您的评价" in client.get(done.headers["Location"]).get_data(as_text=True)
    twice = client.post(f"{track}/rate", data={"csrf_token": token, "satisfaction": "dissatisfied"})
    assert twice.status_code == 409 and "只能评价一次" in twice.get_data(as_text=True)
    assert _row(town, receipt)[1:3] == ("closed", "basically")
    assert "您的评价：基本满意" in client.get(track).get_data(as_text=True)
    # reopening needs a reason, then puts it back to handling with a timeline step
    empty = client.post(f"{track}/reopen", data={"csrf_token": token, "note": " "})
    assert empty.status_code == 422 and _row(town, receipt)[1] == "closed"
    resp = client.post(f"{track}/reopen", data={"csrf_token": token, "note": "灯又坏了"})
    assert resp.status_code == 303
    assert _row(town, receipt)[1:] == ("reported", None, None, 1)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已申请重新办理" in page and "重新办理，由第一网格负责" in page
    steps = api_as(town.worker1).get(f"{base(town)}/{incident_id}").get_json()["steps"]
    assert steps[-1]["action"] == "reopen" and "灯又坏了" in steps[-1]["note"]


def test_reopening_after_the_window_is_refused_and_changes_nothing(town, api_as, client, category_id, db_session):
    update_settings(town.tenant, "incidents", {"resident_reopen_days": 7})
    db.session.commit()
    receipt, _ = _qr_report(client, town, category_id)
    incident_id = _row(town, receipt)[0]
    _walk(api_as(town.worker1), town, incident_id)
    with tenant_context(town.tenant):
        db.session.execute(update(Incident).where(Incident.id == incident_id)
                           .values(closed_at=utcnow() - dt.timedelta(days=8)))
        db.session.commit()
    track = f"/r/{town.tenant.slug}/incidents/track/{receipt}"
    page = client.get(track)
    assert "申请重新办理" not in page.get_data(as_text=True)
    token = csrf_of(client.get(f"/r/{town.tenant.slug}/signin").data)
    late = client.post(f"{track}/reopen", data={"csrf_token": token, "note": "还是坏的"})
    assert late.status_code == 409 and "已超过办结后 7 天的申请期限" in late.get_data(as_text=True)
    old_form = client.post(f"/t/{town.tenant.slug}/incidents/r/{_token(town, incident_id)}/rate",
                           data={"csrf_token": token, "satisfaction": "dissatisfied", "reopen": "1"})
    assert old_form.status_code == 409
    assert _row(town, receipt)[1:] == ("closed", None, None, 0)


def _token(town, incident_id):
    with tenant_context(town.tenant):
        return db.session.scalar(select(Incident.public_token).where(Incident.id == incident_id))


def test_another_townships_receipt_is_not_found(town, client, category_id, create_tenant, create_grid, create_user):
    receipt, _ = _qr_report(client, town, category_id)
    other = make_town(create_tenant, create_grid, create_user)
    resp = client.get(f"/r/{other.tenant.slug}/incidents/track/{receipt}")
    assert resp.status_code == 404 and "没有查到这个回执号" in resp.get_data(as_text=True)
    assert "村口路灯" not in resp.get_data(as_text=True)
    token = csrf_of(client.get(f"/r/{town.tenant.slug}/signin").data)
    assert client.post(f"/r/{other.tenant.slug}/incidents/track/{receipt}/rate",
                       data={"csrf_token": token, "satisfaction": "satisfied"}).status_code == 404
    for junk in ("x", "0000000000", "A" * 200):
        assert client.get(f"/r/{town.tenant.slug}/incidents/track/{junk}").status_code == 404


def test_a_card_session_links_reports_to_the_household(town, api_as, client, category_id, app):
    mine, theirs = _household(town), _household(town, "查冲村 6 组 9 号")
    staff = api_as(town.staff)
    face = issue_card(staff, type("V", (), {"slug": town.tenant.slug, "household_id": mine}), mine)
    assert sign_in(client, face).status_code == 303
    home = client.get(f"/r/{town.tenant.slug}/").get_data(as_text=True)
    assert "我的随手拍" in home and "还没有通过户码卡反映过问题" in home
    assert f'href="/r/{town.tenant.slug}/incidents/report"' in home
    form = client.get(f"/r/{town.tenant.slug}/incidents/report")
    assert form.status_code == 200 and "第一网格" in form.get_data(as_text=True)
    resp = client.post(f"/r/{town.tenant.slug}/incidents/report",
                       data={"csrf_token": csrf_of(form.data), "category_id": str(category_id), "description": "门前下水道堵了"})
    assert resp.status_code == 303
    receipt = RECEIPT.search(resp.headers["Location"]).group(1)
    assert _row(town, receipt)[3] == mine
    assert "已收到您的反映" in client.get(resp.headers["Location"]).get_data(as_text=True)
    bad = client.post(f"/r/{town.tenant.slug}/incidents/report", data={"csrf_token": csrf_of(form.data),
                                                                      "category_id": str(category_id), "description": "x"})
    assert bad.status_code == 422
    # a grid QR report from the same phone is the household's too; a phone without a card is nobody's
    qr_receipt, _ = _qr_report(client, town, category_id, "桥栏杆松了")
    assert _row(town, qr_receipt)[3] == mine
    stranger = app.test_client()
    anon_receipt, _ = _qr_report(stranger, town, category_id, "不是本户的")
    assert _row(town, anon_receipt)[3] is None
    home = client.get(f"/r/{town.tenant.slug}/").get_data(as_text=True)
    assert f"{receipt[:5]}-{receipt[5:]}" in home and f"{qr_receipt[:5]}-{qr_receipt[5:]}" in home
    assert anon_receipt[:5] not in home
    # the other household's phone sees none of it
    other_face = issue_card(staff, type("V", (), {"slug": town.tenant.slug, "household_id": theirs}), theirs)
    other_phone = app.test_client()
    assert sign_in(other_phone, other_face).status_code == 303
    their_home = other_phone.get(f"/r/{town.tenant.slug}/").get_data(as_text=True)
    assert receipt[:5] not in their_home and "门前下水道" not in their_home


def test_without_the_module_the_portal_has_no_incidents(app, town, api_as, category_id, db_session):
    from tenants.modules import disable_module

    client = resident_phone(app, api_as(town.staff), town.tenant.slug, _household(town))
    disable_module(town.tenant, "incidents")
    db.session.commit()
    home = client.get(f"/r/{town.tenant.slug}/")
    assert home.status_code == 200 and "我的随手拍" not in home.get_data(as_text=True)
    assert client.get(f"/r/{town.tenant.slug}/incidents/report").status_code == 404


def test_tracking_in_english(town, client, category_id, english_only):
    receipt, _ = _qr_report(client, town, category_id)
    html = client.get(f"/r/{town.tenant.slug}/incidents/track/{receipt}?lang=en").get_data(as_text=True)
    assert "Received; waiting to be accepted" in html and "your grid (第一网格)" in html
    from plugins.incidents.models import Category

    with tenant_context(town.tenant):
        category = db.session.get(Category, category_id).name
    english_only(html, ["测试镇", "第一网格", "村口路灯不亮", category])
    missing = client.get(f"/r/{town.tenant.slug}/incidents/track/ZZZZZZZZZZ?lang=en").get_data(as_text=True)
    english_only(missing, ["测试镇"])


def test_blank_optional_fields_are_no_value(town, client, category_id):
    """A browser sends the empty name and phone inputs as "": the report goes through."""
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    resp = client.post(url, data={"csrf_token": csrf_of(client.get(url).data), "category_id": str(category_id),
                                  "description": "井盖缺了", "place": "", "name": "", "phone": " "})
    assert resp.status_code == 302


def test_simultaneous_ratings_over_http_one_counts(app, town, api_as, category_id):
    """Four phones with the receipt press 提交评价 at the same moment: one rating is kept, the
    others are told 409; never a 500, never two rating steps."""
    import threading

    reporter = app.test_client()
    receipt, _ = _qr_report(reporter, town, category_id)
    _walk(api_as(town.worker1), town, _row(town, receipt)[0])
    phones = [app.test_client() for _ in range(4)]
    tokens = [csrf_of(p.get(f"/r/{town.tenant.slug}/signin").data) for p in phones]
    barrier = threading.Barrier(len(phones))
    answers: list[int] = []

    errors: list[BaseException] = []
    url = f"/r/{town.tenant.slug}/incidents/track/{receipt}/rate"

    def press(phone, token, choice):
        try:
            barrier.wait()
            answers.append(phone.post(url, data={"csrf_token": token, "satisfaction": choice}).status_code)
        except BaseException as exc:  # surfaced below
            import traceback

            errors.append("".join(traceback.format_exception(exc)))

    threads = [threading.Thread(target=press, args=(p, t, c)) for p, t, c in
               zip(phones, tokens, ("satisfied", "basically", "dissatisfied", "satisfied"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[0]
    assert sorted(answers) == [303, 409, 409, 409], answers
    incident_id = _row(town, receipt)[0]
    steps = api_as(town.worker1).get(f"{base(town)}/{incident_id}").get_json()["steps"]
    assert [s["action"] for s in steps].count("rate") == 1


def test_staff_find_a_report_by_the_receipt_a_resident_reads_out(town, api_as, client, category_id):
    receipt, _ = _qr_report(client, town, category_id)
    _qr_report(client, town, category_id, "另一件事")
    worker = api_as(town.worker1)
    found = worker.get(f"{base(town)}?receipt={receipt[:5].lower()}-{receipt[5:]}").get_json()
    assert [i["receipt"] for i in found["items"]] == [f"{receipt[:5]}-{receipt[5:]}"]
    assert worker.get(f"{base(town)}?receipt=nonsense").get_json()["items"] == []
    detail = worker.get(f"/t/{town.tenant.slug}/incidents/{found['items'][0]['id']}").get_data(as_text=True)
    assert f"{receipt[:5]}-{receipt[5:]}" in detail
