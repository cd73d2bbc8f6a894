"""Monthly review and publication over HTTP: publish, object, resolve, close; closed is fixed."""
from __future__ import annotations

import datetime as dt

from core.db import db
from core.tenancy import tenant_context


def _last_month_local() -> str:
    from core.toolkit import local_now

    first = local_now().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00:00")


def _period(books, key):
    rows = books.api.get(f"{books.town.base}/periods").get_json()["items"]
    return next(p for p in rows if p["key"] == key)


def test_publish_object_uphold_close(town, books, api_as):
    when = _last_month_local()
    key = when[:7]
    award = books.record("张三", "public_good", occurred_at=when).get_json()
    pending = books.record("李四", "filial", occurred_at=when).get_json()
    assert award["period"] == key
    period = _period(books, key)
    blocked = books.api.post(f"{town.base}/periods/{period['id']}/publish", json={})
    assert blocked.status_code == 409 and blocked.get_json()["error"]["code"] == "pending_left"
    books.api.post(f"{town.base}/entries/review", json={"ids": [pending["id"]], "decision": "approve"})
    early_objection = api_as(town.worker1).post(f"{town.base}/objections",
                                                json={"txn_id": award["id"], "by_name": "邻居", "reason": "没有参加"})
    assert early_objection.status_code == 422 and early_objection.get_json()["error"]["code"] == "not_published"
    resp = books.api.post(f"{town.base}/periods/{period['id']}/publish", json={"days": 7})
    assert resp.status_code == 200 and resp.get_json()["state"] == "published"
    late = books.record("张三", "report_confirmed", occurred_at=when)
    assert late.status_code == 422 and late.get_json()["error"]["code"] == "period_published"
    objection = api_as(town.worker1).post(f"{town.base}/objections",
                                          json={"txn_id": award["id"], "by_name": "邻居王", "reason": "当天他不在村里"})
    assert objection.status_code == 201, objection.get_json()
    objection = objection.get_json()
    not_yet = books.api.post(f"{town.base}/periods/{period['id']}/close?early=1")
    assert not_yet.status_code == 409 and not_yet.get_json()["error"]["code"] == "objections_open"
    resp = books.api.post(f"{town.base}/objections/{objection['id']}/resolve",
                          json={"decision": "upheld", "resolution": "经核实确未参加"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["state"] == "upheld" and resp.get_json()["reversal_txn_id"]
    assert books.account("张三")["balance"] == 0
    twice = books.api.post(f"{town.base}/objections/{objection['id']}/resolve",
                           json={"decision": "dismissed", "resolution": "再议"})
    assert twice.status_code == 409
    assert books.api.post(f"{town.base}/periods/{period['id']}/close").status_code == 409  # days not over
    closed = books.api.post(f"{town.base}/periods/{period['id']}/close?early=1")
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    # a closed period's entries are fixed
    into_closed = books.record("王五", "public_good", occurred_at=when)
    assert into_closed.status_code == 422 and into_closed.get_json()["error"]["code"] == "period_closed"
    reversal = books.api.post(f"{town.base}/entries/{pending['id']}/reverse", json={"note": "更正"})
    assert reversal.status_code == 422 and reversal.get_json()["error"]["code"] == "period_closed"
    assert books.account("李四")["balance"] == 10
    # the upheld reversal counts against last month in the rankings
    scheme = books.scheme()
    ranking = books.api.get(f"{town.base}/rankings?scheme_id={scheme['id']}&period={key}").get_json()["items"]
    assert [(r["name"], r["earned"]) for r in ranking] == [("李四", 10)]
    assert books.check()["ok"]


def test_dismissed_objection_keeps_the_entry_and_the_reason(town, books):
    when = _last_month_local()
    award = books.record("王五", "public_good", occurred_at=when).get_json()
    period = _period(books, when[:7])
    books.api.post(f"{town.base}/periods/{period['id']}/publish", json={})
    objection = books.api.post(f"{town.base}/objections", json={"txn_id": award["id"], "by_name": "村民", "reason": "有异议"})
    resp = books.api.post(f"{town.base}/objections/{objection.get_json()['id']}/resolve",
                          json={"decision": "dismissed", "resolution": "签到表可证"})
    assert resp.get_json()["state"] == "dismissed" and resp.get_json()["resolution"] == "签到表可证"
    assert books.account("王五")["balance"] == 5


def test_objection_after_the_publication_ended(town, books):
    from plugins.points_bank.models import Period

    when = _last_month_local()
    award = books.record("王五", "public_good", occurred_at=when).get_json()
    period = _period(books, when[:7])
    books.api.post(f"{town.base}/periods/{period['id']}/publish", json={"days": 1})
    with tenant_context(town.tenant):  # let the publication's day pass
        row = db.session.get(Period, period["id"])
        row.publish_until = dt.datetime.utcnow() - dt.timedelta(hours=1)
        db.session.commit()
    resp = books.api.post(f"{town.base}/objections", json={"txn_id": award["id"], "by_name": "村民", "reason": "太晚了"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "publication_ended"
    assert books.api.get(f"{town.base}/objections").get_json()["total"] == 0


def test_deadlines_publish_and_close_by_schedule(town, books, app):
    from plugins.points_bank.models import Period

    when = _last_month_local()
    books.record("张三", "public_good", occurred_at=when)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["--lang", "en", "schedules", "run", "points_bank.period_deadlines", "--tenant", town.slug])
    assert result.exit_code == 0, result.output
    period = _period(books, when[:7])
    assert period["state"] == "published"
    with tenant_context(town.tenant):
        db.session.get(Period, period["id"]).publish_until = dt.datetime.utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["--lang", "en", "schedules", "run", "points_bank.period_deadlines", "--tenant", town.slug])
    assert result.exit_code == 0, result.output
    assert _period(books, when[:7])["state"] == "closed"


def test_check_command_finds_a_tampered_balance(town, books, app):
    from sqlalchemy import update

    from plugins.points_bank.models import Account

    books.record("张三", "public_good")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["--lang", "en", "points", "check", "--tenant", town.slug])
    assert ok.exit_code == 0 and f"{town.slug}: ok" in ok.output
    account = books.account("张三")
    with tenant_context(town.tenant):
        db.session.execute(update(Account).where(Account.id == account["id"]).values(balance=99))
        db.session.commit()
    bad = runner.invoke(args=["--lang", "en", "points", "check", "--tenant", town.slug])
    assert bad.exit_code == 1 and "balance 99 but ledger 5" in bad.output


def test_demo_data_balances_and_is_idempotent(town, books):
    from core.modules import hooks as relay
    from plugins.points_bank.demo import fill_demo

    with tenant_context(town.tenant):
        relay(town.tenant).demo_data(tenant=town.tenant)
        db.session.commit()
        assert fill_demo(town.tenant) == 0  # a second run adds nothing
        db.session.rollback()
    assert books.check() == {"ok": True, "problems": []}
    assert books.api.get(f"{town.base}/entries").get_json()["total"] > 4
    assert books.api.get(f"{town.base}/items").get_json()
    states = {p["state"] for p in books.api.get(f"{town.base}/periods").get_json()["items"]}
    assert "published" in states or "closed" in states
