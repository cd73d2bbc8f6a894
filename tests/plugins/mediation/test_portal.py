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
