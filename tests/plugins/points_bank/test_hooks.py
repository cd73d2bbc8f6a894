"""The points bank's announcements and its answers to the other modules' announcements."""
from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

from core.db import db
from core.modules import hooks
from core.tenancy import tenant_context
from plugins.points_bank import hookspecs


from core.plugins import hookimpl


class Listener:
    def __init__(self):
        self.awards, self.redemptions = [], []

    @hookimpl
    def points_awarded(self, tenant, award):
        self.awards.append(award)

    @hookimpl
    def points_redeemed(self, tenant, redemption):
        self.redemptions.append(redemption)


def _listen(register_plugin):
    return register_plugin(Listener(), "points_listener")


def test_hook_points_awarded(town, books, register_plugin):
    listener = _listen(register_plugin)
    pending = books.record("李四", "filial").get_json()
    assert listener.awards == []  # pending moves nothing and announces nothing
    books.api.post(f"{town.base}/entries/review", json={"ids": [pending["id"]], "decision": "approve"})
    award = listener.awards[-1]
    assert set(award) == {"transaction_id", "account_id", "scheme_id", "scheme_kind", "household_id", "person_id",
                          "rule_id", "category", "points", "source", "occurred_at"}
    assert award["points"] == 10 and award["scheme_kind"] == "household" and award["category"] == "孝老爱亲星"
    assert award["household_id"] == town.households["李四"] and isinstance(award["occurred_at"], dt.datetime)
    books.api.post(f"{town.base}/entries/{pending['id']}/reverse", json={"note": "更正"})
    assert listener.awards[-1]["points"] == -10 and listener.awards[-1]["source"] == "reversal"


def test_hook_points_redeemed(town, books, register_plugin):
    listener = _listen(register_plugin)
    books.record("张三", "public_good")
    account = books.account("张三")
    item = books.api.post(f"{town.base}/items", json={"name": "牙膏", "price": 2, "stock": 3}).get_json()
    red = books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"],
                                                            "quantity": 2}).get_json()
    assert listener.redemptions == [{"transaction_id": red["txn_id"], "account_id": account["id"],
                                     "household_id": town.households["张三"], "person_id": None,
                                     "item_id": item["id"], "quantity": 2, "points": red["points"],
                                     "occurred_at": listener.redemptions[0]["occurred_at"]}]


def test_a_failing_listener_rolls_the_award_back(town, books, register_plugin):
    class Refuses:
        @hookimpl
        def points_awarded(self, tenant, award):
            raise RuntimeError("five_star is down")

    register_plugin(Refuses(), "refuses")
    resp = books.record("王五", "public_good")
    assert resp.status_code == 500
    assert books.api.get(f"{town.base}/accounts?household_id={town.households['王五']}").get_json()["total"] == 0


def _person(town, books, name, household):
    resp = books.api.post(f"/api/v1/t/{town.slug}/people", json={"name": name, "household_id": town.households[household]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def test_volunteer_service_earns_the_mapped_rule_once(town, books):
    person_id = _person(town, books, "张小三", "张三")
    service = {"kind": "activity", "ref": "attendance:17", "person_id": person_id, "volunteer_id": 3, "hours": 2.0,
               "grid_id": town.g1, "occurred_at": dt.datetime.utcnow(), "title": "河道清理"}
    for _ in range(2):  # announced twice: one award
        with tenant_context(town.tenant):
            hooks(town.tenant).volunteer_service_completed(tenant=town.tenant, service=service)
            db.session.commit()
    passbook = books.api.get(f"{town.base}/accounts/{books.account('张三')['id']}/passbook").get_json()["items"]
    assert [(t["source"], t["points"]) for t in passbook] == [("volunteer.service_completed", 5)]


def test_mediation_agreement_earns_for_mediators_only_on_agreement(town, books):
    mediator = _person(town, books, "李调解", "李四")
    for outcome, case_id in (("failed", 1), ("agreement", 2)):
        case = {"case_id": case_id, "outcome": outcome, "dispute_type": "邻里", "grid_id": town.g1,
                "mediator_person_ids": [mediator], "party_person_ids": [], "incident_id": None,
                "concluded_at": dt.datetime.utcnow()}
        with tenant_context(town.tenant):
            hooks(town.tenant).mediation_case_concluded(tenant=town.tenant, case=case)
            db.session.commit()
    assert books.account("李四")["balance"] == 3


def test_mapping_edits_in_the_console_api(town, books):
    scheme = books.scheme()
    rows = books.api.get(f"{town.base}/mappings").get_json()
    assert {r["kind"] for r in rows} == {"incidents.report_resolved", "volunteer.service_completed", "mediation.agreement"}
    bad = books.api.put(f"{town.base}/mappings", json={"kind": "volunteer.service_completed", "scheme_id": scheme["id"],
                                                       "rule_key": "nope"})
    assert bad.status_code == 422 and "rule_key" in bad.get_json()["error"]["fields"]
    off = books.api.put(f"{town.base}/mappings", json={"kind": "volunteer.service_completed", "scheme_id": scheme["id"],
                                                       "rule_key": "public_good", "active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    person_id = _person(town, books, "王小五", "王五")
    with tenant_context(town.tenant):
        hooks(town.tenant).volunteer_service_completed(tenant=town.tenant, service={
            "kind": "order", "ref": "order:1", "person_id": person_id, "volunteer_id": 1, "hours": 1.0,
            "grid_id": None, "occurred_at": dt.datetime.utcnow(), "title": "送药"})
        db.session.commit()
    assert books.api.get(f"{town.base}/accounts?household_id={town.households['王五']}").get_json()["total"] == 0


def test_incident_report_resolved_earns_for_the_reporter(build_town, api_as):
    from tests.plugins.points_bank.conftest import Books

    town = build_town(modules=("incidents", "points_bank"))
    books = Books(town, api_as(town.admin))
    person_id = _person(town, books, "张随手", "张三")
    categories = books.api.get(f"/api/v1/t/{town.slug}/incidents/categories").get_json()
    base = f"/api/v1/t/{town.slug}/incidents"
    incident = books.api.post(base, json={"category_id": categories[0]["id"], "grid_id": town.g1,
                                          "description": "路灯坏了", "person_id": person_id}).get_json()
    for action in ("accept", "start", "resolve"):
        resp = books.api.post(f"{base}/{incident['id']}/{action}", json={"note": "已处理"})
        assert resp.status_code == 200, resp.get_json()
    assert books.account("张三")["balance"] == 2


def test_five_star_reads_household_category_points_and_evidence(town, books):
    books.record("张三", "public_good")
    books.record("张三", "report_confirmed")
    books.record("李四", "public_good")
    start, end = dt.datetime.utcnow() - dt.timedelta(days=40), dt.datetime.utcnow() + dt.timedelta(days=1)
    with tenant_context(town.tenant):
        relay = hooks(town.tenant)
        points = relay.household_category_points(tenant=town.tenant, household_ids=[town.households["张三"]],
                                                 start=start, end=end)
        evidence = relay.star_evidence(tenant=town.tenant, grid_id=town.village, start=start, end=end)
    answer = points[0] if isinstance(points, list) else points  # a list until five_star declares it firstresult
    assert answer == {town.households["张三"]: {"热心公益星": 7}}
    ours = [e for answer in evidence for e in answer if e["key"] == "points_bank.household_share_over_threshold"]
    assert ours and ours[0]["value"] == 0.0 and ours[0]["unit"] == "ratio"


def test_tenant_numbers_count_issued_and_redeemed(town, books):
    books.record("张三", "public_good")
    account = books.account("张三")
    item = books.api.post(f"{town.base}/items", json={"name": "盐", "price": 1, "stock": 5}).get_json()
    books.api.post(f"{town.base}/redemptions", json={"account_id": account["id"], "item_id": item["id"], "quantity": 2})
    with tenant_context(town.tenant):
        answers = hooks(town.tenant).tenant_numbers(tenant=town.tenant)
    numbers = next(a for a in answers if "points_bank.issued" in a)
    assert numbers["points_bank.issued"] == 5 and numbers["points_bank.items_redeemed"] == 2
    assert numbers["points_bank.redeemed"] >= 1 and numbers["points_bank.redemptions"] == 1


def _specs():
    return {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "gridgov_spec")}


def test_specs_are_past_tense_typed_tenant_first_and_tested():
    specs = _specs()
    assert set(specs) == {"points_awarded", "points_redeemed"}
    sources = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    for name, fn in specs.items():
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].name == "tenant" and all(p.annotation is not inspect.Parameter.empty for p in params)
        assert "Tenant scope" in (fn.__doc__ or "") and name.endswith("ed")
        assert f"def test_hook_{name}(" in sources

