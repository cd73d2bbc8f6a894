"""Who may do what: another township's ids are 404, a missing permission is 403, grid workers
record only inside their grids; and the bad input of recording, each a 4xx naming the field."""
from __future__ import annotations


def test_other_township_sees_nothing(town, books, build_town, api_as):
    txn = books.record("张三", "public_good").get_json()
    account = books.account("张三")
    other = build_town()
    stranger = api_as(other.admin)
    for path in (f"/accounts/{account['id']}", f"/accounts/{account['id']}/passbook", f"/entries/{txn['id']}",
                 f"/schemes/{txn['scheme_id']}"):
        assert stranger.get(f"{other.base}{path}").status_code == 404, path
        assert stranger.get(f"{town.base}{path}").status_code == 404, path  # not a member of the town
    reverse = stranger.post(f"{other.base}/entries/{txn['id']}/reverse", json={"note": "x"})
    assert reverse.status_code == 404
    redeem = stranger.post(f"{other.base}/redemptions", json={"account_id": account["id"], "item_id": 1})
    assert redeem.status_code == 422 and "account_id" in redeem.get_json()["error"]["fields"]
    foreign_rule = Books_rule(other, stranger)
    resp = stranger.post(f"{other.base}/entries", json={"scheme_id": foreign_rule["scheme_id"], "rule_id": foreign_rule["id"],
                                                        "household_id": town.households["张三"]})
    assert resp.status_code == 422 and "household_id" in resp.get_json()["error"]["fields"]
    assert books.account("张三")["balance"] == 5


def Books_rule(town, api):
    from tests.plugins.points_bank.conftest import Books

    return Books(town, api).rule("public_good")


def test_missing_permissions_are_403(town, books, api_as):
    officer = api_as(town.officer)  # view only
    rule = books.rule("public_good")
    body = {"scheme_id": rule["scheme_id"], "rule_id": rule["id"], "household_id": town.households["张三"]}
    assert officer.post(f"{town.base}/entries", json=body).status_code == 403
    assert officer.post(f"{town.base}/entries/review", json={"ids": [1], "decision": "approve"}).status_code == 403
    assert officer.post(f"{town.base}/redemptions", json={"account_id": 1, "item_id": 1}).status_code == 403
    assert officer.post(f"{town.base}/schemes", json={"code": "x1", "name": "x", "kind": "household"}).status_code == 403
    worker = api_as(town.worker1)
    assert worker.post(f"{town.base}/entries/review", json={"ids": [1], "decision": "approve"}).status_code == 403
    assert worker.patch(f"{town.base}/rules/{rule['id']}", json={"points": 50}).status_code == 403
    assert officer.get(f"{town.base}/accounts").status_code == 200


def test_grid_worker_records_only_in_own_grid(town, books, api_as):
    worker = api_as(town.worker1)  # on 第一网格: 张三, 李四
    rule = books.rule("public_good")
    mine = worker.post(f"{town.base}/entries", json={"scheme_id": rule["scheme_id"], "rule_id": rule["id"],
                                                     "household_id": town.households["李四"]})
    assert mine.status_code == 201, mine.get_json()
    theirs = worker.post(f"{town.base}/entries", json={"scheme_id": rule["scheme_id"], "rule_id": rule["id"],
                                                       "household_id": town.households["王五"]})
    assert theirs.status_code == 422 and "household_id" in theirs.get_json()["error"]["fields"]
    wang = books.record("王五", "public_good").get_json()
    assert worker.get(f"{town.base}/entries/{wang['id']}").status_code == 404
    assert worker.get(f"{town.base}/accounts/{wang['account_id']}/passbook").status_code == 404
    listed = worker.get(f"{town.base}/accounts").get_json()["items"]
    assert {a["name"] for a in listed} == {"李四"}


def test_recording_bad_input(town, books):
    api, base = books.api, town.base
    household = books.scheme("household")
    worker_scheme = books.scheme("grid_worker")
    rule = next(r for r in household["rules"] if r["key"] == "public_good")
    foreign = worker_scheme["rules"][0]
    hid = town.households["张三"]

    def bad(body, status, field=None, code=None):
        resp = api.post(f"{base}/entries", json=body)
        assert resp.status_code == status, (body, resp.get_json())
        error = resp.get_json()["error"]
        if field:
            assert field in error["fields"], error
        if code:
            assert error["code"] == code, error

    bad({"scheme_id": household["id"], "rule_id": foreign["id"], "household_id": hid}, 422, "rule_id", "rule_not_in_scheme")
    bad({"scheme_id": household["id"], "rule_id": rule["id"]}, 422, "household_id")
    bad({"scheme_id": household["id"], "rule_id": 999999, "household_id": hid}, 422, "rule_id")
    bad({"scheme_id": 999999, "rule_id": rule["id"], "household_id": hid}, 422, "scheme_id")
    bad({"scheme_id": household["id"], "rule_id": rule["id"], "household_id": hid, "points": 1000}, 422, "points")
    bad({"scheme_id": household["id"], "rule_id": rule["id"], "household_id": hid, "tenant_id": 1}, 422, "tenant_id")
    bad({"scheme_id": household["id"], "rule_id": rule["id"], "household_id": "x"}, 422, "household_id")
    bad({"scheme_id": household["id"], "rule_id": rule["id"], "household_id": hid, "occurred_at": "2099-01-01T00:00:00"},
        422, "occurred_at")
    bad({"scheme_id": household["id"], "rule_id": rule["id"], "household_id": hid, "occurred_at": "yesterday"},
        422, "occurred_at")
    resp = api.post(f"{base}/entries", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    assert api.get(f"{base}/entries").get_json()["total"] == 0


def test_rule_and_scheme_bad_input(town, books):
    api, base = books.api, town.base
    scheme = books.scheme()
    assert api.post(f"{base}/schemes/{scheme['id']}/rules", json={"category": "x", "name": "y", "points": 0}) \
        .get_json()["error"]["fields"].keys() == {"points"}
    assert api.post(f"{base}/schemes/{scheme['id']}/rules",
                    json={"category": "x", "name": "y", "points": 3, "key": "public_good"}).status_code == 409
    assert api.post(f"{base}/schemes", json={"code": "household", "name": "重复", "kind": "household"}).status_code == 409
    resp = api.post(f"{base}/schemes", json={"code": "new_one", "name": "新方案", "kind": "martian"})
    assert resp.status_code == 422 and "kind" in resp.get_json()["error"]["fields"]
    created = api.post(f"{base}/schemes", json={"code": "village_a", "name": "查冲村积分", "kind": "household",
                                                "grid_id": town.village})
    assert created.status_code == 201, created.get_json()
    rule = api.post(f"{base}/schemes/{created.get_json()['id']}/rules",
                    json={"category": "美丽庭院", "name": "庭院整洁", "points": 4, "needs_review": False})
    assert rule.status_code == 201 and rule.get_json()["key"] == "r1"
    body = {"scheme_id": created.get_json()["id"], "rule_id": rule.get_json()["id"]}
    inside = api.post(f"{base}/entries", json={**body, "household_id": town.households["王五"]})
    assert inside.status_code == 201 and inside.get_json()["state"] == "approved"
    outside = api.post(f"{base}/entries", json={**body, "household_id": town.households["赵六"]})  # 新安村
    assert outside.status_code == 422 and outside.get_json()["error"]["code"] == "outside_scheme"
    assert "household_id" in outside.get_json()["error"]["fields"]
