"""The double-entry ledger over HTTP: recording, review, reversal, balances equal to entries."""
from __future__ import annotations


def test_record_without_review_posts_two_entries_summing_to_zero(town, books):
    resp = books.record("张三", "public_good", note="参加河道清理")
    assert resp.status_code == 201, resp.get_json()
    txn = resp.get_json()
    assert txn["state"] == "approved" and txn["points"] == 5 and txn["kind"] == "award"
    assert len(txn["entries"]) == 2 and sum(e["amount"] for e in txn["entries"]) == 0
    assert txn["rule"]["key"] == "public_good" and txn["rule"]["version"] == 1
    assert txn["recorded_by_name"] == "管理员"
    assert books.account("张三")["balance"] == 5
    assert books.check() == {"ok": True, "problems": []}


def test_pending_entry_moves_nothing_until_approved(town, books):
    txn = books.record("李四", "filial").get_json()
    assert txn["state"] == "pending" and txn["entries"] == []
    assert books.account("李四")["balance"] == 0
    resp = books.api.post(f"{town.base}/entries/review", json={"ids": [txn["id"]], "decision": "approve", "note": "评议通过"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()[0]["state"] == "approved"
    assert books.account("李四")["balance"] == 10
    again = books.api.post(f"{town.base}/entries/review", json={"ids": [txn["id"]], "decision": "approve"})
    assert again.status_code == 409
    assert books.account("李四")["balance"] == 10


def test_rejected_entry_never_moves_a_balance_and_needs_a_reason(town, books):
    txn = books.record("李四", "eco").get_json()
    no_reason = books.api.post(f"{town.base}/entries/review", json={"ids": [txn["id"]], "decision": "reject"})
    assert no_reason.status_code == 422 and "note" in no_reason.get_json()["error"]["fields"]
    resp = books.api.post(f"{town.base}/entries/review", json={"ids": [txn["id"]], "decision": "reject", "note": "照片不清"})
    assert resp.get_json()[0]["state"] == "rejected"
    assert books.account("李四")["balance"] == 0
    assert books.check()["ok"]


def test_reversal_is_a_new_transaction_and_only_once(town, books):
    txn = books.record("张三", "public_good").get_json()
    resp = books.api.post(f"{town.base}/entries/{txn['id']}/reverse", json={"note": "重复记录"})
    assert resp.status_code == 201, resp.get_json()
    rev = resp.get_json()
    assert rev["kind"] == "reversal" and rev["reverses_id"] == txn["id"] and rev["points"] == -5
    assert books.account("张三")["balance"] == 0
    assert books.api.get(f"{town.base}/entries/{txn['id']}").get_json()["state"] == "approved"  # never edited
    twice = books.api.post(f"{town.base}/entries/{txn['id']}/reverse", json={"note": "再来"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_reversed"
    of_reversal = books.api.post(f"{town.base}/entries/{rev['id']}/reverse", json={"note": "x"})
    assert of_reversal.status_code == 409
    assert books.check()["ok"]


def test_deduction_cannot_take_a_balance_below_zero(town, books):
    books.record("王五", "public_good")  # +5
    txn = books.record("王五", "litter").get_json()  # -5, pending
    ok = books.api.post(f"{town.base}/entries/review", json={"ids": [txn["id"]], "decision": "approve"})
    assert ok.status_code == 200 and books.account("王五")["balance"] == 0
    second = books.record("王五", "litter").get_json()
    refused = books.api.post(f"{town.base}/entries/review", json={"ids": [second["id"]], "decision": "approve"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "insufficient_balance"
    assert books.api.get(f"{town.base}/entries/{second['id']}").get_json()["state"] == "pending"
    assert books.account("王五")["balance"] == 0 and books.check()["ok"]


def test_batch_review_is_all_or_nothing(town, books):
    good = books.record("赵六", "filial").get_json()
    books.record("王五", "public_good")
    bad = books.record("王五", "dispute").get_json()  # -10 against 5
    resp = books.api.post(f"{town.base}/entries/review", json={"ids": [good["id"], bad["id"]], "decision": "approve"})
    assert resp.status_code == 409 and f"#{bad['id']}" in str(resp.get_json()["error"]["fields"])
    assert books.account("赵六")["balance"] == 0  # the good one was not kept either
    assert books.api.get(f"{town.base}/entries/{good['id']}").get_json()["state"] == "pending"


def test_rule_edit_makes_a_new_version_and_past_entries_keep_theirs(town, books):
    old = books.record("张三", "public_good").get_json()
    rule = books.rule("public_good")
    resp = books.api.patch(f"{town.base}/rules/{rule['id']}", json={"points": 8, "name": "参加志愿服务（每次）新"})
    assert resp.status_code == 200, resp.get_json()
    new_rule = resp.get_json()
    assert new_rule["version"] == 2 and new_rule["id"] != rule["id"] and new_rule["points"] == 8
    past = books.api.get(f"{town.base}/entries/{old['id']}").get_json()
    assert past["rule"]["version"] == 1 and past["points"] == 5
    stale = books.api.post(f"{town.base}/entries", json={"scheme_id": rule["scheme_id"], "rule_id": rule["id"],
                                                         "household_id": town.households["张三"]})
    assert stale.status_code == 422 and stale.get_json()["error"]["code"] == "rule_not_current"
    assert books.record("张三", "public_good").get_json()["points"] == 8
    history = books.api.get(f"{town.base}/schemes/{rule['scheme_id']}/rules").get_json()
    assert [r["version"] for r in history if r["key"] == "public_good"] == [1, 2]
    assert books.account("张三")["balance"] == 13


def test_base_score_is_issued_when_the_account_opens(town, books, api_as):
    scheme = books.scheme("grid_worker")
    person = books.api.post(f"/api/v1/t/{town.slug}/people", json={"name": "网格员丙", "grid_id": town.g1}).get_json()
    rule = next(r for r in scheme["rules"] if r["key"] == "visit")
    resp = books.api.post(f"{town.base}/entries", json={"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                        "person_id": person["id"]})
    assert resp.status_code == 201, resp.get_json()
    account = books.api.get(f"{town.base}/accounts/{resp.get_json()['account_id']}").get_json()
    assert account["balance"] == 101  # base 100 + 1
    passbook = books.api.get(f"{town.base}/accounts/{account['id']}/passbook").get_json()
    assert [t["kind"] for t in passbook["items"]] == ["award", "base"]


def test_cap_per_period(town, books):
    for _ in range(6):
        assert books.record("张三", "public_good").status_code == 201  # 6 × 5 = 30 = the cap
    resp = books.record("张三", "public_good")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "cap_reached"
    assert books.account("张三")["balance"] == 30


def test_passbook_lists_rule_evidence_and_recorder(town, books):
    books.record("李四", "public_good", note="敬老院打扫", evidence="活动照片#12")
    account = books.account("李四")
    rows = books.api.get(f"{town.base}/accounts/{account['id']}/passbook").get_json()["items"]
    assert rows[0]["rule"]["name"] == "参加志愿服务（每次）" and rows[0]["evidence"] == "活动照片#12"
    assert rows[0]["note"] == "敬老院打扫" and rows[0]["recorded_by_name"] == "管理员"
