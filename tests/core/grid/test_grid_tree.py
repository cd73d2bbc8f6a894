"""The grid tree service: unified codes, rename, move (subtree follows), merge, archive."""
from __future__ import annotations

import pytest

from core.db import db
from core.errors import ApiError
from core.grid import service
from core.grid.models import Grid
from core.tenancy import tenant_context


def _grid(tenant, grid_id):
    return db.session.get(Grid, grid_id)


def test_codes_follow_the_tree(town, rows):
    r = rows(town)
    assert r["东村"]["code"] == "34082210101"
    assert r["西村"]["code"] == "34082210102"
    assert r["东一网格"]["code"] == "3408221010101"
    assert r["东二网格"]["code"] == "3408221010102"
    assert r["二号楼"]["code"] == "3408221010101002"
    assert r["二号楼"]["path"] == f"/{r['东村']['id']}/{r['东一网格']['id']}/{r['二号楼']['id']}/"
    assert r["二号楼"]["level"] == 3


def test_rename_keeps_code(town, rows):
    r = rows(town)
    with tenant_context(town):
        service.rename_grid(town, _grid(town, r["东一网格"]["id"]), "  东一新网格 ")
        db.session.commit()
    after = rows(town)
    assert after["东一新网格"]["code"] == r["东一网格"]["code"]


def test_move_takes_the_subtree_and_recomputes_codes(town, rows):
    r = rows(town)
    with tenant_context(town):
        service.move_grid(town, _grid(town, r["东一网格"]["id"]), _grid(town, r["西村"]["id"]))
        db.session.commit()
    after = rows(town)
    west, moved = after["西村"], after["东一网格"]
    assert moved["parent_id"] == west["id"]
    assert moved["code"] == west["code"] + "02"  # 西一网格 holds 01
    assert moved["path"] == f"{west['path']}{moved['id']}/"
    for leaf in ("一号楼", "二号楼"):
        assert after[leaf]["path"].startswith(moved["path"])
        assert after[leaf]["code"].startswith(moved["code"])
        assert after[leaf]["level"] == 3
    assert after["二号楼"]["code"] == moved["code"] + "002"
    # siblings left behind keep their codes
    assert after["东二网格"]["code"] == r["东二网格"]["code"]


def test_move_up_a_level_changes_segment_width(town, rows):
    r = rows(town)
    with tenant_context(town):
        # 东一网格 (level 2) becomes a first-level grid; its buildings go from level 3 to level 2
        service.move_grid(town, _grid(town, r["东一网格"]["id"]), None)
        db.session.commit()
    after = rows(town)
    moved = after["东一网格"]
    assert moved["level"] == 1 and moved["parent_id"] is None
    assert moved["code"] == "34082210103"
    assert moved["path"] == f"/{moved['id']}/"
    assert after["一号楼"]["level"] == 2
    assert after["一号楼"]["code"] == "3408221010301"
    assert after["二号楼"]["code"] == "3408221010302"
    assert after["二号楼"]["path"] == f"/{moved['id']}/{after['二号楼']['id']}/"


def test_move_under_own_descendant_is_refused(town, rows):
    r = rows(town)
    with tenant_context(town):
        for target in ("一号楼", "东村"):
            with pytest.raises(ApiError) as exc:
                service.move_grid(town, _grid(town, r["东村"]["id"]), _grid(town, r[target]["id"]))
            assert exc.value.status == 422 and "parent_id" in exc.value.fields
        db.session.rollback()
    assert rows(town) == r


def test_move_deeper_than_the_levels_is_refused(town, rows):
    r = rows(town)
    with tenant_context(town):
        # 东村 spans 3 levels; under 西一网格 (level 2) it would reach level 5 of 4
        with pytest.raises(ApiError) as exc:
            service.move_grid(town, _grid(town, r["东村"]["id"]), _grid(town, r["西一网格"]["id"]))
        assert exc.value.status == 422 and "parent_id" in exc.value.fields
        db.session.rollback()
    assert rows(town) == r


def test_create_refuses_depth_and_duplicate_sibling_names(town, rows):
    r = rows(town)
    with tenant_context(town):
        unit = service.create_grid(town, "一单元", _grid(town, r["一号楼"]["id"]))
        assert unit.level == 4 and unit.code == r["一号楼"]["code"] + "001"
        with pytest.raises(ApiError) as exc:
            service.create_grid(town, "太深", unit)
        assert exc.value.status == 422 and "parent_id" in exc.value.fields
        with pytest.raises(ApiError) as exc:
            service.create_grid(town, "东一网格", _grid(town, r["东村"]["id"]))
        assert exc.value.status == 409 and "name" in exc.value.fields
        with pytest.raises(ApiError) as exc:
            service.create_grid(town, "  ", None)
        assert "name" in exc.value.fields
        db.session.rollback()


def test_hook_grids_merged_moves_module_rows_children_follow_source_archived(town, rows, spy):
    r = rows(town)
    spy.usage[r["东村"]["id"]] = {"居民": 12}
    with tenant_context(town):
        service.merge_grids(town, _grid(town, r["东村"]["id"]), _grid(town, r["西村"]["id"]))
        db.session.commit()
    after = rows(town)
    assert spy.merged == [(town.id, r["东村"]["id"], r["西村"]["id"])]
    assert spy.usage == {r["西村"]["id"]: {"居民": 12}}
    assert after["东村"]["status"] == "archived"
    assert after["东一网格"]["parent_id"] == after["东二网格"]["parent_id"] == r["西村"]["id"]
    assert [after[n]["code"] for n in ("西一网格", "东一网格", "东二网格")] == [
        "3408221010201", "3408221010202", "3408221010203"]
    assert after["一号楼"]["code"] == "3408221010202001"


def test_merge_refuses_self_and_descendant(town, rows, spy):
    r = rows(town)
    with tenant_context(town):
        for target in ("东村", "东一网格"):
            with pytest.raises(ApiError) as exc:
                service.merge_grids(town, _grid(town, r["东村"]["id"]), _grid(town, r[target]["id"]))
            assert exc.value.status == 422 and "target_id" in exc.value.fields
        db.session.rollback()
    assert spy.merged == []


def test_hook_grid_usage_refuses_archive_while_people_or_children_remain(town, rows, spy):
    r = rows(town)
    spy.usage[r["西一网格"]["id"]] = {"居民": 12, "住户": 0}
    with tenant_context(town):
        with pytest.raises(ApiError) as exc:
            service.archive_grid(town, _grid(town, r["西一网格"]["id"]))
        assert exc.value.status == 409
        assert "居民 12" in exc.value.message and "迁出或合并" in exc.value.message
        assert exc.value.fields["usage"] == {"居民": 12}
        with pytest.raises(ApiError) as exc:
            service.archive_grid(town, _grid(town, r["西村"]["id"]))
        assert exc.value.fields["usage"] == {"下级网格": 1, "居民": 12} or "下级网格" in exc.value.fields["usage"]
        db.session.rollback()
    spy.usage.clear()
    with tenant_context(town):
        service.archive_grid(town, _grid(town, r["西一网格"]["id"]))
        db.session.commit()
    assert rows(town)["西一网格"]["status"] == "archived"


def test_subtree_move_uses_bulk_updates(town, rows, app):
    """Moving a big subtree costs a fixed number of statements, not one per grid."""
    from sqlalchemy import event

    r = rows(town)
    with tenant_context(town):
        building = _grid(town, r["一号楼"]["id"])
        for i in range(30):
            service.create_grid(town, f"{i + 1}单元", building)
        db.session.commit()
        statements = []
        engine = db.engine

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("UPDATE"):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            service.move_grid(town, _grid(town, r["东一网格"]["id"]), _grid(town, r["西村"]["id"]))
            db.session.flush()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        db.session.commit()
    assert len(statements) <= 4, statements
    after = rows(town)
    units = [v for k, v in after.items() if k.endswith("单元")]
    assert len(units) == 30 and all(u["level"] == 4 and u["code"].startswith(after["一号楼"]["code"]) for u in units)


def test_code_clash_from_a_concurrent_edit_is_409_not_500(town, rows, create_user, api_as):
    """Two editors numbering the same parent at once: the loser's insert clashes on the code."""
    r = rows(town)
    with tenant_context(town):
        # what a concurrent request would have just written: the next first-level code
        db.session.add(Grid(name="并发", parent_id=r["东村"]["id"], level=2, seq=90, code="34082210103",
                            path=r["东村"]["path"] + "0/"))
        db.session.commit()
    api = api_as(create_user(roles=[(town, "township_admin")]))
    resp = api.post(f"/api/v1/t/{town.slug}/grids", json={"name": "南村"})
    assert resp.status_code == 409 and "parent_id" in resp.get_json()["error"]["fields"]
    resp = api.patch(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}", json={"parent_id": None})
    assert resp.status_code == 409 and "parent_id" in resp.get_json()["error"]["fields"]
    assert "南村" not in rows(town) and rows(town)["东一网格"]["parent_id"] == r["东村"]["id"]


def test_create_tree_in_bulk_under_an_existing_grid(town, rows):
    r = rows(town)
    with tenant_context(town):
        west = _grid(town, r["西村"]["id"])
        made = service.create_tree(town, [{"name": "西二网格", "children": [{"name": "甲楼"}, {"name": "乙楼"}]},
                                          {"name": "西三网格"}], west)
        db.session.commit()
    after = rows(town)
    assert made == 4
    assert after["西二网格"]["code"] == r["西村"]["code"] + "02" and after["西三网格"]["code"] == r["西村"]["code"] + "03"
    assert after["乙楼"]["code"] == after["西二网格"]["code"] + "002"
    assert after["乙楼"]["path"] == f"{after['西二网格']['path']}{after['乙楼']['id']}/"
    assert after["西二网格"]["path"] == f"{r['西村']['path']}{after['西二网格']['id']}/"
    with tenant_context(town):
        west = _grid(town, r["西村"]["id"])
        for nodes, status in [([{"name": "西一网格"}], 409), ([{"name": "甲"}, {"name": "甲"}], 409),
                              ([{"name": "深", "children": [{"name": "楼", "children": [{"name": "元", "children": [{"name": "层"}]}]}]}], 422),
                              ([{"name": ""}], 422)]:
            with pytest.raises(ApiError) as exc:
                service.create_tree(town, nodes, west)
            assert exc.value.status == status
            db.session.rollback()
    assert set(rows(town)) == set(after)
