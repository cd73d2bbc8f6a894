"""The incident list counts at most a cap of rows per page view (``total_capped``: "1000+"),
and says exactly whether a next page exists; other lists keep their exact total."""
from __future__ import annotations

from plugins.incidents import views
from tests.plugins.incidents.conftest import base


def listing(api, town, query=""):
    resp = api.get(f"{base(town)}?{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_long_list_counts_up_to_the_cap(town, report, api_as, monkeypatch):
    for _ in range(3):
        report()
    report(user=town.worker2, grid=town.g2)  # outside worker1's reach
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 2)
    worker = api_as(town.worker1)
    first = listing(worker, town, "per_page=2")
    assert (first["total"], first["total_capped"], first["has_more"], len(first["items"])) == (2, True, True, 2)
    last = listing(worker, town, "per_page=2&page=2")
    assert (last["total_capped"], last["has_more"], len(last["items"])) == (True, False, 1)
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 3)
    exact = listing(worker, town, "per_page=2")
    assert (exact["total"], exact["total_capped"], exact["has_more"]) == (3, False, True)
    staff = listing(api_as(town.staff), town)  # staff reach both grids: 4 rows, counted up to the cap of 3
    assert (staff["total"], staff["total_capped"]) == (3, True)


def test_another_township_s_incidents_are_not_counted(town, report, api_as, create_tenant, create_grid, create_user):
    from tests.plugins.incidents.conftest import make_town

    report()
    other = make_town(create_tenant, create_grid, create_user)
    answer = listing(api_as(other.staff), other)
    assert (answer["total"], answer["total_capped"], answer["has_more"], answer["items"]) == (0, False, False, [])
