"""The residents import wizard in a real browser: upload a CSV, watch the check's progress bar
(polled by core/static/jobs.js) run to the row report, confirm, watch the import, see the counts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

ROWS = 20000  # big enough that the check is still running when its page first loads


def residents_csv() -> bytes:
    from core.people.identity import make_id_number

    lines = ["姓名,身份证号,网格,住址"]
    for i in range(ROWS):
        number = make_id_number("340822", dt.date(1940, 1, 1) + dt.timedelta(days=i % 20000), 100 + i // 20000, "male")
        lines.append(f"居民{i},{number},东门社区/第一网格,东门路{i // 3}号")
    lines.append("坏行,123,东门社区/第一网格,")
    return "\n".join(lines).encode("utf-8")


def test_import_residents_with_live_progress_and_the_row_report(page, live_server, shots):
    sign_in(page, "town_admin")
    page.goto(f"/t/{live_server.town}/people/import")
    page.set_input_files("input[name=file]", files=[{"name": "居民名册.csv", "mimeType": "text/csv",
                                                     "buffer": residents_csv()}])
    page.get_by_role("button", name="上传并检查").click()
    expect(page).to_have_url(re.compile(rf"/t/{live_server.town}/people/import/[0-9a-f]{{32}}$"))
    bar = page.locator(".job-progress progress")
    if bar.count():  # the usual case: the check is still running
        shots(page, "people-import-progress")
    # jobs.js reloads the page when the job has finished: the report replaces the bar
    expect(page.locator(".report")).to_contain_text(f"共 {ROWS + 1} 行，正确 {ROWS} 行，有误 1 行", timeout=120000)
    expect(page.locator("table.import-errors")).to_contain_text("身份证号")
    expect(page.locator("table.import-errors td").first).to_have_text(str(ROWS + 2))  # the row number in the file
    shots(page, "people-import-report")
    page.get_by_role("button", name=f"只导入正确的 {ROWS} 行").click()
    expect(page.locator(".report")).to_contain_text(f"新增 {ROWS} 人", timeout=180000)
    expect(page.locator(".steps li.current")).to_have_text("完成")


def test_the_progress_bar_moves_while_the_check_runs(page, live_server):
    """jobs.js really polls: the bar's value changes on the page without a reload."""
    sign_in(page, "town_admin")
    page.goto(f"/t/{live_server.town}/people/import")
    page.set_input_files("input[name=file]", files=[{"name": "again.csv", "mimeType": "text/csv",
                                                     "buffer": residents_csv()}])
    page.get_by_role("button", name="上传并检查").click()
    if not page.locator(".job-progress progress").count():
        pytest.skip("the check finished before its page loaded: no running bar to watch")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    # with JavaScript on, the <noscript> refresh is inert: a reload can only come from jobs.js
    page.wait_for_function("""() => {
        const bar = document.querySelector('.job-progress progress');
        return !bar || !window.__sameDocument || bar.value > 0; }""", timeout=120000)
    expect(page.locator(".report")).to_contain_text("有误 1 行", timeout=120000)
