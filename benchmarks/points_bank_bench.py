"""Points bank benchmark (not a unit test): one township with ``--accounts`` household accounts
and ``--entries`` ledger entries (two per transaction) over the last year, then p50/p95 of

* recording an entry through the API (``POST /entries``: rule check, cap, guarded posting, tally),
* a scheme's yearly ranking, top 100, through the API,
* a passbook page (HTML),

each next to a hand-written floor measured in the same run: the same double-entry write as
plain SQL (insert a transaction and two entries, two balance updates, commit), the top 100 as one
plain SQL query on the tally index, and the passbook's first page (101 rows) as one plain SQL
query. Requests run outside any app context, each with its own session, as in a server.

    .venv/bin/python benchmarks/points_bank_bench.py --accounts 10000 --entries 400000    # reduced
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/points_bank_bench.py

Defaults are the issue's size (100,000 accounts, 5,000,000 entries; that takes a long while to
build). Goals (issue 11): recording p95 < 20 ms, ranking p95 < 100 ms, passbook < 50 ms.
A last line times one account read through the API next to ``GET /healthz``: what any request
costs here (sign-in, tenant, permissions), to read the three measures against. Before timing,
balances of a sample of accounts are checked against their entries. Last, the SQL statements
one request of each kind sends, and the load (``uptime``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text, update  # noqa: E402

from core.db import db, utcnow  # noqa: E402
from core.testing import bench_app, print_results, timed  # noqa: E402

from township import PASSWORD, bench_township  # noqa: E402

CHUNK = 20_000


def build(app, accounts: int, entries: int):
    from core.grid.models import Grid
    from core.people.models import Household
    from core.tenancy import tenant_context
    from core.localtime import bucket_key
    from plugins.points_bank.ledger import period_for, system_account
    from plugins.points_bank.models import Account, Entry, Rule, Scheme, Tally, Txn

    with app.app_context():
        start = time.perf_counter()
        grids = [{"name": f"村{v + 1}", "children": [{"name": f"村{v + 1}网格{g + 1}"} for g in range(10)]} for v in range(20)]
        tenant = bench_township(grids=grids, levels=["村", "网格"], modules={"points_bank": {"tiers": []}})
        rng = random.Random(42)
        now = utcnow()
        with tenant_context(tenant):
            tenant_id = tenant.id
            leaves = db.session.scalars(select(Grid.id).where(Grid.level == 2)).all()
            scheme = db.session.scalar(select(Scheme).where(Scheme.code == "household"))
            rules = db.session.execute(select(Rule.id, Rule.points).where(Rule.scheme_id == scheme.id,
                                                                          Rule.points > 0)).all()
            issuing = system_account(scheme, "issuing")
            periods = {}
            for months_back in range(13):
                when = now - dt.timedelta(days=30 * months_back)
                periods[bucket_key("month", when)] = period_for(when).id
            db.session.commit()
            for lo in range(0, accounts, CHUNK):
                n = min(CHUNK, accounts - lo)
                db.session.execute(insert(Household), [
                    {"tenant_id": tenant_id, "grid_id": rng.choice(leaves), "address": f"{lo + i}号",
                     "head_name": f"户主{lo + i}", "number": f"HH{lo + i:06d}"} for i in range(n)])
            homes = db.session.execute(select(Household.id, Household.grid_id).order_by(Household.id)).all()
            for lo in range(0, len(homes), CHUNK):
                db.session.execute(insert(Account), [
                    {"tenant_id": tenant_id, "scheme_id": scheme.id, "kind": "member", "holder": f"household:{h.id}",
                     "number": f"H{scheme.id:02d}-{h.id:06d}", "name": f"户主{h.id}", "household_id": h.id,
                     "grid_id": h.grid_id, "balance": 0} for h in homes[lo:lo + CHUNK]])
            db.session.commit()
            members = db.session.execute(select(Account.id, Account.grid_id).where(Account.kind == "member")
                                         .order_by(Account.id)).all()
            txns = entries // 2
            times = sorted(now - dt.timedelta(days=rng.uniform(0, 364), hours=rng.uniform(0, 23)) for _ in range(txns))
            balance: dict[int, int] = defaultdict(int)
            tally: dict[tuple[int, str], int] = defaultdict(int)
            next_id = (db.session.scalar(select(func.max(Txn.id))) or 0) + 1
            for lo in range(0, txns, CHUNK):
                txn_rows, entry_rows = [], []
                for when in times[lo:lo + CHUNK]:
                    acc = rng.choice(members)
                    rule_id, points = rng.choice(rules)
                    month = bucket_key("month", when)
                    txn_rows.append({"id": next_id, "tenant_id": tenant_id, "scheme_id": scheme.id, "account_id": acc.id,
                                     "kind": "award", "state": "approved", "rule_id": rule_id, "points": points,
                                     "period_id": periods.get(month, periods[bucket_key("month", now)]),
                                     "occurred_at": when, "reviewed_at": when, "created_at": when, "note": "",
                                     "evidence": "", "source": "manual", "recorded_by_name": "基准"})
                    entry_rows += [{"tenant_id": tenant_id, "txn_id": next_id, "account_id": acc.id, "amount": points,
                                    "created_at": when},
                                   {"tenant_id": tenant_id, "txn_id": next_id, "account_id": issuing.id,
                                    "amount": -points, "created_at": when}]
                    balance[acc.id] += points
                    balance[issuing.id] -= points
                    tally[(acc.id, month)] += points
                    tally[(acc.id, month[:4])] += points
                    next_id += 1
                db.session.execute(insert(Txn), txn_rows)
                db.session.execute(insert(Entry), entry_rows)
                db.session.commit()
                print(f"  {min(lo + CHUNK, txns)} / {txns} transactions", end="\r")
            grid_of = {m.id: m.grid_id for m in members}
            rows = [{"tenant_id": tenant_id, "account_id": a, "scheme_id": scheme.id, "grid_id": grid_of.get(a),
                     "bucket": b, "earned": e} for (a, b), e in tally.items()]
            for lo in range(0, len(rows), CHUNK):
                db.session.execute(insert(Tally), rows[lo:lo + CHUNK])
            for account_id, value in balance.items():
                db.session.execute(update(Account).where(Account.id == account_id).values(balance=value)
                                   .execution_options(synchronize_session=False))
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                for table in ("points_bank_txn", "points_bank_entry", "points_bank_account", "core_household"):
                    db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                            f"(SELECT max(id) FROM {table}))"))
                db.session.commit()
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            sample = rng.sample([m.id for m in members], min(50, len(members)))
            for account_id in sample:  # the books agree before anything is timed
                kept = db.session.scalar(select(Account.balance).where(Account.id == account_id))
                ledger = db.session.scalar(select(func.coalesce(func.sum(Entry.amount), 0))
                                           .where(Entry.account_id == account_id))
                assert kept == ledger, (account_id, kept, ledger)
            scheme_id = scheme.id
        print(f"\nbuilt {len(members)} accounts, {txns} transactions ({2 * txns} entries) in "
              f"{time.perf_counter() - start:.0f} s")
        return tenant_id, scheme_id, [r.id for r in rules], [m.id for m in members], [h.id for h in homes]


def measure(app, tenant_id: int, scheme_id: int, rule_ids, account_ids, household_ids, repeat: int):
    from core.localtime import bucket_key
    from plugins.points_bank.models import Rule

    rng = random.Random(7)
    year = bucket_key("year", utcnow())
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"login": "benchadmin", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    csrf = {"X-CSRFToken": resp.get_json()["csrf_token"]}
    base = "/api/v1/t/benchtown/points_bank"
    with app.app_context():
        from core.tenancy import tenant_context
        from core.models import Tenant

        with tenant_context(db.session.get(Tenant, tenant_id)):
            rule = db.session.scalar(select(Rule).where(Rule.scheme_id == scheme_id, Rule.key == "public_good",
                                                        Rule.current.is_(True)))
            rule_id = rule.id
        db.session.rollback()
    homes = list(household_ids)
    rng.shuffle(homes)
    cursor = iter(homes * 3)

    def record():
        r = client.post(f"{base}/entries", headers=csrf, json={"scheme_id": scheme_id, "rule_id": rule_id,
                                                                "household_id": next(cursor)})
        assert r.status_code == 201, r.get_json()

    def ranking():
        r = client.get(f"{base}/rankings?scheme_id={scheme_id}&period={year}&limit=100")
        assert r.status_code == 200 and len(r.get_json()["items"]) == min(100, len(account_ids)), r.get_json()

    def passbook():
        r = client.get(f"/t/benchtown/points_bank/accounts/{rng.choice(account_ids)}")
        assert r.status_code == 200

    # requests are timed outside any app context, as a server runs them: each gets its own app
    # context, session and g (inside an outer one they would share its session and identity map)
    with app.app_context():
        engine = db.engine
    conn = engine.connect()
    issuing = conn.execute(text("SELECT id FROM points_bank_account WHERE tenant_id = :t AND holder = 'issuing'"),
                           {"t": tenant_id}).scalar()
    period = conn.execute(text("SELECT max(id) FROM points_bank_period WHERE tenant_id = :t"), {"t": tenant_id}).scalar()
    conn.commit()

    def floor_write():  # the same double-entry posting, by hand
        acc, now = rng.choice(account_ids), utcnow()
        with conn.begin():
            txn = conn.execute(text(
                "INSERT INTO points_bank_txn (tenant_id, scheme_id, account_id, kind, state, rule_id, points, "
                "period_id, occurred_at, note, evidence, source, recorded_by_name, created_at) VALUES (:t, :s, :a, "
                "'award', 'approved', :r, 5, :p, :now, '', '', 'manual', 'floor', :now) RETURNING id"),
                {"t": tenant_id, "s": scheme_id, "a": acc, "r": rule_id, "p": period, "now": now}).scalar()
            conn.execute(text("INSERT INTO points_bank_entry (tenant_id, txn_id, account_id, amount, created_at) "
                              "VALUES (:t, :x, :a, 5, :now), (:t, :x, :i, -5, :now)"),
                         {"t": tenant_id, "x": txn, "a": acc, "i": issuing, "now": now})
            conn.execute(text("UPDATE points_bank_account SET balance = balance + 5 WHERE id = :a"), {"a": acc})
            conn.execute(text("UPDATE points_bank_account SET balance = balance - 5 WHERE id = :i"), {"i": issuing})

    def floor_ranking():
        conn.execute(text("SELECT account_id, earned FROM points_bank_tally WHERE tenant_id = :t AND scheme_id = :s "
                          "AND bucket = :b ORDER BY earned DESC LIMIT 100"),
                     {"t": tenant_id, "s": scheme_id, "b": year}).all()

    def floor_passbook():
        conn.execute(text("SELECT * FROM points_bank_txn WHERE tenant_id = :t AND account_id = :a "
                          "ORDER BY id DESC LIMIT 101"), {"t": tenant_id, "a": rng.choice(account_ids)}).all()

    def account():
        assert client.get(f"{base}/accounts/{rng.choice(account_ids)}").status_code == 200

    baseline = ("one account (API GET): the request itself", timed(account, repeat), "GET /healthz",
                timed(lambda: client.get("/healthz"), repeat))
    results = [("record an entry (API POST)", timed(record, repeat), "plain SQL double entry", timed(floor_write, repeat)),
               ("yearly ranking, top 100 (API)", timed(ranking, repeat), "plain SQL top 100 on tally",
                timed(floor_ranking, repeat)),
               ("passbook page (HTML)", timed(passbook, repeat), "plain SQL passbook rows",
                timed(floor_passbook, repeat)), baseline]
    conn.close()
    counts = [(label, statements(engine, fn)) for label, fn in (("record an entry", record), ("passbook page", passbook),
                                                        ("one account (API GET)", account))]
    return results, counts


def statements(engine, fn) -> tuple[int, int]:
    """SQL statements one call of ``fn`` sends: all of them, and those on the module's tables."""
    from sqlalchemy import event

    seen: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), sum("points_bank_" in s for s in seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    with bench_app(keep=args.keep) as app:
        if args.keep:
            print(f"database kept: {app.config['SQLALCHEMY_DATABASE_URI']}")
        built = build(app, args.accounts, args.entries)
        results, counts = measure(app, *built, repeat=args.repeat)
        print_results(results[:1], goal_p95_ms=20)
        print_results(results[1:2], goal_p95_ms=100)
        print_results(results[2:3], goal_p95_ms=50)
        print_results(results[3:])
        print("\nSQL statements per request (all / on points_bank tables; the rest is core's: BEGIN IMMEDIATE on "
              "SQLite, tenant, user, roles, role permissions, modules, the household and the audit row):")
        for label, (total, own) in counts:
            print(f"  {label:40} {total:3d} / {own:3d}")
        import subprocess

        print("\nload:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
