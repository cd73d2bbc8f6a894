"""Local time in incidents: periods, filters, pages and the ledger speak Beijing time while the
database holds UTC with its zone."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from core.db import db
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.plugins.incidents.conftest import base

UTC = dt.timezone.utc
# 23:30 Beijing time on the last day of the third quarter: 15:30 UTC the same day
LATE_ON_30_SEPTEMBER = dt.datetime(2026, 9, 30, 15, 30, tzinfo=UTC)


def reported_at(town, incident_id, when):
    with tenant_context(town.tenant):
        row = db.session.get(Incident, incident_id)
        row.reported_at = when
        db.session.commit()


def test_a_report_at_2330_beijing_on_the_last_day_of_a_quarter_is_in_that_quarter(town, report, api_as):
    staff = api_as(town.staff)
    incident = report()["id"]
    reported_at(town, incident, LATE_ON_30_SEPTEMBER)

    def reported(query):
        resp = staff.get(f"{base(town)}/numbers?{query}")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["reported"]

    assert reported("period=2026-Q3") == 1
    assert reported("period=2026-Q4") == 0
    assert reported("period=2026-09") == 1 and reported("period=2026-10") == 0
    assert reported("period=2026-09-30") == 1 and reported("period=2026-10-01") == 0
    assert reported("period=2026") == 1
    assert reported("from=2026-09-30&to=2026-09-30") == 1
    assert reported("from=2026-10-01") == 0  # 2026-10-01 00:00 Beijing is 16:00 UTC on the 30th


def test_the_stored_time_keeps_its_zone(town, report):
    incident = report()["id"]
    beijing = dt.timezone(dt.timedelta(hours=8))
    reported_at(town, incident, dt.datetime(2026, 9, 30, 23, 30, tzinfo=beijing))  # written in Beijing time
    with tenant_context(town.tenant):
        db.session.expire_all()
        stored = db.session.get(Incident, incident).reported_at
    assert stored == LATE_ON_30_SEPTEMBER and stored.utcoffset() == dt.timedelta(0)


def test_pages_ledger_and_api_show_beijing_time(town, report, api_as):
    staff = api_as(town.staff)
    incident = report()["id"]
    reported_at(town, incident, LATE_ON_30_SEPTEMBER)
    page = staff.get(f"/t/{town.tenant.slug}/incidents/?period=2026-Q3").get_data(as_text=True)
    assert "2026-09-30 23:30" in page and "2026-09-30 15:30" not in page
    detail = staff.get(f"{base(town)}/{incident}").get_json()
    assert dt.datetime.fromisoformat(detail["reported_at"]) == LATE_ON_30_SEPTEMBER
    assert detail["reported_at"].endswith("+08:00")
    sheet = load_workbook(io.BytesIO(staff.get(f"{base(town)}/ledger.xlsx?period=2026-Q3").data)).active
    times = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert dt.datetime(2026, 9, 30, 23, 30) in times


def test_a_bad_period_is_422_naming_it(town, api_as):
    staff = api_as(town.staff)
    for bad in ("2026-Q5", "2026-13", "2026-02-30", "last-week", "2026-W60"):
        resp = staff.get(f"{base(town)}/numbers?period={bad}")
        assert resp.status_code == 422, bad
        assert "period" in resp.get_json()["error"]["fields"]


def test_a_township_may_set_another_zone(town, report, api_as, db_session):
    from core.models import Tenant

    tenant = db.session.get(Tenant, town.tenant.id)
    tenant.settings = {**tenant.settings, "timezone": "Asia/Urumqi"}  # UTC+6
    db.session.commit()
    incident = report()["id"]
    reported_at(town, incident, LATE_ON_30_SEPTEMBER)
    staff = api_as(town.staff)
    assert staff.get(f"{base(town)}/numbers?period=2026-09-30").get_json()["reported"] == 1
    assert staff.get(f"{base(town)}/{incident}").get_json()["reported_at"].endswith("+06:00")
