"""Grid statistics and core's people hooks: dashboard, county numbers, grid usage and merges."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.grid.models import Grid
from core.modules import hooks
from core.people.models import Person
from core.people.stats import stats_by_first_level, subtree_stats
from core.tenancy import tenant_context


def _people(town, add_person):
    g = town.grids
    add_person(town, "张三", g["东一网格"], is_party_member=True, party_away=True, tags=["独居老人"])
    add_person(town, "李四", g["东一网格"], tags=["独居老人", "残疾人"])
    add_person(town, "王五", g["东二网格"], is_party_member=True)
    add_person(town, "赵六", g["西一网格"], status="moved_out", is_party_member=True, tags=["残疾人"])
    add_person(town, "钱七", g["西村"], tags=["残疾人"])


def test_subtree_stats(town, add_person, admin, api_as):
    _people(town, add_person)
    api = api_as(admin)
    hid = api.post(f"/api/v1/t/{town.slug}/households", json={"grid_id": town.grids["东二网格"], "address": "1号"}).get_json()["id"]
    whole = subtree_stats(town)
    assert (whole["residents"], whole["party_members"], whole["party_away"], whole["households"]) == (4, 2, 1, 1)
    assert whole["tags"]["独居老人"] == 2 and whole["tags"]["残疾人"] == 2 and whole["tags"]["留守儿童"] == 0
    east = subtree_stats(town, town.grids["东村"])
    assert (east["residents"], east["party_members"], east["households"]) == (3, 2, 1)
    assert east["tags"]["残疾人"] == 1
    west = subtree_stats(town, town.grids["西一网格"])
    assert west["residents"] == 0 and west["tags"]["残疾人"] == 0  # moved out
    assert api.get(f"/api/v1/t/{town.slug}/people/stats?grid_id={town.grids['东村']}").get_json() == east
    assert api.get(f"/api/v1/t/{town.slug}/people/stats?grid_id=99999999").status_code == 404
    assert hid


def test_stats_by_first_level(town, add_person, admin, api_as):
    _people(town, add_person)
    rows = stats_by_first_level(town)
    assert [r["name"] for r in rows] == ["东村", "西村"]
    assert [r["residents"] for r in rows] == [3, 1]
    assert rows[0]["tags"]["独居老人"] == 2 and rows[1]["tags"]["残疾人"] == 1
    assert api_as(admin).get(f"/api/v1/t/{town.slug}/people/stats/first-level").get_json() == rows


def test_first_level_sums_in_sql_agree_with_each_subtree(town, add_person, create_tenant, create_grid):
    from core.people import stats

    _people(town, add_person)
    other = create_tenant()  # a township whose grids' counts a wrong join could pick up
    with tenant_context(other):
        from core.people import services
        from tests.core.people.conftest import new_id

        services.create_person({"name": "外镇人", "grid_id": create_grid(other, "外镇网格").id, "id_number": new_id()})
        db.session.commit()
    rows = stats.stats_by_first_level(town)
    for row in rows:
        assert {k: v for k, v in row.items() if k not in ("grid_id", "name", "code")} == subtree_stats(town, row["grid_id"])
    assert sum(r["residents"] for r in rows) == subtree_stats(town)["residents"] == 4
    assert [r["residents"] for r in stats.stats_by_first_level(other)] == [1]


def test_hook_dashboard_widgets(town, add_person, admin, db_session):
    _people(town, add_person)
    with tenant_context(town):
        widgets = {w.key: w for batch in hooks(town).dashboard_widgets(tenant=town, user=admin) for w in batch or []}
    assert widgets["people.residents"].value == 4
    assert widgets["people.by_grid"].kind == "bar" and widgets["people.by_grid"].series == [("东村", 3), ("西村", 1)]
    assert widgets["people.special_groups"].kind == "pie"
    assert dict(widgets["people.special_groups"].series) == {"独居老人": 2, "残疾人": 2}


def test_hook_tenant_numbers(town, add_person, db_session):
    _people(town, add_person)
    numbers = {}
    with tenant_context(town):
        for answer in hooks(town).tenant_numbers(tenant=town):
            numbers.update(answer or {})
    assert numbers["people.residents"] == 4 and numbers["people.party_members"] == 2
    assert numbers["people.households"] == 0


def test_hook_nav_items(town, admin, db_session):
    with tenant_context(town):
        items = [i for batch in hooks(town).nav_items(tenant=town, user=admin) for i in batch or []]
    assert {"people.people_list", "people.import_page"} <= {i.endpoint for i in items}


def test_hook_grid_usage_and_grids_merged(town, add_person, admin, api_as, db_session):
    _people(town, add_person)
    api_as(admin).post(f"/api/v1/t/{town.slug}/households", json={"grid_id": town.grids["东一网格"], "address": "1号"})
    from core.people import hooks as people_hooks

    with tenant_context(town):
        east = db.session.get(Grid, town.grids["东村"])
        assert people_hooks.grid_usage(tenant=town, grid=east) == {"居民": 3, "住户": 1}
        west_one = db.session.get(Grid, town.grids["西一网格"])
        assert people_hooks.grid_usage(tenant=town, grid=west_one) == {"居民": 0, "住户": 0}
        source, target = db.session.get(Grid, town.grids["东一网格"]), db.session.get(Grid, town.grids["西一网格"])
        people_hooks.grids_merged(tenant=town, source=source, target=target)
        db.session.commit()
        moved = db.session.scalars(select(Person.name).where(Person.grid_id == target.id)).all()
    assert set(moved) == {"张三", "李四", "赵六"}
    assert subtree_stats(town, town.grids["西村"])["households"] == 1
