"""A grid worker's incident pages on a 390 px phone, in real Chromium (#17 item 12): lists are
cards (no column squeezed to a character per line), the incident page shows the one next step
first with the other actions folded away, and no main page scrolls sideways."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


@pytest.fixture(scope="module")
def incidents_town(live_server):
    from sqlalchemy import select

    from core.db import db
    from core.models import Tenant
    from tenants.modules import enable_module

    with live_server.app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == live_server.town))
        enable_module(tenant, "incidents")
        db.session.commit()
    return live_server.town


def _no_sideways_scroll(pg):
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"{pg.url} is {width}px wide on a 390px screen"


def _cells_are_cards(pg, selector):
    """Every cell of the list is about as wide as the screen: a line of a card, not a column."""
    widths = pg.evaluate(f"[...document.querySelectorAll('{selector} tbody td')].map(td => td.getBoundingClientRect().width)")
    assert widths and min(widths) > 250, (pg.url, widths)


def _select_containing(pg, name, text):
    value = pg.evaluate(f"[...document.querySelectorAll('select[name={name}] option')]"
                        f".find(o => o.textContent.includes('{text}')).value")
    pg.select_option(f"select[name={name}]", value)


def test_report_and_handle_an_incident_on_a_phone(phone, incidents_town, shots):
    town = incidents_town
    sign_in(phone, "town_admin")
    phone.goto(f"/t/{town}/incidents/new")
    _no_sideways_scroll(phone)
    _select_containing(phone, "grid_id", "第一网格")
    _select_containing(phone, "category_id", "路灯故障")
    phone.fill("textarea[name=description]", "东门社区3栋门口路灯不亮，晚上出行不便")
    phone.fill("input[name=place]", "3栋门口")
    phone.get_by_role("button", name="上报", exact=True).click()
    expect(phone.locator("h1")).to_contain_text("待受理")
    _no_sideways_scroll(phone)
    next_step = phone.locator("form.next-step")
    expect(next_step.get_by_role("button", name="受理", exact=True)).to_be_in_viewport()
    expect(phone.get_by_role("button", name="流转至乡镇网格办")).to_be_hidden()  # folded away
    expect(phone.locator("form[data-action=send_back]")).to_have_count(0)  # at its own grid
    shots(phone, "incident-next-step")
    phone.locator("details.more-actions > summary").click()
    expect(phone.get_by_role("button", name="流转至乡镇网格办")).to_be_visible()
    expect(phone.locator("form[data-action=escalate-parent] select[name=department]")).to_have_count(0)
    _no_sideways_scroll(phone)
    next_step.get_by_role("button", name="受理", exact=True).click()
    expect(phone.locator("h1")).to_contain_text("已受理")
    expect(phone.locator("form.next-step").get_by_role("button", name="开始办理")).to_be_visible()

    phone.goto(f"/t/{town}/incidents/")
    expect(phone.locator("table.cards")).to_contain_text("东门社区 › 第一网格")
    _cells_are_cards(phone, "table.cards")
    _no_sideways_scroll(phone)
    shots(phone, "incident-list-cards")
    for path in ("incidents/overdue", "incidents/numbers", "incidents/grids/qr", "people/", "grids/"):
        phone.goto(f"/t/{town}/{path}")
        expect(phone.locator("h1")).to_be_visible()
        _no_sideways_scroll(phone)
