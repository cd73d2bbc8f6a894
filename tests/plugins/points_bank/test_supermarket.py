"""The points supermarket over HTTP: redemption, receipts, stock, windows, tiers, bad input."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.plugins.points_bank.conftest import Books


@pytest.fixture
def plain(build_town, api_as):
    """A township without redemption tiers: every member pays the list price."""
    town = build_town(settings={"tiers": []})
    return town, Books(town, api_as(town.admin))


def _item(books, **kw) -> dict:
    body = {"name": "洗衣液", "price": 10, "stock": 5, **kw}
    resp = books.api.post(f"{books.town.base}/items", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _earn(books, household: str, times: int) -> dict:
    for _ in range(times):
        assert books.record(household, "public_good").status_code == 201
    return books.account(household)


def test_redeem_moves_points_to_the_supermarket_and_stock_down(plain, api_as):
    town, books = plain
    account = _earn(books, "张三", 4)  # 20
    item = _item(books, stock=3)
    clerk = api_as(town.clerk)
    resp = clerk.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"], "quantity": 2})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["points"] == 20 and body["balance_after"] == 0 and body["handed_over_by_name"] == "超市管理员"
    assert books.api.get(f"{town.base}/items").get_json()[0]["stock"] == 1
    moves = books.api.get(f"{town.base}/items/{item['id']}/moves").get_json()["items"]
    assert [(m["kind"], m["delta"], m["stock_after"]) for m in moves] == [("redemption", -2, 1), ("restock", 3, 3)]
    txn = books.api.get(f"{town.base}/entries/{body['txn_id']}").get_json()
    assert txn["kind"] == "redemption" and sorted(e["amount"] for e in txn["entries"]) == [-20, 20]
    assert books.check()["ok"]


def test_return_puts_goods_back_and_points_back(plain):
    town, books = plain
    account = _earn(books, "李四", 2)
    item = _item(books, stock=1)
    red = books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"]}).get_json()
    resp = books.api.post(f"{town.base}/entries/{red['txn_id']}/reverse", json={"note": "商品有破损，退回"})
    assert resp.status_code == 201, resp.get_json()
    assert books.account("李四")["balance"] == 10
    assert books.api.get(f"{town.base}/items").get_json()[0]["stock"] == 1
    assert books.api.get(f"{town.base}/redemptions/{red['id']}").get_json()["returned"] is True
    assert books.check()["ok"]


def test_bad_redemptions_change_nothing(plain):
    town, books = plain
    account = _earn(books, "王五", 1)  # 5 points
    item = _item(books, price=10, stock=1)
    base = town.base

    def refused(body, status, code=None, field=None):
        resp = books.api.post(f"{base}/redemptions", json=body)
        assert resp.status_code == status, resp.get_json()
        error = resp.get_json()["error"]
        if code:
            assert error["code"] == code
        if field:
            assert field in error["fields"]
        return error

    refused({"account_id": account["id"], "item_id": item["id"]}, 409, "insufficient_balance")
    refused({"account_id": account["id"], "item_id": item["id"], "quantity": -1}, 422, field="quantity")
    refused({"account_id": account["id"], "item_id": item["id"], "quantity": 0}, 422, field="quantity")
    refused({"account_id": account["id"], "item_id": item["id"], "quantity": "2"}, 422, field="quantity")
    refused({"account_id": account["id"], "item_id": 999999}, 422, field="item_id")
    refused({"account_id": 999999, "item_id": item["id"]}, 422, field="account_id")
    refused({"account_id": account["id"], "item_id": item["id"], "id": 5}, 422, field="id")
    cheap = _item(books, name="肥皂", price=1, stock=1)
    refused({"account_id": account["id"], "item_id": cheap["id"], "quantity": 2}, 409, "out_of_stock")
    books.api.patch(f"{base}/items/{cheap['id']}", json={"active": False})
    refused({"account_id": account["id"], "item_id": cheap["id"]}, 422, "item_inactive")
    assert books.account("王五")["balance"] == 5
    assert {i["name"]: i["stock"] for i in books.api.get(f"{base}/items").get_json()} == {"洗衣液": 1, "肥皂": 1}
    assert books.check()["ok"]


def test_outside_the_redemption_days(build_town, api_as):
    from core.toolkit import local_now

    other_day = local_now().day % 28 + 1
    town = build_town(settings={"redemption_mode": "set_days", "redemption_days": [other_day]})
    books = Books(town, api_as(town.admin))
    account = _earn(books, "张三", 2)
    item = _item(books)
    resp = books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"]})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "outside_window"
    assert books.account("张三")["balance"] == 10
    assert books.api.get(f"{town.base}/accounts/{account['id']}/tier").get_json()["window_open"] is False


def test_tier_items_and_discounts(town, books):
    top = _earn(books, "张三", 4)  # 20, rank 1
    books.record("李四", "report_confirmed")  # 2 points, rank 2
    low = books.account("李四")
    gold = _item(books, name="电饭煲", price=10, stock=5, min_tier="gold")
    tier = books.api.get(f"{town.base}/accounts/{top['id']}/tier").get_json()
    assert tier["rank"] == 1 and tier["tier"]["code"] == "gold"
    ok = books.api.post(f"{town.base}/redemptions", json={"account_id": top["id"], "item_id": gold["id"]})
    assert ok.status_code == 201 and ok.get_json()["points"] == 8 and ok.get_json()["discount_percent"] == 20
    bad_tier = books.api.post(f"{town.base}/items", json={"name": "x", "price": 1, "min_tier": "platinum"})
    assert bad_tier.status_code == 422 and "min_tier" in bad_tier.get_json()["error"]["fields"]
    # rank 2 is still gold (top 10); make gold top-1 only to see the refusal
    resp = books.api.patch(f"/api/v1/t/{town.slug}/modules/points_bank", json={"settings": {
        "tiers": [{"code": "gold", "name": "金牌户", "max_rank": 1, "discount_percent": 20}]}})
    assert resp.status_code == 200, resp.get_json()
    refused = books.api.post(f"{town.base}/redemptions", json={"account_id": low["id"], "item_id": gold["id"]})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "tier_required"
    assert books.account("李四")["balance"] == 2


def test_restock_and_stocktake(plain, api_as):
    town, books = plain
    item = _item(books, stock=2)
    clerk = api_as(town.clerk)
    assert clerk.post(f"{town.base}/items/{item['id']}/restock", json={"quantity": 10}).status_code == 201
    assert clerk.post(f"{town.base}/items/{item['id']}/restock", json={"quantity": -3}).status_code == 422
    stale = clerk.post(f"{town.base}/items/{item['id']}/stocktake", json={"counted": 11, "expected": 2})
    assert stale.status_code == 409
    resp = clerk.post(f"{town.base}/items/{item['id']}/stocktake", json={"counted": 11, "expected": 12, "note": "月末盘点"})
    assert resp.status_code == 201 and resp.get_json()["delta"] == -1 and resp.get_json()["stock_after"] == 11
    assert clerk.post(f"{town.base}/items", json={"name": "x", "price": 1}).status_code == 403  # clerk cannot manage


def test_redemption_counts_dates(plain):
    town, books = plain
    account = _earn(books, "张三", 2)
    item = _item(books)
    books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"]})
    rows = books.api.get(f"{town.base}/redemptions").get_json()
    assert rows["total"] == 1 and rows["items"][0]["item"] == "洗衣液"
    created = dt.datetime.fromisoformat(rows["items"][0]["created_at"])
    assert created.utcoffset() == dt.timedelta(hours=8)  # shown in Beijing time
    assert created <= dt.datetime.now(dt.timezone.utc)


def test_numbers_per_period(plain):
    town, books = plain
    account = _earn(books, "王五", 3)
    item = _item(books, price=2, stock=10)
    books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"], "quantity": 3})
    numbers = books.api.get(f"{town.base}/numbers").get_json()
    assert numbers["issued"] == 15 and numbers["redeemed_points"] == 6 and numbers["items_redeemed"] == 3
    assert numbers["redemptions"] == 1
    assert books.api.get(f"{town.base}/numbers?period=1999-01").get_json()["issued"] == 0
    assert books.api.get(f"{town.base}/numbers?period=soon").status_code == 422
