"""County templates of schemes, through the functions core's template kinds will call: a
township adopting the county's rules gets new versions (past entries keep theirs), new rules,
and retired ones; reading back gives what was adopted."""
from __future__ import annotations

from core.db import db
from core.tenancy import tenant_context


def test_adopting_county_rules_versions_adds_and_retires(town, books):
    from plugins.points_bank.county import apply, defaults, read

    old = books.record("张三", "public_good").get_json()
    county_rules = defaults("household")()
    assert {r["key"] for r in county_rules} >= {"public_good", "filial"}
    for rule in county_rules:
        if rule["key"] == "public_good":
            rule["points"] = 6
    county_rules.append({"key": "clean_yard", "category": "美丽庭院", "name": "庭院整洁评比第一", "points": 8,
                         "cap_per_period": None, "needs_review": True, "evidence": "评比表"})
    with tenant_context(town.tenant):
        apply("household")(town.tenant, [r for r in county_rules if r["key"] != "litter"], ["litter"])
        db.session.commit()
        copy = {r["key"]: r for r in read("household")(town.tenant)}
        db.session.rollback()
    assert copy["public_good"]["points"] == 6 and copy["clean_yard"]["name"] == "庭院整洁评比第一"
    assert "litter" not in copy
    assert books.rule("public_good")["version"] == 2
    assert books.api.get(f"{town.base}/entries/{old['id']}").get_json()["rule"]["version"] == 1


def test_template_kinds_are_shaped_for_core(town):
    from dataclasses import dataclass
    from typing import Any, Callable

    from plugins.points_bank.county import LOCKABLE, RuleItem, template_kinds

    @dataclass(frozen=True)
    class Kind:  # the fields of core's TemplateKind
        name: str
        label_zh: str
        label_en: str
        item_schema: Any
        key_field: str
        apply: Callable
        read: Callable
        lockable: tuple = ()
        defaults: Callable | None = None

    kinds = template_kinds(Kind)
    assert [k.name for k in kinds] == ["points_bank.household_rules", "points_bank.grid_worker_rules",
                                       "points_bank.party_org_rules", "points_bank.party_member_rules"]
    assert all(k.item_schema is RuleItem and k.key_field == "key" and k.lockable == LOCKABLE for k in kinds)
    assert RuleItem().validate({"key": "x1", "category": "c", "name": "n", "points": 1, "tenant_id": 3})


def test_a_county_publishes_scheme_rules_and_a_township_adopts_them(create_county, build_town, create_user, api_as):
    from tests.plugins.points_bank.conftest import Books

    county = create_county(name="怀宁县")
    town = build_town(county=county)
    county_api = api_as(create_user(roles=[(county, "county_admin")]))
    books = Books(town, api_as(town.admin))
    old = books.record("张三", "public_good").get_json()
    url = f"/api/v1/t/{county.slug}/templates/points_bank.household_rules"
    draft = county_api.get(url).get_json()
    items = [dict(i) for i in draft["draft"]]
    next(i for i in items if i["key"] == "public_good")["points"] = 7
    items.append({"key": "clean_yard", "category": "美丽庭院", "name": "庭院整洁评比第一", "points": 8,
                  "cap_per_period": None, "needs_review": True, "evidence": "评比表"})
    assert county_api.put(url, json={"items": items, "locked_fields": ["points"]}).status_code == 200
    assert county_api.post(f"{url}/publish").status_code == 201
    resp = books.api.post(f"/api/v1/t/{town.slug}/templates/points_bank.household_rules/adopt", json={})
    assert resp.status_code == 200, resp.get_json()
    assert books.rule("public_good")["points"] == 7 and books.rule("public_good")["version"] == 2
    assert books.rule("clean_yard")["name"] == "庭院整洁评比第一"
    assert books.api.get(f"{town.base}/entries/{old['id']}").get_json()["points"] == 5  # past entries keep theirs
