"""The mediation room's main flow on a 390 px phone, in real Chromium: take a dispute in, accept
it, assign the mediator, record a session, reach an agreement signed by both parties, and open
the printable 人民调解协议书. No page scrolls sideways."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


@pytest.fixture(scope="module")
def mediation_town(live_server):
    """The e2e township with mediation on and one outside mediator (a retired judge) in its room."""
    from sqlalchemy import select

    from core.db import db
    from core.models import Tenant
    from tenants.modules import enable_module
    from core.tenancy import tenant_context

    with live_server.app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == live_server.town))
        enable_module(tenant, "mediation")
        db.session.commit()
        with tenant_context(tenant):
            from plugins.mediation.models import Mediator
            from plugins.mediation.rooms import all_rooms, save_mediator

            if not db.session.scalar(select(Mediator.id).where(Mediator.name == "周法官")):
                save_mediator(tenant, {"name": "周法官", "background": "retired_judge", "specialities": ["neighbours"],
                                       "room_ids": [all_rooms()[0].id]})
            db.session.commit()
    return live_server.town


def _no_sideways_scroll(pg):
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390 + 1, pg.url


def test_intake_to_printable_agreement_on_a_phone(phone, mediation_town, shots):
    sign_in(phone, "town_admin")
    phone.goto(f"/t/{mediation_town}/mediation/new")
    expect(phone.locator("h1")).to_contain_text("登记纠纷")
    phone.fill("input[name=p0_name]", "赵大伯")
    phone.fill("input[name=p0_phone]", "13900001111")
    phone.fill("input[name=p1_name]", "钱阿姨")
    phone.fill("input[name=p1_address]", "东门社区3栋")
    phone.select_option("select[name=dispute_type]", "neighbours")
    phone.fill("textarea[name=summary]", "楼上漏水浸湿楼下天花板，双方就维修费用发生争执")
    phone.fill("input[name=amount]", "1800")
    _no_sideways_scroll(phone)
    shots(phone, "mediation-intake")
    phone.get_by_role("button", name="登记", exact=True).click()
    expect(phone.locator(".flash")).to_contain_text("已登记")
    expect(phone.locator("h1")).to_contain_text("待受理")
    phone.get_by_role("button", name="受理", exact=True).click()
    expect(phone.locator("h1")).to_contain_text("已受理")
    phone.get_by_label(re.compile("周法官")).check()
    phone.get_by_role("button", name="指派", exact=True).click()
    expect(phone.locator("h1")).to_contain_text("已指派")
    phone.fill("textarea[name=notes]", "听取双方陈述，查看漏水现场")
    phone.fill("input[name=attendees]", "赵大伯、钱阿姨、周法官")
    phone.get_by_role("button", name="保存调解记录").click()
    expect(phone.locator("h1")).to_contain_text("调解中")
    expect(phone.locator("ol.timeline")).to_contain_text("查看漏水现场")
    _no_sideways_scroll(phone)
    agree = phone.locator("form", has=phone.get_by_role("heading", name="达成协议"))
    agree.locator("textarea[name=terms]").fill("一、钱阿姨承担维修费用1200元；二、赵大伯负责联系维修。")
    for box in agree.locator("input[name=signed_party_ids]").all():
        box.check()
    agree.get_by_role("button", name="达成协议").click()
    expect(phone.locator("h1")).to_contain_text("达成协议")
    expect(phone.locator("table.cards").last).to_contain_text("待回访")
    shots(phone, "mediation-case", full_page=True)
    _no_sideways_scroll(phone)
    phone.get_by_role("link", name="人民调解协议书（打印）").click()
    expect(phone.locator(".agreement h1")).to_have_text("人民调解协议书")
    expect(phone.locator(".agreement")).to_contain_text("钱阿姨承担维修费用1200元")
    expect(phone.locator(".agreement")).to_contain_text("周法官")
    _no_sideways_scroll(phone)
    shots(phone, "mediation-agreement", full_page=True)
    phone.emulate_media(media="print")
    expect(phone.locator("button[data-print]")).to_be_hidden()  # only the paper prints
    expect(phone.locator(".agreement")).to_be_visible()
