"""The dashboard's closed-per-week chart: counted in SQL per local week (Monday 00:00 Beijing time
starts a week, which is Sunday 16:00 UTC), only closed incidents, only the viewer's subtrees."""
from __future__ import annotations

import datetime as dt

from core.db import db
from core.localtime import local_period
from core.tenancy import tenant_context
from plugins.incidents import stats
from plugins.incidents.models import Incident


def close_at(town, incident_id, when, state="closed"):
    with tenant_context(town.tenant):
        row = db.session.get(Incident, incident_id)
        row.state, row.closed_at, row.open_due_at = state, when, None
        db.session.commit()


def weeks(app, town, roots, n=8):
    with app.test_request_context(), tenant_context(town.tenant):
        return stats.closed_per_week(roots, n)


def test_each_close_falls_in_its_local_week(app, town, report):
    this_week, _ = local_period("week")  # UTC moment of this Monday 00:00 Beijing time
    close_at(town, report()["id"], this_week + dt.timedelta(minutes=30))  # Monday 00:30 Beijing
    close_at(town, report()["id"], this_week - dt.timedelta(minutes=30))  # Sunday 23:30 Beijing: last week
    close_at(town, report()["id"], this_week - dt.timedelta(weeks=3, minutes=1))  # four weeks back
    close_at(town, report()["id"], this_week - dt.timedelta(weeks=30))  # before the chart
    close_at(town, report()["id"], this_week + dt.timedelta(hours=1), state="rejected")  # not closed
    other = report(user=town.worker2, grid=town.g2)["id"]
    close_at(town, other, this_week + dt.timedelta(hours=2))

    series = weeks(app, town, None)
    assert len(series) == 8
    assert [n for _, n in series] == [0, 0, 0, 1, 0, 0, 1, 2]
    monday = (this_week + dt.timedelta(hours=8)).strftime("%m-%d")  # the label is the local Monday
    assert series[-1][0] == monday
    # a worker's chart counts their own grid's subtree only
    assert [n for _, n in weeks(app, town, [town.g2.id])] == [0, 0, 0, 0, 0, 0, 0, 1]
    assert [n for _, n in weeks(app, town, [])] == [0] * 8


def test_another_township_s_closes_do_not_count(app, town, report, create_tenant, create_grid, create_user):
    from tests.plugins.incidents.conftest import make_town

    close_at(town, report()["id"], local_period("week")[0] + dt.timedelta(hours=1))
    other = make_town(create_tenant, create_grid, create_user)
    assert [n for _, n in weeks(app, other, None)] == [0] * 8
    assert sum(n for _, n in weeks(app, town, None)) == 1
