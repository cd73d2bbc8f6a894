"""Recording and redeeming accept ``Idempotency-Key`` (core handles the header for every API
write): a retried write with one key has one effect and returns the same answer."""
from __future__ import annotations


def test_retried_record_has_one_effect(town, books):
    rule = books.rule("public_good")
    body = {"scheme_id": rule["scheme_id"], "rule_id": rule["id"], "household_id": town.households["张三"]}
    first = books.api.post(f"{town.base}/entries", json=body, headers={"Idempotency-Key": "rec-1"})
    again = books.api.post(f"{town.base}/entries", json=body, headers={"Idempotency-Key": "rec-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers.get("Idempotent-Replayed") == "true"
    assert books.account("张三")["balance"] == 5
    assert books.api.get(f"{town.base}/entries").get_json()["total"] == 1
    other = books.api.post(f"{town.base}/entries", json={**body, "note": "另一笔"}, headers={"Idempotency-Key": "rec-1"})
    assert other.status_code == 422  # the same key for another request
    assert books.account("张三")["balance"] == 5


def test_retried_redemption_has_one_effect(town, books):
    for _ in range(3):
        books.record("李四", "public_good")
    account = books.account("李四")
    item = books.api.post(f"{town.base}/items", json={"name": "面粉", "price": 10, "stock": 5}).get_json()
    body = {"account_id": account["id"], "item_id": item["id"]}
    first = books.api.post(f"{town.base}/redemptions", json=body, headers={"Idempotency-Key": "red-1"})
    again = books.api.post(f"{town.base}/redemptions", json=body, headers={"Idempotency-Key": "red-1"})
    assert first.status_code == again.status_code == 201 and again.get_json() == first.get_json()
    left = next(i for i in books.api.get(f"{town.base}/items").get_json() if i["id"] == item["id"])
    assert left["stock"] == 4
    assert books.api.get(f"{town.base}/redemptions").get_json()["total"] == 1
    assert books.check()["ok"]
