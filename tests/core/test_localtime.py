"""Times are stored in UTC with their zone and shown, accepted and bucketed in the tenant's zone."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime

from core.db import UTCDateTime, db
from tenants.manifest import ManifestSchema
from tests.conftest import unique


def test_every_datetime_column_keeps_its_zone(app):
    plain = [f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, DateTime) and not isinstance(c.type, UTCDateTime)]
    assert not plain, f"use UTCDateTime (core.toolkit) for these columns: {plain}"


def test_a_naive_time_assigned_in_code_is_utc_at_once(create_tenant, db_session):
    from core.models import Tenant

    tenant = db.session.get(Tenant, create_tenant().id)
    tenant.created_at = dt.datetime(2026, 9, 30, 15, 30)  # naive: taken as UTC, as utcnow() gave before
    assert tenant.created_at.tzinfo is not None
    assert tenant.created_at < dt.datetime.now(dt.timezone.utc)


def test_onboarding_keeps_the_township_zone_and_refuses_a_bad_one(create_county, db_session):
    county = create_county()
    good = ManifestSchema().load({"name": "镇", "slug": unique("tz"), "county": county.slug})
    assert good["timezone"] == "Asia/Shanghai"
    errors = ManifestSchema().validate({"name": "镇", "slug": unique("tz"), "county": county.slug,
                                          "timezone": "Mars/Olympus"})
    assert "timezone" in errors and "时区" in errors["timezone"][0]
