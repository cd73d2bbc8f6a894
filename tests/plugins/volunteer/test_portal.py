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


def test_the_portal_orders_shows_and_rates_a_service(app, town, api_as, volunteer, phone):
    from tests.core.residents.conftest import csrf_of, resident_phone

    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    mine = admin.post(f"{base}/households", json={"grid_id": town.g1.id, "address": "幸福路11号",
                                                  "head_name": "周奶奶"}).get_json()
    home = resident_phone(app, admin, town.slug, mine["id"])
    portal_home = home.get(f"/r/{town.slug}/").get_data(as_text=True)
    assert "点单服务" in portal_home and "还没有点过服务" in portal_home
    form = home.get(f"/r/{town.slug}/volunteer/order")
    assert form.status_code == 200
    item = admin.get(f"{town.api}/menu").get_json()["items"][0]
    bad = home.post(f"/r/{town.slug}/volunteer/order", data={"csrf_token": csrf_of(form.data), "item_id": "999999"})
    assert bad.status_code == 422 and "请选择服务项目" in bad.get_data(as_text=True)
    placed = home.post(f"/r/{town.slug}/volunteer/order", data={"csrf_token": csrf_of(form.data),
                                                                 "item_id": str(item["id"]), "note": "量血压"})
    assert placed.status_code == 303
    order = admin.get(f"{town.api}/orders").get_json()["items"][0]
    assert order["source"] == "resident" and order["household_id"] == mine["id"] and order["note"] == "量血压"
    assert "等待志愿者认领" in home.get(f"/r/{town.slug}/").get_data(as_text=True)
    vol = phone(volunteer(name="上门的志愿者"))
    vol.post(f"/orders/{order['id']}/claim")
    vol.post(f"/orders/{order['id']}/done", json={"hours": 2})
    page = home.get(f"/r/{town.slug}/").get_data(as_text=True)
    assert "服务已完成，请确认" in page
    rated = home.post(f"/r/{town.slug}/volunteer/orders/{order['id']}/confirm",
                      data={"csrf_token": csrf_of(page), "rating": "5"})
    assert rated.status_code == 200 and "谢谢您的评价" in rated.get_data(as_text=True)
    assert admin.get(f"{town.api}/orders/{order['id']}").get_json()["rating"] == 5
    assert vol.get().get_json()["hours"] == 2.0
    # another household's phone does not reach this order
    other = admin.post(f"{base}/households", json={"grid_id": town.g2.id, "address": "幸福路12号"}).get_json()
    stranger = resident_phone(app, admin, town.slug, other["id"])
    token = csrf_of(stranger.get(f"/r/{town.slug}/volunteer/order").data)
    refused = stranger.post(f"/r/{town.slug}/volunteer/orders/{order['id']}/confirm",
                            data={"csrf_token": token, "rating": "1"})
    assert refused.status_code == 404 and "等待志愿者认领" not in stranger.get(f"/r/{town.slug}/").get_data(as_text=True)
    assert app.test_client().get(f"/r/{town.slug}/volunteer/order").status_code in (302, 303, 401, 403)


def test_the_portal_part_in_english(app, town, api_as, english_only):
    from plugins.volunteer.posts import DEFAULT_MENU
    from tests.core.residents.conftest import resident_phone

    admin = api_as(town.admin)
    mine = admin.post(f"/api/v1/t/{town.slug}/households", json={"grid_id": town.g1.id, "address": "幸福路13号"}).get_json()
    home = resident_phone(app, admin, town.slug, mine["id"])
    html = home.get(f"/r/{town.slug}/volunteer/order?lang=en").get_data(as_text=True)
    english_only(html, [town.tenant.name, *[n for n, _ in DEFAULT_MENU]])


def test_a_household_withdraws_its_order_over_http_until_it_is_done(app, town, api_as, volunteer, phone):
    from tests.core.residents.conftest import csrf_of, resident_phone

    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    mine = admin.post(f"{base}/households", json={"grid_id": town.g1.id, "address": "幸福路9号",
                                                  "head_name": "钱奶奶"}).get_json()
    other = admin.post(f"{base}/households", json={"grid_id": town.g2.id, "address": "幸福路10号"}).get_json()
    home = resident_phone(app, admin, town.slug, mine["id"])
    stranger = resident_phone(app, admin, town.slug, other["id"])
    form = home.get(f"/r/{town.slug}/volunteer/order")
    item = admin.get(f"{town.api}/menu").get_json()["items"][0]
    placed = home.post(f"/r/{town.slug}/volunteer/order", data={"csrf_token": csrf_of(form.data), "item_id": item["id"]})
    assert placed.status_code == 303
    orders = admin.get(f"{town.api}/orders").get_json()["items"]
    first = next(o for o in orders if o["household_id"] == mine["id"])
    portal_home = home.get(f"/r/{town.slug}/").get_data(as_text=True)
    assert f"/volunteer/orders/{first['id']}/cancel" in portal_home
    token = csrf_of(portal_home)
    refused = stranger.post(f"/r/{town.slug}/volunteer/orders/{first['id']}/cancel",
                            data={"csrf_token": csrf_of(stranger.get(f"/r/{town.slug}/").data)})
    assert refused.status_code == 404
    assert admin.get(f"{town.api}/orders/{first['id']}").get_json()["status"] == "open"
    assert home.post(f"/r/{town.slug}/volunteer/orders/{first['id']}/cancel", data={}).status_code == 400  # no CSRF
    done = home.post(f"/r/{town.slug}/volunteer/orders/{first['id']}/cancel", data={"csrf_token": token})
    assert done.status_code == 200 and admin.get(f"{town.api}/orders/{first['id']}").get_json()["status"] == "cancelled"
    # an order a volunteer has done can no longer be withdrawn
    form = home.get(f"/r/{town.slug}/volunteer/order")
    home.post(f"/r/{town.slug}/volunteer/order", data={"csrf_token": csrf_of(form.data), "item_id": item["id"]})
    second = next(o for o in admin.get(f"{town.api}/orders").get_json()["items"]
                  if o["household_id"] == mine["id"] and o["status"] == "open")
    vol = phone(volunteer(name="上门志愿者乙"))
    assert vol.post(f"/orders/{second['id']}/claim").status_code == 200
    assert vol.post(f"/orders/{second['id']}/done", json={"hours": 1}).status_code == 200
    late = home.post(f"/r/{town.slug}/volunteer/orders/{second['id']}/cancel", data={"csrf_token": token})
    assert late.status_code == 409 and admin.get(f"{town.api}/orders/{second['id']}").get_json()["status"] == "done"
