"""The service menu and orders (点单式服务): menu changes counted over time, an order placed by a
grid worker, claimed once (the second claim and concurrent claims get 409), done, confirmed and
rated, recorded and announced once."""
from __future__ import annotations

import datetime as dt
import threading

from core.toolkit import db, hookimpl, tenant_context
from plugins.volunteer.models import ServiceItem


def test_menu_changes_are_recorded_and_counted_over_time(town, api_as):
    admin = api_as(town.admin)
    start = admin.get(f"{town.api}/menu/history").get_json()
    assert start["items_now"] == 6  # the starting menu seeded when the module was enabled
    with tenant_context(town.tenant):  # the starting menu was published over a year ago
        for item in db.session.query(ServiceItem).all():
            item.added_at = item.added_at - dt.timedelta(days=400)
        db.session.commit()
    new = [admin.post(f"{town.api}/menu", json={"name": n}).get_json() for n in ("上门理发", "陪同就医", "送餐上门")]
    retired = admin.patch(f"{town.api}/menu/{new[0]['id']}", json={"active": False}).get_json()
    assert retired["retired_at"] is not None
    body = admin.get(f"{town.api}/menu/history").get_json()
    assert body["items_year_ago"] == 6 and body["items_now"] == 8
    assert [c["change"] for c in body["changes"][:2]] == ["retired", "added"]
    assert len(admin.get(f"{town.api}/menu").get_json()["items"]) == 8
    assert len(admin.get(f"{town.api}/menu?all=1").get_json()["items"]) == 9
    dup = admin.post(f"{town.api}/menu", json={"name": "陪同就医"})
    assert dup.status_code == 409
    assert admin.post(f"{town.api}/menu", json={"name": "x"}).status_code == 422
    assert api_as(town.worker1).post(f"{town.api}/menu", json={"name": "网格员不能改清单"}).status_code == 403


def _order(town, api_as, user=None, **fields):
    api = api_as(user or town.worker1)
    item = api.get(f"{town.api}/menu").get_json()["items"][0]
    body = {"item_id": item["id"], "grid_id": town.g1.id, "requester_name": "独居张奶奶", "address": "幸福路3号",
            "note": "每周一次", **fields}
    resp = api.post(f"{town.api}/orders", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


class Listener:
    def __init__(self):
        self.seen = []

    @hookimpl
    def volunteer_service_completed(self, tenant, service):
        self.seen.append(service)


def test_order_claimed_once_done_confirmed_rated_and_announced(town, api_as, volunteer, phone, register_plugin):
    listener = register_plugin(Listener(), "volunteer_menu_listener")
    order = _order(town, api_as)
    assert order["status"] == "open" and order["source"] == "worker"
    a, b = phone(volunteer(name="甲")), phone(volunteer(name="乙"))
    assert any(o["id"] == order["id"] for o in a.get("/orders").get_json()["items"])
    claimed = a.post(f"/orders/{order['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["status"] == "claimed"
    twice = b.post(f"/orders/{order['id']}/claim")
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_claimed"
    assert b.post(f"/orders/{order['id']}/done", json={"hours": 1}).status_code == 403
    assert a.post(f"/orders/{order['id']}/done", json={"hours": 30}).status_code == 422
    assert a.post(f"/orders/{order['id']}/done", json={"hours": 9}).status_code == 422  # the 8-hour cap
    worker = api_as(town.worker1)
    early = worker.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 5})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_done"
    assert a.post(f"/orders/{order['id']}/done", json={"hours": 1.5, "note": "已体检"}).get_json()["status"] == "done"
    assert worker.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 6}).status_code == 422
    done = worker.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 5, "note": "很满意"})
    assert done.status_code == 200 and done.get_json()["rating"] == 5 and done.get_json()["status"] == "confirmed"
    assert worker.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 5}).status_code == 409
    assert a.get().get_json()["hours"] == 1.5
    assert [s["ref"] for s in listener.seen] == [f"order:{order['id']}"]
    assert listener.seen[0]["kind"] == "order" and listener.seen[0]["hours"] == 1.5
    assert listener.seen[0]["grid_id"] == town.g1.id


def test_grid_workers_order_and_see_only_their_grids(town, api_as):
    mine = _order(town, api_as)
    other = api_as(town.worker2)
    assert other.get(f"{town.api}/orders/{mine['id']}").status_code == 403
    item = other.get(f"{town.api}/menu").get_json()["items"][0]
    refused = other.post(f"{town.api}/orders", json={"item_id": item["id"], "grid_id": town.g1.id,
                                                     "requester_name": "不是我的网格"})
    assert refused.status_code == 403
    assert [o["id"] for o in other.get(f"{town.api}/orders").get_json()["items"]] == []
    for body, field in (({"grid_id": town.g2.id, "requester_name": "甲"}, "item_id"),
                        ({"item_id": 999999, "grid_id": town.g2.id, "requester_name": "甲"}, "item_id"),
                        ({"item_id": item["id"], "requester_name": "甲"}, "grid_id"),
                        ({"item_id": item["id"], "grid_id": town.g2.id}, "requester_name"),
                        ({"item_id": item["id"], "grid_id": town.g2.id, "requester_name": "甲", "phone": "1"}, "phone")):
        resp = other.post(f"{town.api}/orders", json=body)
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    assert api_as(town.police).get(f"{town.api}/orders").status_code == 403


def test_concurrent_claims_over_http_one_wins(app, town, api_as, volunteer):
    order = _order(town, api_as)
    vols = [volunteer(name=f"抢单{i}") for i in range(6)]
    url = f"{town.api}/me/orders/{order['id']}/claim"
    answers, errors, barrier = [], [], threading.Barrier(len(vols))

    def go(vol, client):
        try:
            barrier.wait()
            resp = client.post(url, headers={"X-Volunteer-Token": vol["token"]})
            answers.append(resp.status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(v, app.test_client())) for v in vols]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(answers) == [200] + [409] * 5, answers
    assert api_as(town.worker1).get(f"{town.api}/orders/{order['id']}").get_json()["status"] == "claimed"
