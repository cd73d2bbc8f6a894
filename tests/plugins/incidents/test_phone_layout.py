"""The incident page for a grid worker on a phone (#17 item 12): the one next step first, the
other actions folded away with their own button styles, no 退回 at the incident's own grid, no
department choice on the way to the parent grid; lists name grids with their place (item 13)."""
from __future__ import annotations

import re

from tests.plugins.incidents.conftest import base


def _forms(html):
    return dict(re.findall(r'<form[^>]*data-action="([\w-]+)"[^>]*>(.*?)</form>', html, re.S))


def test_the_next_step_comes_first_and_the_rest_is_folded(town, api_as, report):
    inc = report()
    worker = api_as(town.worker1)
    page = worker.get(f"/t/{town.tenant.slug}/incidents/{inc['id']}").get_data(as_text=True)
    first = re.search(r'<form[^>]*class="card next-step" data-action="(\w+)"', page)
    assert first and first.group(1) == "accept"
    assert page.index("next-step") < page.index('<details class="more-actions">')
    forms = _forms(page.split('<details class="more-actions">')[1].split("</details>")[0])
    assert set(forms) == {"escalate-parent", "escalate-office", "escalate-department", "reject"}
    assert "send_back" not in _forms(page)  # at its own grid there is nothing below to send it back to
    assert 'name="department"' not in forms["escalate-parent"] and "查冲村" in forms["escalate-parent"]
    assert '<button class="secondary">' in forms["escalate-office"] and '<button class="danger">' in forms["reject"]
    assert "<button>受理</button>" in page  # the main action keeps the main style


def test_at_the_village_there_is_no_parent_grid_and_sending_back_is_offered(town, api_as, report):
    inc = report()
    assert api_as(town.worker1).post(f"{base(town)}/{inc['id']}/escalate", json={"to": "parent", "note": "请村里协调"}
                                     ).status_code == 200
    page = api_as(town.leader).get(f"/t/{town.tenant.slug}/incidents/{inc['id']}").get_data(as_text=True)
    forms = _forms(page)
    assert "escalate-parent" not in forms and "send_back" in forms and "escalate-office" in forms


def test_lists_name_the_grid_with_its_place(town, api_as, report):
    inc = report()
    staff = api_as(town.staff)
    for url in (f"/t/{town.tenant.slug}/incidents/", f"/t/{town.tenant.slug}/incidents/{inc['id']}"):
        assert "查冲村 › 第一网格" in staff.get(url).get_data(as_text=True), url
    assert staff.get(f"{base(town)}/{inc['id']}").get_json()["grid_place"] == "查冲村 › 第一网格"
    listing = staff.get(f"/t/{town.tenant.slug}/incidents/").get_data(as_text=True)
    assert '<table class="cards incidents">' in listing and 'data-label="期限"' in listing


def test_the_people_list_names_the_grid_with_its_place(town, api_as, db_session):
    from core.db import db
    from core.people.services import create_household, create_person
    from core.tenancy import tenant_context

    with tenant_context(town.tenant):
        household = create_household({"grid_id": town.g1.id, "address": "查冲村一组 3 号"})
        create_person({"name": "李四", "grid_id": town.g1.id, "household_id": household.id})
        db.session.commit()
        household_id = household.id
    leader = api_as(town.leader)
    listing = leader.get(f"/t/{town.tenant.slug}/people/").get_data(as_text=True)
    assert '<table class="people cards">' in listing and ">查冲村 › 第一网格</td>" in listing
    assert "查冲村 › 第一网格" in leader.get(f"/t/{town.tenant.slug}/people/households/{household_id}").get_data(as_text=True)
