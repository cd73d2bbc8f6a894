"""The points supermarket in a real browser on a 390 px phone: record points for households at a
village meeting, review them, redeem at the counter and print the receipt; the board prints."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def _setup(live_server) -> dict:
    """The township switches the points bank on and has two households in a grid of their own (done
    in-process: other browser tests fill the shared township's first grid with hundreds of households,
    more than the recording page lists without a grid filter)."""
    from sqlalchemy import select

    from core.db import db
    from core.grid.models import Grid
    from core.models import Tenant
    from tenants.modules import enable_module
    from core.grid.service import create_grid
    from core.people.services import create_household
    from core.tenancy import tenant_context
    from core.people.models import Household

    app = live_server.app
    with app.app_context():
        town = db.session.get(Tenant, live_server.town_id)
        enable_module(town, "points_bank", {"tiers": []})
        with tenant_context(town):
            grid = db.session.scalar(select(Grid).where(Grid.name == "积分示范村"))
            grid = grid or create_grid(town, "积分示范村", None)
            names = {"grid_id": grid.id}
            for name in ("周大山", "吴小河"):
                row = db.session.scalar(select(Household).where(Household.head_name == name, Household.grid_id == grid.id))
                row = row or create_household({"grid_id": grid.id, "address": f"东门{name}家", "head_name": name})
                names[name] = row.id
        db.session.commit()
    return names


def pick(pg, select: str, text: str) -> None:
    value = pg.locator(f"{select} option", has_text=text).first.get_attribute("value")
    pg.select_option(select, value=value)


def no_sideways_scroll(pg) -> None:
    assert pg.evaluate("document.documentElement.scrollWidth") <= 392


def test_record_review_redeem_on_a_phone(phone, live_server, shots):
    homes = _setup(live_server)
    grid_id = homes.pop("grid_id")
    base = f"/t/{live_server.town}/points_bank"
    sign_in(phone, "town_admin")
    phone.goto(f"{base}/record?grid_id={grid_id}")
    pick(phone, "select[name=rule_id]", "孝敬老人")
    for hid in homes.values():
        phone.check(f"input[name=household_id][value='{hid}']")
    phone.fill("input[name=note]", "村民大会评议")
    shots(phone, "points_bank-record-phone")
    no_sideways_scroll(phone)
    phone.get_by_role("button", name="记录").click()
    expect(phone.locator(".flash-ok, .flash-success").first).to_contain_text("已记录 2 笔")

    phone.goto(f"{base}/review")
    no_sideways_scroll(phone)
    boxes = phone.locator("input[name=ids]")
    expect(boxes).to_have_count(2)
    for i in range(2):
        boxes.nth(i).check()
    phone.get_by_role("button", name="通过所选").click()
    expect(phone.locator(".flash-ok, .flash-success").first).to_contain_text("已审核 2 笔")

    phone.goto(f"{base}/shop/items")
    phone.fill("input[name=name]", "洗洁精")
    phone.fill("input[name=price]", "5")
    phone.fill("input[name=stock]", "3")
    phone.get_by_role("button", name="上架").click()
    expect(phone.locator("table.cards")).to_contain_text("洗洁精")
    no_sideways_scroll(phone)

    phone.goto(f"{base}/shop/counter?q=周大山")
    expect(phone.locator(".pb-big")).to_have_text("10")
    pick(phone, "select[name=item_id]", "洗洁精")
    phone.fill("input[name=quantity]", "2")
    shots(phone, "points_bank-counter-phone")
    no_sideways_scroll(phone)
    phone.get_by_role("button", name="确认兑换并交付").click()
    expect(phone).to_have_url(re.compile(r"/shop/receipts/\d+$"))
    expect(phone.locator(".pb-receipt")).to_contain_text("洗洁精")
    expect(phone.locator(".pb-receipt")).to_contain_text("兑换后余额")
    shots(phone, "points_bank-receipt-phone")

    # a second redemption of more than is left is refused beside the field, nothing changes
    phone.goto(f"{base}/shop/counter?q=周大山")
    pick(phone, "select[name=item_id]", "洗洁精")
    phone.fill("input[name=quantity]", "5")
    phone.get_by_role("button", name="确认兑换并交付").click()
    expect(phone.locator(".error-summary")).to_contain_text("库存不足")
    expect(phone.locator("input[name=quantity]")).to_have_value("5")
    expect(phone.locator(".pb-big")).to_have_text("0")

    phone.goto(f"{base}/board")
    expect(phone.locator("h1")).to_contain_text("积分光荣榜")
    no_sideways_scroll(phone)
    shots(phone, "points_bank-board-phone")
    phone.emulate_media(media="print")
    expect(phone.locator("nav.pb-menu")).to_be_hidden()
