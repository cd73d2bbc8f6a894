"""The residents' portal part (until core's portal hooks land: the service function it will
call): nothing by default; with the township's setting, the household's cases and their progress
only, never their text, never another household's."""
from __future__ import annotations

from core.tenancy import tenant_context
from plugins.mediation.handover import resident_summary


def test_nothing_by_default_then_progress_only_for_the_partys_household(town, take_in, enable_module):
    case = take_in()
    with tenant_context(town.tenant):
        assert resident_summary(town.tenant, town.households["hh1"]) == []
    enable_module(town.tenant, "mediation", {"portal_shows_cases": True})
    with tenant_context(town.tenant):
        mine = resident_summary(town.tenant, town.households["hh1"])
        others = resident_summary(town.tenant, town.households["hh3"])
    assert mine == [{"case_id": case["id"], "number": case["number"], "dispute_type": "邻里纠纷", "state": "待受理"}]
    assert others == []


def test_hook_resident_sections_on_the_portal(api_as, town, take_in, enable_module, create_user, app):
    from tests.core.residents.conftest import csrf_of, faces

    case = take_in()
    admin = api_as(create_user(roles=[(town.tenant, "township_admin")]))

    def phone_for(household):
        resp = admin.post(f"/t/{town.slug}/people/households/{town.households[household]}/card")
        assert resp.status_code == 200, resp.status_code
        face = faces(resp.get_data(as_text=True))[0]
        phone = app.test_client()
        page = phone.get(face["path"])
        assert phone.post(face["path"], data={"csrf_token": csrf_of(page.data), "pin": face["pin"]}).status_code == 303
        return phone

    party, other = phone_for("hh1"), phone_for("hh3")
    assert "本户调解案件" not in party.get(f"/r/{town.slug}/").get_data(as_text=True)  # nothing by default
    enable_module(town.tenant, "mediation", {"portal_shows_cases": True})
    html = party.get(f"/r/{town.slug}/").get_data(as_text=True)
    assert "本户调解案件" in html and case["number"] in html and "待受理" in html
    assert "排水沟" not in html  # progress only, never the case's text
    assert "本户调解案件" not in other.get(f"/r/{town.slug}/").get_data(as_text=True)
