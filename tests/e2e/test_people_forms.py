"""Registering a resident in a real browser: a wrong ID number is named beside its field with
what was typed kept, the corrected form lands on the person page, and the grid tree counts them."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from core.people.identity import make_id_number
from tests.e2e.conftest import sign_in


def test_register_a_resident_and_see_the_grid_count_it(page, live_server, shots):
    sign_in(page, "town_admin")
    page.goto(f"/t/{live_server.town}/people/")
    page.get_by_role("link", name="登记居民").click()
    expect(page.locator("h1")).to_have_text("登记居民")
    number = make_id_number("340822", dt.date(1956, 3, 9), 731, "female")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    page.fill("input[name=name]", "陈桂英")
    page.fill("input[name=id_number]", wrong)
    page.fill("input[name=mobile]", "13955501234")
    page.select_option("select[name=grid_id]", label="　第二网格")
    page.get_by_label("独居老人").check()
    page.get_by_role("button", name="登记").click()
    expect(page.locator("#err-id_number")).to_be_visible()
    expect(page.locator("input[name=id_number]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=name]")).to_have_value("陈桂英")
    expect(page.get_by_label("独居老人")).to_be_checked()
    shots(page, "person-form-error")
    page.fill("input[name=id_number]", number)
    page.get_by_role("button", name="登记").click()
    expect(page).to_have_url(re.compile(rf"/t/{live_server.town}/people/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text("已登记居民 陈桂英")
    expect(page.locator("td.id-number")).to_have_text(number)  # the admin may see it; audited
    expect(page.locator("body")).to_contain_text("1956-03-09")  # read off the ID number
    page.goto(f"/t/{live_server.town}/grids/")
    expect(page.locator("li", has_text="第二网格").last).to_contain_text("人 1")
