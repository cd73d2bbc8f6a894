"""Concurrent redemptions over HTTP: threads, each with its own client, session and connection,
race against one account and one item. Exactly the possible number succeed; the rest get
409/422, never 500; balance and stock never go below zero; the ledger still equals the balances.
"""
from __future__ import annotations

import threading

import pytest

from tests.plugins.points_bank.conftest import Books

THREADS = 12


@pytest.fixture
def plain(build_town, api_as):
    town = build_town(settings={"tiers": []})
    return town, Books(town, api_as(town.admin))


def _race(clients, url, body) -> list[int]:
    barrier = threading.Barrier(len(clients))
    codes: list[int] = [0] * len(clients)

    def run(i: int) -> None:
        barrier.wait()
        codes[i] = clients[i].post(url, json=body).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


@pytest.mark.parametrize("earn_times, price, stock, possible", [
    (6, 10, 1, 1),    # one last item in stock, plenty of points
    (6, 10, 100, 3),  # points for three: 30 / 10
    (2, 10, 2, 1),    # both short: 10 points, two items
])
def test_concurrent_redemptions_never_overspend_or_oversell(plain, api_as, earn_times, price, stock, possible,
                                                            reliability):
    town, books = plain
    for _ in range(earn_times):
        assert books.record("张三", "public_good").status_code == 201
    account = books.account("张三")
    item = books.api.post(f"{town.base}/items", json={"name": "大米", "price": price, "stock": stock}).get_json()
    clients = [api_as(town.clerk) for _ in range(THREADS)]
    codes = _race(clients, f"{town.base}/redemptions", {"account_id": account["id"], "item_id": item["id"]})
    assert codes.count(201) == possible, codes
    assert all(c in (201, 409, 422) for c in codes), codes
    after = books.account("张三")
    assert after["balance"] == earn_times * 5 - possible * price >= 0
    left = next(i for i in books.api.get(f"{town.base}/items").get_json() if i["id"] == item["id"])
    assert left["stock"] == stock - possible >= 0
    assert books.api.get(f"{town.base}/redemptions").get_json()["total"] == possible
    assert books.check() == {"ok": True, "problems": []}
    reliability("concurrency", len(codes), f"redemptions racing for {possible} possible (points {earn_times * 5}, stock {stock})",
                lost=0, errors_5xx=sum(c >= 500 for c in codes))


def test_concurrent_approvals_of_one_entry_post_it_once(plain, api_as):
    town, books = plain
    txn = books.record("李四", "filial").get_json()
    clients = [api_as(town.staff) for _ in range(6)]
    codes = _race(clients, f"{town.base}/entries/review", {"ids": [txn["id"]], "decision": "approve"})
    assert codes.count(200) == 1 and all(c in (200, 409) for c in codes), codes
    assert books.account("李四")["balance"] == 10
    assert books.check()["ok"]


def test_concurrent_reversals_reverse_once(plain, api_as):
    town, books = plain
    txn = books.record("王五", "public_good").get_json()
    clients = [api_as(town.staff) for _ in range(6)]
    codes = _race(clients, f"{town.base}/entries/{txn['id']}/reverse", {"note": "重复"})
    assert codes.count(201) == 1 and all(c in (201, 409) for c in codes), codes
    assert books.account("王五")["balance"] == 0
    assert books.check()["ok"]


def test_concurrent_recordings_never_pass_the_monthly_cap(plain, api_as, reliability):
    """public_good: 5 points, capped at 30 a month. With 20 already, 12 clerks recording at once
    leave room for exactly two (each clerk's own session and connection)."""
    town, books = plain
    for _ in range(4):
        assert books.record("张三", "public_good").status_code == 201
    scheme = books.scheme("household")
    rule = next(r for r in scheme["rules"] if r["key"] == "public_good")
    clients = [api_as(town.admin) for _ in range(THREADS)]
    codes = _race(clients, f"{town.base}/entries", {"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                     "household_id": town.households["张三"]})
    assert codes.count(201) == 2 and all(c in (201, 409, 422) for c in codes), codes
    assert books.account("张三")["balance"] == 30
    assert books.check()["ok"]
    reliability("concurrency", len(codes), "recordings racing for the last 10 points under a monthly cap", lost=0,
                errors_5xx=sum(c >= 500 for c in codes))
