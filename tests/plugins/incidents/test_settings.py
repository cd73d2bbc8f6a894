"""Module settings that contradict each other are refused, naming the field; nothing is stored."""
from __future__ import annotations


def test_contradicting_settings_are_422_naming_the_field(create_tenant, create_user, api_as):
    tenant = create_tenant(modules=["incidents"])
    api = api_as(create_user(roles=[(tenant, "township_admin")]))
    url = f"/api/v1/t/{tenant.slug}/modules/incidents"
    cases = [({"urgent_hours": 30, "pressing_hours": 24}, "urgent_hours"),
             ({"pressing_hours": 100, "normal_hours": 72}, "pressing_hours"),
             ({"departments": ["派出所", "司法所", "派出所"]}, "departments")]
    for settings, field in cases:
        resp = api.patch(url, json={"settings": settings})
        assert resp.status_code == 422, (settings, resp.get_json())
        assert field in resp.get_json()["error"]["fields"]["settings"], resp.get_json()
    current = api.get(f"/api/v1/t/{tenant.slug}/modules").get_json()
    mine = next(m for m in (current["items"] if isinstance(current, dict) else current) if m["name"] == "incidents")
    assert mine["settings"]["urgent_hours"] == 2 and mine["settings"]["departments"].count("派出所") == 1
    ok = api.patch(url, json={"settings": {"urgent_hours": 4, "pressing_hours": 24, "normal_hours": 72}})
    assert ok.status_code == 200, ok.get_json()
