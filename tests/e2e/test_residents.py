"""The residents' side in a real browser on a 390 px phone: staff issue a household card (一户一码),
the phone opens the card's link, enters the PIN once and sees the household, reports a problem
from the portal, tracks it and rates it once it is closed."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


@pytest.fixture(scope="module")
def portal_town(live_server):
    """A township of its own (incidents on), one household of two, a grid worker with a phone."""
    from sqlalchemy import select

    from core.auth.service import create_user
    from core.db import db
    from core.grid.duties import add_duty
    from core.grid.models import Grid
    from core.people.identity import make_id_number
    from core.people.services import create_household, create_person
    from core.tenancy import tenant_context
    from tenants.onboarding import onboard_township

    with live_server.app.app_context():
        town = onboard_township({"name": "龙岗镇", "slug": "e2e-portal", "county": live_server.county,
                                 "grid_level_names": ["村", "网格"], "modules": {"incidents": {}, "points_bank": {}},
                                 "grids": [{"name": "查冲村", "children": [{"name": "第三网格"}]}],
                                 "admin": {"username": "portal_admin", "display_name": "刘主任", "password": PASSWORD}}).tenant
        with tenant_context(town):
            grid = db.session.scalar(select(Grid).where(Grid.name == "第三网格"))
            home = create_household({"grid_id": grid.id, "address": "查冲村 3 组 18 号", "number": "0318",
                                     "head_name": "陈桂英"})
            for i, (name, relation) in enumerate((("陈桂英", "户主"), ("周建国", "配偶"))):
                create_person({"name": name, "grid_id": grid.id, "household_id": home.id, "relation": relation,
                               "id_number": make_id_number("340822", dt.date(1952, 4, 1 + i), 901 + i,
                                                           "female" if i == 0 else "male")})
            add_duty(town, grid, "grid_worker", name="孙网格员", phone="13955506789")
            household_id = home.id
            db.session.commit()
        return SimpleNamespace(slug=town.slug, id=town.id, household_id=household_id)


def _close(live_server, portal_town, receipt: str) -> None:
    """The grid worker's side, done directly: accept, start, resolve, close."""
    from sqlalchemy import select

    from core.db import db
    from core.models import Tenant
    from core.tenancy import tenant_context
    from plugins.incidents import services
    from plugins.incidents.models import Incident

    with live_server.app.app_context():
        tenant = db.session.get(Tenant, portal_town.id)
        with tenant_context(tenant):
            incident = db.session.scalar(select(Incident).where(Incident.receipt == receipt))
            for action in ("accept", "start", "resolve", "close"):
                services.advance(tenant, incident, action)
            db.session.commit()


def _award_points(live_server, portal_town) -> int:
    """The office records points for the household (the points bank's API); its balance now."""
    from core.db import db
    from core.tenancy import tenant_context
    from plugins.points_bank.models import Account

    client = live_server.app.test_client()
    login = client.post("/api/v1/auth/login", json={"login": "portal_admin", "password": PASSWORD}).get_json()
    headers = {"X-CSRFToken": login["csrf_token"]}
    base = f"/api/v1/t/{portal_town.slug}/points_bank"
    scheme = next(s for s in client.get(f"{base}/schemes").get_json() if s["kind"] == "household")
    rules = client.get(f"{base}/schemes/{scheme['id']}").get_json()["rules"]
    rule = next(r for r in rules if not r["needs_review"] and r["points"] > 0)
    txn = client.post(f"{base}/entries", headers=headers, json={"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                                "household_id": portal_town.household_id})
    assert txn.status_code == 201, txn.get_json()
    with live_server.app.app_context(), tenant_context(portal_town.id):
        return db.session.get(Account, txn.get_json()["account_id"]).balance


def test_a_household_opens_its_card_and_tracks_a_report(page, phone, live_server, portal_town, shots):
    # township staff issue the card from the household page and get it to print, PIN included
    sign_in(page, "portal_admin")
    page.goto(f"/t/{portal_town.slug}/people/households/{portal_town.household_id}")
    page.get_by_role("button", name="发放户码卡").click()
    card = page.locator("article.hcard")
    expect(card).to_contain_text("龙岗镇")
    expect(card).to_contain_text("查冲村")
    expect(card).to_contain_text("0318")
    shots(page, "residents-card-sheet")
    url = card.locator(".hcard-qr").get_attribute("data-url")
    pin = card.locator(".hcard-pin").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin) and "/r/e2e-portal/card/" in url

    # the phone opens what the QR code holds and enters the PIN once
    phone.goto(url)
    expect(phone.locator("h1")).to_have_text("一户一码")
    phone.fill("input[name=pin]", "000000" if pin != "000000" else "111111")
    phone.get_by_role("button", name="进入").click()
    expect(phone.locator(".r-error")).to_contain_text("密码不正确")
    shots(phone, "residents-pin-wrong")
    phone.fill("input[name=pin]", pin)
    phone.get_by_role("button", name="进入").click()
    expect(phone).to_have_url(re.compile(r"/r/e2e-portal/$"))
    expect(phone.locator("h1")).to_have_text("查冲村 3 组 18 号")
    expect(phone.locator("body")).to_contain_text("周建国")
    expect(phone.locator("a.r-call")).to_have_attribute("href", "tel:13955506789")
    expect(phone.locator(".r-path")).to_have_text("查冲村 › 第三网格")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shots(phone, "residents-home", full_page=True)
    # the phone stays signed in: the card's link again goes straight to the household
    phone.goto(url)
    expect(phone).to_have_url(re.compile(r"/r/e2e-portal/$"))

    # a report from the portal, with its receipt and tracking page
    phone.get_by_role("link", name="随手拍").click()
    phone.select_option("select[name=category_id]", index=1)
    phone.fill("textarea[name=description]", "村口的路灯一到晚上就不亮")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".r-ok")).to_contain_text("已收到您的反映")
    expect(phone.locator(".r-status")).to_have_text("已收到，等待受理")
    receipt = phone.locator(".r-receipt").inner_text().replace("-", "")
    shots(phone, "residents-track", full_page=True)

    _close(live_server, portal_town, receipt)
    phone.reload()
    expect(phone.locator(".r-status")).to_have_text("已办结")
    phone.get_by_label("满意", exact=True).check()
    phone.fill("input[name=note]", "修得很快")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.locator(".r-ok")).to_contain_text("谢谢您的评价")
    expect(phone.locator("body")).to_contain_text("您的评价：满意")
    expect(phone.get_by_role("button", name="提交评价")).to_have_count(0)  # rated once
    shots(phone, "residents-rated", full_page=True)
    phone.get_by_role("link", name="回到我的家").click()
    expect(phone.locator("[data-key='incidents.reports']")).to_contain_text("已办结")

    # the household's points: the office records an entry, the phone sees the balance
    balance = _award_points(live_server, portal_town)
    phone.reload()
    points = phone.locator("[data-key='points_bank.points']")
    expect(points).to_contain_text(f"{balance} 分")
    shots(phone, "residents-points", full_page=True)
