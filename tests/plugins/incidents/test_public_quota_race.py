"""The residents' report quota holds under concurrency: the counter is one guarded UPDATE, so
reports racing each other can never pass the hour's limit (``count += 1`` let 12 through
against 5 on PostgreSQL), and the hour's first reports racing to create the counter get a
clear answer each (they got 500 from the unique violation)."""
from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context
from plugins.incidents.models import Incident, PublicQuota
from tenants.modules import update_settings


def _count(town) -> int:
    with tenant_context(town.tenant):
        return db.session.scalar(select(func.count()).select_from(Incident))


def _race(app, url, category_id, n):
    """``n`` residents' phones (one address) posting the form at the same moment; their statuses."""
    clients = [app.test_client() for _ in range(n)]
    tokens = [re.search(rb'name="csrf_token" value="([^"]+)"', c.get(url).data).group(1).decode() for c in clients]
    barrier, statuses, errors = threading.Barrier(n), [], []

    def post(client, token):
        try:
            barrier.wait()
            statuses.append(client.post(url, data={"csrf_token": token, "category_id": str(category_id),
                                                   "description": "路灯坏了"}).status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return sorted(statuses)


def test_one_report_then_twelve_at_once_pass_exactly_the_limit(app, town, client, category_id, db_session):
    update_settings(town.tenant, "incidents", {"public_reports_per_hour": 5})
    db.session.commit()
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    assert _race(app, url, category_id, 1) == [302]
    assert _race(app, url, category_id, 12) == [302] * 4 + [429] * 8
    assert _count(town) == 5
    with tenant_context(town.tenant):
        assert db.session.scalars(select(PublicQuota.count)).all() == [5]


def test_the_hours_first_reports_racing_each_get_an_answer(app, town, category_id, db_session):
    update_settings(town.tenant, "incidents", {"public_reports_per_hour": 3})
    db.session.commit()
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    assert _race(app, url, category_id, 6) == [302] * 3 + [429] * 3
    assert _count(town) == 3
