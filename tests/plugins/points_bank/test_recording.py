"""Recording at speed and in batches: a village meeting's batch is all or none and counts each
member's monthly cap across the batch; one recording costs a bounded number of SQL statements
(what the benchmark's p95 rests on), the ledger agreeing after each."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

# core's per-request reads (tenant, user, roles, role permissions, modules) and BEGIN
CORE_STATEMENTS = 6
# scheme with rule, household, period, accounts, cap, transaction, 2 balances, entries, tally, audit
RECORDING_STATEMENTS = 11


@contextmanager
def counted(app):
    from core.toolkit import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_recording_an_entry_reads_and_writes_once_each(app, town, books):
    books.record("张三", "public_good")  # the account opened, the period and tallies exist
    scheme = books.scheme()
    rule = next(r for r in scheme["rules"] if r["key"] == "public_good")
    body = {"scheme_id": scheme["id"], "rule_id": rule["id"], "household_id": town.households["张三"]}
    with counted(app) as seen:
        resp = books.api.post(f"{town.base}/entries", json=body)
    assert resp.status_code == 201, resp.get_json()
    txn = resp.get_json()
    assert txn["state"] == "approved" and len(txn["entries"]) == 2 and txn["period"] and txn["photos"] == []
    assert len(seen) <= CORE_STATEMENTS + RECORDING_STATEMENTS, "\n".join(seen)
    assert books.account("张三")["balance"] == 10
    assert books.check() == {"ok": True, "problems": []}


def test_batch_records_everyone_or_no_one(town, books):
    scheme = books.scheme()
    rule = next(r for r in scheme["rules"] if r["key"] == "public_good")  # 5 points, cap 30 a month
    hh = town.households
    resp = books.api.post(f"{town.base}/entries/batch", json={
        "scheme_id": scheme["id"], "rule_id": rule["id"], "note": "村民大会",
        "members": [{"household_id": hh["张三"]}, {"household_id": hh["李四"]}, {"household_id": hh["张三"]}]})
    assert resp.status_code == 201, resp.get_json()
    rows = resp.get_json()
    assert [r["account_id"] for r in rows].count(rows[0]["account_id"]) == 2
    assert all(r["state"] == "approved" and len(r["entries"]) == 2 for r in rows)
    assert books.account("张三")["balance"] == 10 and books.account("李四")["balance"] == 5
    # 张三 has 10 of 30: four more reach the cap; the fifth in the same batch passes it
    members = [{"household_id": hh["李四"]}] + [{"household_id": hh["张三"]}] * 5
    refused = books.api.post(f"{town.base}/entries/batch", json={"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                                 "members": members})
    assert refused.status_code == 422, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "cap_reached" and list(error["fields"]) == ["members.5"], error
    assert books.account("张三")["balance"] == 10 and books.account("李四")["balance"] == 5  # nothing of it kept
    outsider = books.api.post(f"{town.base}/entries/batch", json={"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                                  "members": [{"household_id": hh["李四"]},
                                                                              {"household_id": 999999}]})
    assert outsider.status_code == 422 and list(outsider.get_json()["error"]["fields"]) == ["members.1"]
    assert books.account("李四")["balance"] == 5
    assert books.check() == {"ok": True, "problems": []}


def test_batch_of_pending_entries_moves_nothing_until_reviewed(town, books):
    scheme = books.scheme()
    rule = next(r for r in scheme["rules"] if r["key"] == "filial")  # needs review
    hh = town.households
    resp = books.api.post(f"{town.base}/entries/batch", json={
        "scheme_id": scheme["id"], "rule_id": rule["id"],
        "members": [{"household_id": hh["张三"]}, {"household_id": hh["王五"]}]})
    assert resp.status_code == 201
    rows = resp.get_json()
    assert [r["state"] for r in rows] == ["pending", "pending"] and all(r["entries"] == [] for r in rows)
    assert books.account("王五")["balance"] == 0
    ok = books.api.post(f"{town.base}/entries/review", json={"ids": [r["id"] for r in rows], "decision": "approve"})
    assert ok.status_code == 200 and books.account("王五")["balance"] == 10
    assert books.check()["ok"]


def test_batch_with_a_rule_of_another_scheme_names_the_rule(town, books):
    household = books.scheme()
    worker_rule = books.scheme("grid_worker")["rules"][0]
    resp = books.api.post(f"{town.base}/entries/batch", json={
        "scheme_id": household["id"], "rule_id": worker_rule["id"], "members": [{"household_id": town.households["张三"]}]})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "rule_not_in_scheme"
    assert "rule_id" in resp.get_json()["error"]["fields"]
