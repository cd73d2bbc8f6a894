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
