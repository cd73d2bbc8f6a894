"""Demo grids look like real ones: a five-level city community 1/7/8/72/82, village towns with
dozens of grids, and on them a party tree and grid staff with phone numbers."""
from __future__ import annotations

from core.grid.demo import GAOHE, HUYANG, TAIBAI, numeral, staff_grids
from core.tenancy import tenant_context


def _levels(nodes, level=1, acc=None):
    acc = {} if acc is None else acc
    for node in nodes:
        acc[level] = acc.get(level, 0) + 1
        _levels(node.get("children") or [], level + 1, acc)
    return acc


def test_demo_shapes():
    assert _levels([HUYANG]) == {1: 1, 2: 7, 3: 8, 4: 72, 5: 82}
    gaohe = _levels(GAOHE)
    assert gaohe[1] == 12 and gaohe[2] >= 24 and gaohe[3] >= 60
    assert [numeral(n) for n in (1, 10, 12, 20, 23)] == ["一", "十", "十二", "二十", "二十三"]


def test_staff_grids_builds_party_tree_and_duties(create_county, rows, create_user, api_as):
    from tenants.onboarding import onboard_township
    from tests.conftest import unique

    county = create_county()
    town = onboard_township({"name": "演示镇", "slug": unique("demo"), "county": county.slug, "region_code": "340521100",
                             "grid_level_names": ["社区", "网格", "小区", "楼栋", "单元"], "grids": [TAIBAI]},
                            county=county).tenant
    from core.db import db

    with tenant_context(town):
        counts = staff_grids(town)
        db.session.commit()
    assert counts["party_orgs"] >= 5 and counts["duties"] >= 30
    api = api_as(create_user(roles=[(town, "township_admin")]))
    tree = api.get(f"/api/v1/t/{town.slug}/party-orgs").get_json()["items"]
    assert tree[0]["name"] == "演示镇党委" and tree[0]["children"][0]["name"].startswith("太白社区")
    assert tree[0]["children"][0]["children"][0]["kind"] == "branch"
    r = rows(town)
    community = api.get(f"/api/v1/t/{town.slug}/grids/{r['太白社区']['id']}").get_json()
    assert {d["duty"] for d in community["duties"]} == {"grid_leader", "grid_instructor", "grid_police"}
    assert all(len(d["phone"]) == 11 for d in community["duties"])
    unit = api.get(f"/api/v1/t/{town.slug}/grids/{r['1单元']['id']}").get_json()
    assert unit["level_name"] == "单元" and unit["duties"][0]["duty_label"] == "单元长"
