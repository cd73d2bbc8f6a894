"""The console in a real browser: sign in, switch a module on and see its menu, a bad setting,
onboarding from the county console, the language switch, the phone layout. Each main page is
photographed (see conftest)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


def menu(pg):
    return pg.locator("nav.sidenav")


def test_sign_in_shows_errors_then_the_workspace(page, live_server, shots):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=login]", "town_admin")
    page.fill("input[name=password]", "wrong-password-1")
    page.click("button[type=submit]")
    expect(page.locator("p.error[role=alert]")).to_be_visible()
    expect(page.locator("input[name=login]")).to_have_value("town_admin")  # what was typed stays
    shots(page, "login")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/t/{live_server.town}/$"))
    expect(page.locator("h1")).to_contain_text("城关镇 工作台")
    expect(menu(page).locator("a.active")).to_have_text("工作台")
    expect(page.locator('[data-key="core.members"] .number')).to_have_text("1")


def test_switch_a_module_on_and_its_menu_appears(page, live_server, shots):
    sign_in(page, "town_admin")
    expect(menu(page).get_by_role("link", name="问候")).to_have_count(0)
    menu(page).get_by_role("link", name="模块开关").click()
    card = page.locator("#module-hello")
    expect(card.locator(".badge").first).to_have_text("未启用")
    card.get_by_role("button", name="启用").click()
    expect(page.locator(".flash-success")).to_contain_text("已启用：问候")
    expect(page.locator("#module-hello .badge").first).to_have_text("已启用")
    expect(menu(page).get_by_role("link", name="问候")).to_be_visible()  # no restart, next page load
    shots(page, "modules")
    menu(page).get_by_role("link", name="工作台").click()
    expect(page.locator('[data-key="hello.greeting"]')).to_contain_text("你好，网格！")
    # and off again: the menu item goes away
    menu(page).get_by_role("link", name="模块开关").click()
    page.locator("#module-hello").get_by_role("button", name="停用").click()
    expect(menu(page).get_by_role("link", name="问候")).to_have_count(0)


def test_a_bad_setting_is_shown_next_to_the_field(page, live_server, shots):
    sign_in(page, "town_admin")
    page.goto(f"/t/{live_server.town}/modules/")
    card = page.locator("#module-hello")
    card.locator("summary").click()
    card.locator("input[name=greeting]").fill("各位好")
    card.locator("input[name=repeat]").fill("99")
    card.get_by_role("button", name="保存设置").click()
    card = page.locator("#module-hello")
    expect(card.locator("#err-hello-repeat")).to_have_text("须在 1 到 5 之间")
    expect(card.locator("input[name=repeat]")).to_have_value("99")
    expect(card.locator("input[name=greeting]")).to_have_value("各位好")
    expect(card.locator("input[name=repeat]")).to_have_attribute("aria-invalid", "true")
    card.scroll_into_view_if_needed()
    shots(page, "module-settings-error")
    card.locator("input[name=repeat]").fill("2")
    card.get_by_role("button", name="保存设置").click()
    expect(page.locator(".flash-success")).to_contain_text("设置已保存")


def test_onboard_a_township_from_the_county_console(page, live_server, shots):
    sign_in(page, "county_admin")
    expect(page).to_have_url(re.compile(rf"/t/{live_server.county}/$"))
    expect(page.locator(f'tr[data-slug="{live_server.town}"]')).to_contain_text("正常")
    shots(page, "county-console")
    page.get_by_role("link", name="开通乡镇").first.click()
    page.fill("input[name=name]", "新安镇")
    page.fill("input[name=slug]", "Xin An")  # wrong: uppercase and a space
    page.fill("textarea[name=grids]", "新安社区\n  第一网格\n  第二网格")
    page.fill("input[name='admin.username']", "xinan_admin")
    page.fill("input[name='admin.mobile']", "12345")
    page.click("form button[type=submit]")
    expect(page.locator("#err-slug")).to_be_visible()
    expect(page.locator("#err-admin-mobile")).to_be_visible()
    expect(page.locator("input[name=name]")).to_have_value("新安镇")
    expect(page.locator("textarea[name=grids]")).to_have_value("新安社区\n  第一网格\n  第二网格")
    shots(page, "onboard-errors")
    page.fill("input[name=slug]", "xinan")
    page.fill("input[name='admin.mobile']", "13912345678")
    page.locator("input[name=modules][value=hello]").check()
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("已开通：新安镇")
    expect(page.locator("code.secret")).to_be_visible()  # the generated password, once
    page.get_by_role("link", name="返回乡镇总览").click()
    row = page.locator('tr[data-slug="xinan"]')
    expect(row).to_contain_text("新安镇")
    expect(row).to_contain_text("问候")
    # suspend it (confirm dialog accepted), then resume
    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="暂停").click()
    expect(page.locator('tr[data-slug="xinan"]')).to_contain_text("已暂停")
    page.locator('tr[data-slug="xinan"]').get_by_role("button", name="恢复").click()
    expect(page.locator('tr[data-slug="xinan"]')).to_contain_text("正常")
    menu(page).get_by_role("link", name="乡镇对比").click()
    expect(page.locator("table.compare")).to_contain_text("新安镇")
    expect(page.locator("svg.chart-bar")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename == f"{live_server.county}-townships.xlsx"


def test_switch_the_language(page, live_server, shots):
    sign_in(page, "town_admin")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(menu(page).get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    menu(page).get_by_role("link", name="Modules").click()  # remembered on the next page
    expect(page.locator("h1")).to_have_text("Modules")
    shots(page, "modules-en")
    page.get_by_role("link", name="简体中文").click()
    expect(page.locator("h1")).to_have_text("模块开关")


def test_dashboard_and_phone_layout(page, phone, live_server, shots):
    town = "gaohe" if live_server.demo else live_server.town
    user = "gaohe_admin" if live_server.demo else "town_admin"
    password = "Demo-grid-2026" if live_server.demo else PASSWORD
    sign_in(page, user, password)
    page.goto(f"/t/{town}/")
    expect(page.locator(".widget").first).to_be_visible()
    shots(page, "dashboard")
    sign_in(phone, user, password)
    phone.goto(f"/t/{town}/")
    expect(menu(phone)).to_be_hidden()  # folded behind the menu button on a phone
    phone.get_by_text("菜单").click()
    expect(menu(phone)).to_be_visible()
    shots(phone, "phone-menu")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    if live_server.demo:  # the demo county's townships, compared on real-looking numbers
        sign_in(page, "huaining_admin", "Demo-grid-2026")
        page.goto("/t/huaining/compare?metric=people.residents")
        expect(page.locator("svg.chart-bar")).to_be_visible()
        shots(page, "county-compare")


def test_platform_admin_pages(page, live_server, shots):
    sign_in(page, "root")
    page.goto("/admin/counties")
    expect(page.locator("table")).to_contain_text("示范县")
    page.fill("input[name=name]", "太湖县")
    page.fill("input[name=slug]", "taihu")
    page.click("form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("太湖县")
    shots(page, "admin-counties")
    menu(page).get_by_role("link", name="全部乡镇").click()
    expect(page.locator("table")).to_contain_text("城关镇")
