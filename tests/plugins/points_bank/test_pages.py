"""Console pages over HTTP: every page renders, forms record, review and redeem, refused forms
come back with what was typed and the reason, the board shows names as the township chooses."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from tests.plugins.points_bank.conftest import Books


def _form(api, url, data):
    return api.client.post(url, data={**data, "csrf_token": api.headers["X-CSRFToken"]})


def test_every_page_renders(town, books):
    books.record("张三", "public_good")
    account = books.account("张三")
    item = books.api.post(f"{town.base}/items", json={"name": "香皂", "price": 1, "stock": 2}).get_json()
    red = books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"]}).get_json()
    scheme = books.scheme()
    rule = scheme["rules"][0]
    pages = ["/", "/record", "/review", "/accounts", f"/accounts/{account['id']}", f"/schemes/{scheme['id']}",
             f"/rules/{rule['id']}/edit", "/periods", "/ranking", "/board", "/mappings", "/shop/counter",
             f"/shop/counter?q={account['number']}", "/shop/items", f"/shop/items/{item['id']}/moves",
             f"/shop/receipts/{red['id']}"]
    for path in pages:
        resp = books.api.get(f"/t/{town.slug}/points_bank{path}")
        assert resp.status_code == 200, (path, resp.status_code)
        assert "积分" in resp.get_data(as_text=True) or "兑换" in resp.get_data(as_text=True), path
    home = books.api.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert "每月发放积分" in home  # the dashboard widget


def test_record_form_batch_and_refusal_keeps_what_was_typed(town, books):
    rule = books.rule("public_good")
    url = f"/t/{town.slug}/points_bank/record"
    resp = _form(books.api, url, {"rule_id": str(rule["id"]), "note": "村民大会"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "至少选择一户" in page and 'value="村民大会"' in page
    ids = [str(town.households[n]) for n in ("张三", "李四")]
    resp = books.api.client.post(url, data={"rule_id": str(rule["id"]), "household_id": ids, "note": "村民大会",
                                            "csrf_token": books.api.headers["X-CSRFToken"]})
    assert resp.status_code == 302
    assert books.account("张三")["balance"] == 5 and books.account("李四")["balance"] == 5


def test_review_form_and_passbook_reversal(town, books):
    pending = books.record("王五", "filial").get_json()
    resp = books.api.client.post(f"/t/{town.slug}/points_bank/review", data={
        "ids": [str(pending["id"])], "decision": "reject", "csrf_token": books.api.headers["X-CSRFToken"]})
    assert resp.status_code == 422 and "驳回须写明理由" in resp.get_data(as_text=True)
    resp = books.api.client.post(f"/t/{town.slug}/points_bank/review", data={
        "ids": [str(pending["id"])], "decision": "approve", "csrf_token": books.api.headers["X-CSRFToken"]})
    assert resp.status_code == 302 and books.account("王五")["balance"] == 10
    url = f"/t/{town.slug}/points_bank/entries/{pending['id']}/reverse"
    asked = _form(books.api, url, {"note": "记错户"})
    assert asked.status_code == 200 and "确认冲正" in asked.get_data(as_text=True)  # asks first, does nothing
    assert books.account("王五")["balance"] == 10
    resp = _form(books.api, url, {"note": "记错户", "confirmed": "1"})
    assert resp.status_code == 302 and books.account("王五")["balance"] == 0
    page = books.api.get(f"/t/{town.slug}/points_bank/accounts/{pending['account_id']}").get_data(as_text=True)
    assert "冲正" in page and "记错户" in page


def test_counter_redeems_and_prints_a_receipt(town, books, api_as):
    books.record("张三", "public_good")
    account = books.account("张三")
    item = books.api.post(f"{town.base}/items", json={"name": "食用油", "price": 3, "stock": 1}).get_json()
    clerk = api_as(town.clerk)
    url = f"/t/{town.slug}/points_bank/shop/counter"
    too_many = _form(clerk, url, {"account_id": str(account["id"]), "item_id": str(item["id"]), "quantity": "2",
                                  "q": account["number"]})
    assert too_many.status_code == 422 and "库存不足" in too_many.get_data(as_text=True)
    assert 'value="2"' in too_many.get_data(as_text=True)
    resp = _form(clerk, url, {"account_id": str(account["id"]), "item_id": str(item["id"]), "quantity": "1"})
    assert resp.status_code == 302 and "/receipts/" in resp.headers["Location"]
    receipt = clerk.get(resp.headers["Location"]).get_data(as_text=True)
    assert "食用油" in receipt and "超市管理员" in receipt and "领取人签字" in receipt


def test_board_names_as_the_township_chooses(build_town, api_as):
    for how, shown, hidden in (("full", "张三", None), ("surname", "张*", "张三"), ("household_number", "HH-张三", None)):
        town = build_town(settings={"name_display": how})
        books = Books(town, api_as(town.admin))
        books.record("张三", "public_good")
        page = books.api.get(f"/t/{town.slug}/points_bank/board").get_data(as_text=True)
        assert shown in page, how
        if hidden:
            assert hidden not in page.split("光荣榜", 1)[1], how


def test_rule_edit_form_makes_a_new_version(town, books):
    rule = books.rule("eco")
    resp = _form(books.api, f"/t/{town.slug}/points_bank/rules/{rule['id']}/edit",
                 {"category": rule["category"], "name": rule["name"], "points": "abc"})
    assert resp.status_code == 422 and 'value="abc"' in resp.get_data(as_text=True)
    resp = _form(books.api, f"/t/{town.slug}/points_bank/rules/{rule['id']}/edit",
                 {"category": rule["category"], "name": rule["name"], "points": "6", "needs_review": "1"})
    assert resp.status_code == 302
    assert books.rule("eco")["version"] == 2 and books.rule("eco")["points"] == 6


def test_exports_and_scheme_import_with_row_errors(town, books):
    books.record("张三", "public_good", note="=HYPERLINK(\"http://x\")")
    ledger = books.api.get(f"{town.base}/ledger.xlsx")
    assert ledger.status_code == 200
    rows = list(load_workbook(io.BytesIO(ledger.data)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and rows[1][9] == 5 and rows[1][11].startswith("'=")
    scheme = books.scheme()
    assert books.api.get(f"{town.base}/rankings.xlsx?scheme_id={scheme['id']}").status_code == 200
    assert books.api.get(f"{town.base}/redemptions.xlsx").status_code == 200
    exported = books.api.get(f"{town.base}/schemes/{scheme['id']}/rules.xlsx")
    sheet = load_workbook(io.BytesIO(exported.data)).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["编码", "类别", "细则", "分值"]

    def upload(rows):
        wb = Workbook()
        ws = wb.active
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        return books.api.post(f"{town.base}/schemes/{scheme['id']}/rules.xlsx",
                              data={"file": (buf, "rules.xlsx")}, content_type="multipart/form-data")

    bad = upload([["类别", "细则", "分值", "需审核"], ["文明新风", "移风易俗", 5, "是"], ["", "没有类别", "x", "也许"]])
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"第3行"}
    assert len(books.scheme()["rules"]) == len(scheme["rules"])  # nothing imported
    good = upload([["编码", "类别", "细则", "分值", "需审核"], ["public_good", "热心公益星", "参加志愿服务（每次）", 6, "否"],
                   ["", "文明新风", "移风易俗", 5, "是"]])
    assert good.status_code == 200 and good.get_json() == {"added": 1, "revised": 1, "unchanged": 0}
    assert books.rule("public_good")["version"] == 2


def test_scheme_import_form_names_the_bad_rows(town, books):
    scheme = books.scheme()
    wb = Workbook()
    wb.active.append(["类别", "细则", "分值"])
    wb.active.append(["文明新风", "", "abc"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    resp = books.api.client.post(f"/t/{town.slug}/points_bank/schemes/{scheme['id']}/import", data={
        "file": (buf, "rules.xlsx"), "csrf_token": books.api.headers["X-CSRFToken"]}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "第2行" in resp.get_data(as_text=True)
    assert len(books.scheme()["rules"]) == len(scheme["rules"])


def test_passbook_pages_by_keyset_and_reads_a_fixed_number_of_times(app, town, books):
    from tests.plugins.points_bank.test_recording import counted

    scheme = books.scheme()
    rule = next(r for r in scheme["rules"] if r["key"] == "litter")  # no cap: 105 entries for one household
    resp = books.api.post(f"{town.base}/entries/batch", json={
        "scheme_id": scheme["id"], "rule_id": rule["id"], "note": "巡查",
        "members": [{"household_id": town.households["张三"]}] * 105})
    assert resp.status_code == 201, resp.get_json()
    ids = sorted(r["id"] for r in resp.get_json())
    account = resp.get_json()[0]["account_id"]
    url = f"/t/{town.slug}/points_bank/accounts/{account}"
    with counted(app) as seen:
        first = books.api.get(url)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and page.count('-5</td>') == 100
    assert f"before={ids[5]}" in page  # the oldest row shown names the next page
    assert len(seen) <= 12, "\n".join(seen)  # core's 6 and 6 of its own, whatever the rows
    older = books.api.get(f"{url}?before={ids[5]}").get_data(as_text=True)
    assert older.count('-5</td>') == 5 and "更早的记录" not in older and "最新记录" in older


def test_an_exported_scheme_imports_back_unchanged_and_the_sheet_can_ask_for_photos(town, books):
    scheme = books.scheme()
    exported = books.api.get(f"{town.base}/schemes/{scheme['id']}/rules.xlsx").data
    again = books.api.post(f"{town.base}/schemes/{scheme['id']}/rules.xlsx",
                           data={"file": (io.BytesIO(exported), "rules.xlsx")}, content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json() == {"added": 0, "revised": 0,
                                                             "unchanged": len(scheme["rules"])}, again.get_json()
    wb = load_workbook(io.BytesIO(exported))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("编码")].value == "eco":
            row[header.index("须照片")].value = "是"
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    resp = books.api.post(f"{town.base}/schemes/{scheme['id']}/rules.xlsx", data={"file": (buf, "rules.xlsx")},
                          content_type="multipart/form-data")
    assert resp.get_json() == {"added": 0, "revised": 1, "unchanged": len(scheme["rules"]) - 1}
    assert books.rule("eco")["photo_required"] is True and books.rule("eco")["version"] == 2


def test_review_page_reads_a_fixed_number_of_times_whatever_the_rows(app, town, books):
    from tests.plugins.points_bank.test_recording import counted

    scheme = books.scheme()
    rule = next(r for r in scheme["rules"] if r["key"] == "litter")  # needs review
    hh = town.households
    members = [{"household_id": hh[n]} for n in ("张三", "李四", "王五", "赵六")] * 10
    assert books.api.post(f"{town.base}/entries/batch", json={"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                              "members": members}).status_code == 201
    with counted(app) as seen:
        page = books.api.get(f"/t/{town.slug}/points_bank/review")
    assert page.status_code == 200 and page.get_data(as_text=True).count('name="ids"') == 40
    assert len(seen) <= 12, "\n".join(seen)  # core's 6, the rows, their periods, accounts, rules and photos
