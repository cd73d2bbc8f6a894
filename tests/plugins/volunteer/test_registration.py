"""Registration (报到): residents and outsiders, the county's units, confirmation and the personal
link, with every refusal the issue names."""
from __future__ import annotations

from tests.plugins.volunteer.conftest import make_town


def test_outsider_registers_pending_and_the_community_confirms(town, api_as, phone):
    worker = api_as(town.worker1)
    resp = worker.post(f"{town.api}/volunteers", json={
        "name": "李在职", "mobile": "13900001111", "is_party_member": True, "unit_id": town.unit_id,
        "party_branch": "县教育局机关党支部", "skills": ["急救", "驾驶"], "availability": "周末全天"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "pending" and "token" not in body
    assert body["unit_name"].startswith("县教育局") and body["mobile"] == "139****1111"  # masked for a grid worker
    assert worker.post(f"{town.api}/volunteers/{body['id']}/confirm").status_code == 403
    confirmed = api_as(town.admin).post(f"{town.api}/volunteers/{body['id']}/confirm").get_json()
    assert confirmed["status"] == "confirmed" and len(confirmed["token"]) > 20
    assert confirmed["mobile"] == "13900001111"  # the office sees the number
    assert api_as(town.admin).get(f"{town.api}/volunteers/{body['id']}").get_json()["mobile"] == "13900001111"
    log = api_as(town.admin).get(f"/api/v1/t/{town.slug}/audit?action=volunteer.read_mobile").get_json()
    assert log["total"] >= 1  # and that read of personal data is audited
    me = phone(confirmed).get()
    assert me.status_code == 200 and me.get_json()["name"] == "李在职" and me.get_json()["hours"] == 0.0
    # reissuing the link makes the old one stop working
    again = api_as(town.admin).post(f"{town.api}/volunteers/{body['id']}/confirm").get_json()
    assert phone(confirmed).get().status_code == 401
    assert phone(again).get().status_code == 200


def test_a_resident_registers_with_their_person_record(town, api_as):
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.tenant.slug}"
    household = admin.post(f"{base}/households", json={"grid_id": town.g1.id, "address": "幸福路1号"}).get_json()
    person = admin.post(f"{base}/people", json={"name": "王居民", "household_id": household["id"],
                                               "mobile": "13712345678"}).get_json()
    resp = admin.post(f"{town.api}/volunteers", json={"person_id": person["id"], "skills": ["理发"]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == "王居民" and body["person_id"] == person["id"] and body["grid_id"] == town.g1.id
    again = admin.post(f"{town.api}/volunteers", json={"person_id": person["id"], "mobile": "13712340000"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_registered"


def test_bad_registrations_are_refused_naming_the_field(town, api_as, create_county, create_tenant, create_grid,
                                                        create_user, enable_module):
    admin = api_as(town.admin)
    other = make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as)
    cases = [
        ({"name": "甲", "mobile": "12345"}, 422, "mobile"),
        ({"name": "甲"}, 422, "mobile"),
        ({"name": "甲", "mobile": "13900002222", "is_party_member": True, "unit_id": other.unit_id}, 422, "unit_id"),
        ({"name": "甲", "mobile": "13900002222", "unit_id": town.unit_id}, 422, "is_party_member"),
        ({"name": "甲", "mobile": "13900002222", "id": 5}, 422, "id"),
        ({"name": "甲", "mobile": "13900002222", "tenant_id": 5}, 422, "tenant_id"),
        ({"name": "甲", "mobile": "13900002222", "grid_id": other.g1.id}, 422, "grid_id"),
        ({"name": "甲", "mobile": "13900002222", "post_ids": [999999]}, 422, "post_ids"),
        ({"person_id": 999999}, 422, "person_id"),
    ]
    for body, status, field in cases:
        resp = admin.post(f"{town.api}/volunteers", json=body)
        assert resp.status_code == status, (body, resp.get_json())
        assert field in resp.get_json()["error"]["fields"], (body, resp.get_json())
    assert admin.get(f"{town.api}/volunteers").get_json()["total"] == 0  # nothing half-saved
    ok = admin.post(f"{town.api}/volunteers", json={"name": "甲", "mobile": "13900002222"})
    dup = admin.post(f"{town.api}/volunteers", json={"name": "乙", "mobile": "13900002222"})
    assert ok.status_code == 201 and dup.status_code == 409 and "mobile" in dup.get_json()["error"]["fields"]


def test_reject_and_withdraw(town, api_as, volunteer, phone):
    admin = api_as(town.admin)
    pending = admin.post(f"{town.api}/volunteers", json={"name": "丙", "mobile": "13900003333"}).get_json()
    assert admin.post(f"{town.api}/volunteers/{pending['id']}/reject", json={}).status_code == 422
    rejected = admin.post(f"{town.api}/volunteers/{pending['id']}/reject", json={"reason": "重复报到"})
    assert rejected.get_json()["status"] == "rejected"
    assert admin.post(f"{town.api}/volunteers/{pending['id']}/confirm").status_code == 409
    vol = volunteer(name="丁")
    assert admin.post(f"{town.api}/volunteers/{vol['id']}/withdraw").get_json()["status"] == "withdrawn"
    assert phone(vol).get().status_code == 401


def test_view_only_role_cannot_register_and_other_townships_get_404(town, api_as, volunteer, create_county,
                                                                    create_tenant, create_grid, create_user,
                                                                    enable_module):
    vol = volunteer()
    police = api_as(town.police)
    assert police.get(f"{town.api}/volunteers").status_code == 200
    assert police.post(f"{town.api}/volunteers", json={"name": "甲", "mobile": "13900004444"}).status_code == 403
    other = make_town(create_county, create_tenant, create_grid, create_user, enable_module, api_as)
    outsider = api_as(other.admin)
    assert outsider.get(f"{town.api}/volunteers/{vol['id']}").status_code == 404
    assert outsider.get(f"{other.api}/volunteers/{vol['id']}").status_code == 404
    assert outsider.post(f"{other.api}/volunteers/{vol['id']}/confirm").status_code == 404
    # the personal token of one township is nobody in another
    from tests.plugins.volunteer.conftest import Phone

    assert Phone(outsider.client, other, vol["token"]).get().status_code == 401
