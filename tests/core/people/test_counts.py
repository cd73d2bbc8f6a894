"""The per-grid counts behind the statistics stay exact through every way the registers change:
API edits, household moves, tag changes, grid merges, imports, bulk statements, rollbacks and
concurrent writers. Each check compares the statistics with a count made from the registers."""
from __future__ import annotations

import io
import threading

from sqlalchemy import func, select, update

from core.db import db, immediate_transaction
from core.grid.models import Grid
from core.people import services
from core.people.models import GridCount, Household, Person, PersonStatus, PersonTag, Tag
from core.people.stats import stats_by_first_level, subtree_stats
from core.tenancy import tenant_context
from tests.core.people.conftest import new_id


def counted(tenant, grid_id=None) -> dict:
    """The statistics counted straight from the registers (what the counts must agree with)."""
    with tenant_context(tenant):
        under = select(Grid.id)
        if grid_id is not None:
            path = db.session.scalar(select(Grid.path).where(Grid.id == grid_id))
            under = under.where(Grid.path.startswith(path))
        grids = set(db.session.scalars(under))
        people = [p for p in db.session.scalars(select(Person)) if p.grid_id in grids and p.status == PersonStatus.living]
        tags = {t.id: t.name for t in db.session.scalars(select(Tag))}
        holders = db.session.execute(select(PersonTag.person_id, PersonTag.tag_id)).all()
        living = {p.id for p in people}
        out = {"households": db.session.scalar(select(func.count()).select_from(Household)
                                               .where(Household.grid_id.in_(grids))),
               "residents": len(people),
               "party_members": sum(p.is_party_member for p in people),
               "party_away": sum(p.is_party_member and p.party_away for p in people),
               "tags": {name: sum(1 for pid, tid in holders if tid == t and pid in living) for t, name in tags.items()}}
        db.session.rollback()
        return out


def agree(tenant) -> None:
    assert subtree_stats(tenant) == counted(tenant)
    with tenant_context(tenant):
        grid_ids = list(db.session.scalars(select(Grid.id)))
    for grid_id in grid_ids:
        assert subtree_stats(tenant, grid_id) == counted(tenant, grid_id), grid_id


def test_counts_follow_api_edits(town, admin, api_as):
    api, g, base = api_as(admin), town.grids, f"/api/v1/t/{town.slug}"
    before = subtree_stats(town)
    hid = api.post(f"{base}/households", json={"grid_id": g["东一网格"], "address": "东一1号"}).get_json()["id"]
    a = api.post(f"{base}/people", json={"name": "张三", "id_number": new_id(), "household_id": hid,
                                         "is_party_member": True, "tags": ["独居老人"]}).get_json()["id"]
    b = api.post(f"{base}/people", json={"name": "李四", "id_number": new_id(), "grid_id": g["东二网格"],
                                         "tags": ["残疾人", "独居老人"]}).get_json()["id"]
    after = subtree_stats(town)
    assert after["residents"] == before["residents"] + 2 and after["households"] == before["households"] + 1
    assert after["tags"]["独居老人"] == before["tags"]["独居老人"] + 2
    agree(town)

    assert api.patch(f"{base}/people/{a}", json={"party_away": True, "tags": ["残疾人"]}).status_code == 200
    agree(town)
    assert subtree_stats(town, g["东村"])["party_away"] == 1
    assert api.patch(f"{base}/people/{b}", json={"status": "moved_out"}).status_code == 200
    agree(town)
    assert api.patch(f"{base}/households/{hid}", json={"grid_id": g["西一网格"]}).status_code == 200
    agree(town)
    west = subtree_stats(town, g["西村"])
    assert (west["residents"], west["households"], west["party_members"]) == (1, 1, 1)
    assert api.post(f"{base}/people/{a}/anonymise").status_code == 200
    agree(town)
    assert subtree_stats(town, g["西村"])["residents"] == 1  # the record stays for statistics


def test_counts_follow_a_grid_merge_and_a_move(town, admin, api_as, add_person):
    api, g, base = api_as(admin), town.grids, f"/api/v1/t/{town.slug}"
    add_person(town, "王五", g["东二网格"], is_party_member=True, tags=["残疾人"])
    add_person(town, "赵六", g["东二网格"])
    assert api.post(f"{base}/grids/{g['东二网格']}/merge", json={"target_id": g["西一网格"]}).status_code == 200
    agree(town)
    assert subtree_stats(town, g["西村"])["residents"] == 2 and subtree_stats(town, g["东村"])["residents"] == 0
    # moving a grid moves its numbers with it: nothing to recount, the path decides
    assert api.patch(f"{base}/grids/{g['西一网格']}", json={"parent_id": g["东村"]}).status_code == 200
    agree(town)
    assert [r["residents"] for r in stats_by_first_level(town)] == [2, 0]


def test_counts_follow_an_import(town, admin, api_as):
    from core.people.importer import run_import

    rows = ["姓名,身份证号,网格,户编号,地址,是否党员,标签"]
    for i in range(30):
        rows.append(f"居民{i},{new_id()},{'东一网格' if i % 2 else '西一网格'},H{i // 3},{i // 3}号,"
                    f"{'是' if i % 5 == 0 else '否'},{'独居老人' if i % 4 == 0 else ''}")
    data = ("\n".join(rows) + "\n").encode()
    with tenant_context(town):
        report = run_import("people.csv", io.BytesIO(data), mode="all")
        assert report.imported and report.created == 30, report.errors
        db.session.commit()
    agree(town)
    assert subtree_stats(town)["residents"] == 30 and subtree_stats(town)["tags"]["独居老人"] == 8
    with tenant_context(town):  # the same file again updates, and changes nothing in the numbers
        assert run_import("people.csv", io.BytesIO(data), mode="all").updated == 30
        db.session.commit()
    agree(town)


def test_unmarked_bulk_statements_recount_the_township(town, add_person):
    g = town.grids
    for name in ("甲", "乙", "丙"):
        add_person(town, name, g["东一网格"], is_party_member=True)
    with tenant_context(town):
        db.session.execute(update(Person).where(Person.name == "甲").values(status=PersonStatus.deceased))
        db.session.execute(update(Person).where(Person.name == "乙").values(grid_id=g["西一网格"]))
        db.session.commit()
    agree(town)
    assert subtree_stats(town, g["东村"])["party_members"] == 1


def test_a_transaction_reads_its_own_writes_and_a_rollback_leaves_no_trace(town):
    g = town.grids
    before = subtree_stats(town)
    with tenant_context(town):
        services.create_person({"name": "孙八", "grid_id": g["东一网格"], "id_number": new_id()})
        assert subtree_stats(town)["residents"] == before["residents"] + 1  # not committed yet
        db.session.rollback()
    assert subtree_stats(town) == before
    agree(town)


def test_counts_of_one_township_never_reach_another(town, add_person, create_tenant, create_grid, admin, api_as):
    other = create_tenant()
    other_grid = create_grid(other, "别的网格").id
    with tenant_context(other):
        services.create_person({"name": "外镇人", "grid_id": other_grid, "id_number": new_id()})
        db.session.commit()
    add_person(town, "本镇人", town.grids["东一网格"])
    assert subtree_stats(town)["residents"] == 1 and subtree_stats(other)["residents"] == 1
    with tenant_context(town):
        assert {c.tenant_id for c in db.session.scalars(select(GridCount))} == {town.id}
    # another township's grid id is no grid here
    assert api_as(admin).get(f"/api/v1/t/{town.slug}/people/stats?grid_id={other_grid}").status_code == 404


def test_concurrent_writers_leave_exact_counts(app, town):
    grid_id = town.grids["东一网格"]
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def register(worker: int):
        try:
            with app.app_context(), tenant_context(town):
                barrier.wait()
                for i in range(4):
                    # immediate: SQLite would refuse a deferred read-then-write under contention
                    with immediate_transaction():
                        services.create_person({"name": f"并发{worker}{i}", "grid_id": grid_id,
                                                "id_number": new_id(), "is_party_member": bool(i % 2)})
                db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context():  # a fresh session: the test's own may hold an older SQLite snapshot
        assert subtree_stats(town, grid_id)["residents"] == 24
        assert subtree_stats(town, grid_id)["party_members"] == 12
        agree(town)


def test_the_grid_tree_shows_every_grids_numbers(town, admin, api_as, add_person):
    g = town.grids
    add_person(town, "周九", g["东一网格"], tags=["独居老人"])
    add_person(town, "吴十", g["西一网格"], is_party_member=True)
    api = api_as(admin)
    items = api.get(f"/api/v1/t/{town.slug}/grids").get_json()["items"]
    nodes = [n for top in items for n in [top, *top["children"]]]
    assert {n["name"] for n in nodes} == set(g)
    for node in nodes:
        assert node["counts"] == subtree_stats(town, node["id"]), node["name"]
    assert next(n for n in nodes if n["name"] == "东一网格")["counts"]["tags"]["独居老人"] == 1
    children = api.get(f"/api/v1/t/{town.slug}/grids/{g['东村']}").get_json()["children"]
    assert {c["name"]: c["counts"]["residents"] for c in children} == {"东一网格": 1, "东二网格": 0}
    page = api.get(f"/t/{town.slug}/grids/").get_data(as_text=True)
    assert "户 0 · 人 1" in page  # a second-level grid's numbers on the tree page
