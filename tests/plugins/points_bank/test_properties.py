"""Property: any sequence of entries, reviews, reversals and redemptions keeps every balance equal
to its ledger and never negative, and refuses exactly the steps that would overdraw."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.points_bank.conftest import Books

RULES = {"public_good": 5, "report_confirmed": 2, "filial": 10, "litter": -5, "dispute": -10}
STEPS = st.lists(st.one_of(
    st.tuples(st.just("record"), st.sampled_from(sorted(RULES))),
    st.tuples(st.just("approve"), st.integers(0, 20)),
    st.tuples(st.just("reject"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("redeem"), st.integers(1, 3)),
), min_size=1, max_size=14)
_n = itertools.count()


@pytest.fixture
def plain(build_town, api_as):
    town = build_town(settings={"tiers": []})
    books = Books(town, api_as(town.admin))
    scheme = books.scheme()
    return town, books, scheme["id"], {r["key"]: r["id"] for r in scheme["rules"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_keeps_the_books(plain, steps):
    town, books, scheme_id, rule_ids = plain
    api, base = books.api, town.base
    household = api.post(f"/api/v1/t/{town.slug}/households",
                         json={"grid_id": town.g1, "address": f"第{next(_n)}户", "head_name": "测试户"}).get_json()["id"]
    item = api.post(f"{base}/items", json={"name": "毛巾", "price": 3, "stock": 4}).get_json()
    balance, stock, account_id = 0, 4, None
    pending: list[tuple[int, int]] = []  # (txn id, points)
    approved: list[tuple[int, int, str]] = []  # (txn id, points, kind)
    for op, arg in steps:
        if op == "record":
            resp = api.post(f"{base}/entries", json={"scheme_id": scheme_id, "rule_id": rule_ids[arg],
                                                     "household_id": household})
            body = resp.get_json()
            if resp.status_code == 409:  # a deduction without review, more than the balance
                assert body["error"]["code"] == "insufficient_balance" and balance + RULES[arg] < 0
                continue
            if resp.status_code == 422:
                assert body["error"]["code"] == "cap_reached"
                continue
            assert resp.status_code == 201, body
            account_id = body["account_id"]
            if body["state"] == "approved":
                balance += body["points"]
                approved.append((body["id"], body["points"], "award"))
            else:
                pending.append((body["id"], body["points"]))
        elif op in ("approve", "reject") and pending:
            txn_id, points = pending.pop(arg % len(pending))
            resp = api.post(f"{base}/entries/review", json={"ids": [txn_id], "decision": op, "note": "审核"})
            if op == "approve" and balance + points < 0:
                assert resp.status_code == 409, resp.get_json()
                pending.append((txn_id, points))
                continue
            assert resp.status_code == 200, resp.get_json()
            if op == "approve":
                balance += points
                approved.append((txn_id, points, "award"))
        elif op == "reverse" and approved:
            txn_id, points, kind = approved.pop(arg % len(approved))
            resp = api.post(f"{base}/entries/{txn_id}/reverse", json={"note": "更正"})
            if kind == "award" and balance - points < 0:
                assert resp.status_code == 409, resp.get_json()
                approved.append((txn_id, points, kind))
                continue
            assert resp.status_code == 201, resp.get_json()
            balance -= points
            if kind == "redemption":
                stock += -points // 3
        elif op == "redeem" and account_id is not None:
            resp = api.post(f"{base}/redemptions", json={"account_id": account_id, "item_id": item["id"], "quantity": arg})
            if stock < arg or balance < 3 * arg:
                assert resp.status_code == 409, resp.get_json()
                continue
            assert resp.status_code == 201, resp.get_json()
            balance -= 3 * arg
            stock -= arg
            approved.append((resp.get_json()["txn_id"], -3 * arg, "redemption"))
        assert balance >= 0 and stock >= 0
    if account_id is not None:
        assert api.get(f"{base}/accounts/{account_id}").get_json()["balance"] == balance
    assert next(i for i in api.get(f"{base}/items").get_json() if i["id"] == item["id"])["stock"] == stock
    assert books.check() == {"ok": True, "problems": []}
