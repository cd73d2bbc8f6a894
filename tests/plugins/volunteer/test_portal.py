"""The residents' part through its services (until core's portal hooks land): a household orders
from the menu, sees its orders, confirms and rates its own; another household's order is not
found and nothing changes."""
from __future__ import annotations

import pytest

from core.toolkit import ApiError, Household, db, tenant_context
from plugins.volunteer import portal
from plugins.volunteer.models import Order


def test_a_household_orders_confirms_and_rates_only_its_own(app, town, api_as, volunteer, phone):
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    mine = admin.post(f"{base}/households", json={"grid_id": town.g1.id, "address": "幸福路7号",
                                                  "head_name": "孙大爷"}).get_json()
    other = admin.post(f"{base}/households", json={"grid_id": town.g2.id, "address": "幸福路8号"}).get_json()
    with app.app_context(), tenant_context(town.tenant):
        household = db.session.get(Household, mine["id"])
        summary = portal.resident_summary(household)
        assert len(summary["menu"]) == 6 and summary["orders"] == []
        order = portal.resident_order(town.tenant, household, summary["menu"][0]["id"], note="周三上午")
        db.session.commit()
        order_id = order.id
        assert order.source == "resident" and order.grid_id == town.g1.id and order.address == "幸福路7号"
        assert order.requester_name == "孙大爷"
    vol = phone(volunteer(name="上门志愿者"))
    assert vol.post(f"/orders/{order_id}/claim").status_code == 200
    assert vol.post(f"/orders/{order_id}/done", json={"hours": 1}).status_code == 200
    with app.app_context(), tenant_context(town.tenant):
        stranger = db.session.get(Household, other["id"])
        with pytest.raises(ApiError) as refused:
            portal.resident_confirm(town.tenant, stranger, order_id, 5)
        assert refused.value.status == 404
        db.session.rollback()
        household = db.session.get(Household, mine["id"])
        with pytest.raises(ApiError):
            portal.resident_confirm(town.tenant, household, order_id, 9)
        portal.resident_confirm(town.tenant, household, order_id, 4, "很及时")
        db.session.commit()
        row = db.session.get(Order, order_id)
        assert row.status == "confirmed" and row.rating == 4
        assert portal.resident_summary(household)["orders"][0]["volunteer"] == "上门志愿者"
        assert portal.resident_summary(db.session.get(Household, other["id"]))["orders"] == []
        with pytest.raises(ApiError):
            portal.resident_cancel(town.tenant, household, order_id)  # confirmed: no longer cancellable
        db.session.rollback()
    assert vol.get().get_json()["hours"] == 1.0
