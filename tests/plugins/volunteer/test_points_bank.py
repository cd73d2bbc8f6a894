"""With points_bank on, a resident volunteer's confirmed service earns the township's mapped rule
(受助-助人-互助) in the same transaction, once per service."""
from __future__ import annotations

import pytest

from tests.plugins.volunteer.conftest import make_town


@pytest.fixture
def both(create_county, create_tenant, create_grid, create_user, enable_module, api_as):
    town = make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as)
    enable_module(town.tenant, "points_bank")
    return town


def test_a_resident_volunteers_confirmed_order_earns_points_once(app, both, api_as):
    from tests.plugins.volunteer.conftest import Phone

    town, admin = both, api_as(both.admin)
    base = f"/api/v1/t/{town.slug}"
    household = admin.post(f"{base}/households", json={"grid_id": town.g1.id, "address": "幸福路20号"}).get_json()
    person = admin.post(f"{base}/people", json={"name": "积分志愿者", "household_id": household["id"],
                                               "mobile": "13612349999"}).get_json()
    vol = admin.post(f"{town.api}/volunteers", json={"person_id": person["id"], "confirm": True}).get_json()
    item = admin.get(f"{town.api}/menu").get_json()["items"][0]
    order = admin.post(f"{town.api}/orders", json={"item_id": item["id"], "grid_id": town.g1.id,
                                                   "requester_name": "独居老人"}).get_json()
    ph = Phone(app.test_client(), town, vol["token"])
    assert ph.post(f"/orders/{order['id']}/claim").status_code == 200
    assert ph.post(f"/orders/{order['id']}/done", json={"hours": 1}).status_code == 200
    before = admin.get(f"{base}/points_bank/entries").get_json()["total"]
    confirmed = admin.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 5})
    assert confirmed.status_code == 200, confirmed.get_json()
    entries = admin.get(f"{base}/points_bank/entries").get_json()
    assert entries["total"] == before + 1, entries
    assert admin.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 5}).status_code == 409
    assert admin.get(f"{base}/points_bank/entries").get_json()["total"] == before + 1
