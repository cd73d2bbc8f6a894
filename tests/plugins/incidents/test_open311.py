"""Open311 GeoReport v2 over the incidents: services, post and read requests, API keys."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.auth.tokens import create_token
from core.db import db
from tenants.modules import update_settings
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.plugins.incidents.conftest import base, make_town


def _key(user, tenant):
    _, plain = create_token(user, tenant, "12345 hotline")
    db.session.commit()
    return plain


def _o(town):
    return f"{base(town)}/open311"


def test_services_list_is_public(client, town):
    resp = client.get(f"{_o(town)}/services.json")
    assert resp.status_code == 200
    services = {s["service_code"]: s for s in resp.get_json()}
    assert services["facility_road"]["service_name"] == "道路破损" and services["facility_road"]["group"] == "基础设施"
    assert services["security"]["type"] == "realtime" and services["security"]["metadata"] is False


def test_post_with_api_key_and_read_back(client, town, db_session):
    key = _key(town.worker1, town.tenant)
    form = {"api_key": key, "service_code": "facility_light", "description": "路灯不亮", "lat": "30.5", "long": "116.9",
            "address_string": "高河镇查冲村村口", "attribute[grid_code]": town.g1.code, "phone": "13900139000"}
    resp = client.post(f"{_o(town)}/requests.json", data=form)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()[0]["service_request_id"]
    with tenant_context(town.tenant):
        row = db.session.get(Incident, int(rid))
        assert (row.source, row.grid_id, row.lat, row.lon, row.reporter_user_id) == ("open311", town.g1.id, 30.5, 116.9, town.worker1.id)
        assert row.steps[0].actor_name == "网格员甲"
    one = client.get(f"{_o(town)}/requests/{rid}.json", headers={"Authorization": f"Bearer {key}"})
    assert one.status_code == 200
    in_url = client.get(f"{_o(town)}/requests/{rid}.json?api_key={key}")  # access logs keep URLs: refused
    assert in_url.status_code == 400 and "api_key" in in_url.get_data(as_text=True)
    assert client.post(f"{_o(town)}/requests.json?api_key={key}", data={**form, "api_key": ""}).status_code == 400
    got = one.get_json()[0]
    assert got["status"] == "open" and got["service_code"] == "facility_light" and got["address"] == "高河镇查冲村村口"
    for key_name in ("requested_datetime", "updated_datetime", "expected_datetime"):  # ISO 8601 in UTC, one Z
        assert got[key_name].endswith("Z") and "+" not in got[key_name], got[key_name]
        dt.datetime.fromisoformat(got[key_name].replace("Z", "+00:00"))
    listed = client.get(f"{_o(town)}/requests.json", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert [r["service_request_id"] for r in listed] == [rid]
    assert client.get(f"{_o(town)}/requests.json?status=closed", headers={"Authorization": f"Bearer {key}"}).get_json() == []
    assert len(client.get(f"{_o(town)}/requests.json?start_date=2020-01-01T00:00:00Z", headers={"Authorization": f"Bearer {key}"}).get_json()) == 1
    assert client.get(f"{_o(town)}/requests.json?end_date=2020-01-01T00:00:00Z", headers={"Authorization": f"Bearer {key}"}).get_json() == []
    assert client.get(f"{_o(town)}/requests.json?start_date=soon", headers={"Authorization": f"Bearer {key}"}).status_code == 400
    # the key's reach is the worker's: another grid is refused
    form["attribute[grid_code]"] = town.g2.code
    assert client.post(f"{_o(town)}/requests.json", data=form).status_code == 403


def test_keys_and_anonymous_posting(client, town, create_tenant, create_grid, create_user, db_session):
    form = {"service_code": "facility_road", "description": "路面塌陷", "grid_code": town.g1.code}
    resp = client.post(f"{_o(town)}/requests.json", data=form)
    assert resp.status_code == 401 and resp.get_json()[0]["code"] == 401
    assert client.get(f"{_o(town)}/requests.json").status_code == 401
    assert client.post(f"{_o(town)}/requests.json", data={**form, "api_key": "ggv_nonsense"}).status_code == 401
    other = make_town(create_tenant, create_grid, create_user)
    foreign = _key(other.staff, other.tenant)
    assert client.post(f"{_o(town)}/requests.json", data={**form, "api_key": foreign}).status_code == 401
    update_settings(town.tenant, "incidents", {"open311_anonymous_post": True})
    db.session.commit()
    bad = client.post(f"{_o(town)}/requests.json", data={**form, "service_code": "nope"})
    assert bad.status_code == 400 and "service_code" in bad.get_json()[0]["description"]
    assert client.post(f"{_o(town)}/requests.json", data={**form, "grid_code": ""}).status_code == 400
    assert client.post(f"{_o(town)}/requests.json", data={**form, "lat": "north"}).status_code == 400
    ok = client.post(f"{_o(town)}/requests.json", data=form)
    assert ok.status_code == 201
    with tenant_context(town.tenant):
        assert db.session.scalar(select(Incident.reporter_user_id)) is None
    # the other township's key reads nothing of this one
    rid = ok.get_json()[0]["service_request_id"]
    foreign_here = client.get(f"{_o(town)}/requests/{rid}.json", headers={"Authorization": f"Bearer {foreign}"})
    assert foreign_here.status_code == 404 and "另一个乡镇" in foreign_here.get_data(as_text=True)
    assert client.get(f"{_o(other)}/requests/{rid}.json", headers={"Authorization": f"Bearer {foreign}"}).status_code == 404
