"""Four synchronous imports of one file at the same moment (a double-clicked button, two
offices): none is a 500 (3 of 4 were: unique violations); each imports or is told to retry
(409), and the register holds each resident once."""
from __future__ import annotations

import threading
from types import SimpleNamespace

from .test_import_export import count, good_rows, upload, xlsx


def test_four_concurrent_imports_of_one_file_give_no_500_and_no_duplicates(app, town, admin, api_as):
    data, where = xlsx(good_rows()), SimpleNamespace(slug=town.slug)  # ORM rows reload only in the app
    clients = [api_as(admin) for _ in range(4)]
    barrier, statuses, errors = threading.Barrier(4), [], []

    def run(api):
        try:
            barrier.wait()
            resp = upload(api, where, data, "all")
            with app.app_context():  # reading the JSON answer needs the app
                statuses.append((resp.status_code, (resp.get_json() or {}).get("error", {}).get("code")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert all(status == 200 or (status == 409 and code) for status, code in statuses), statuses
    assert any(status == 200 for status, _ in statuses), statuses
    assert count(town) == 3
