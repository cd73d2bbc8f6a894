"""The grid pages' small forms post and go back; a refused one shows again what was typed, its
problem beside the field, in the page's language (issue 17, item 3)."""
from __future__ import annotations

import re

from tests.core.residents.conftest import csrf_of


def test_a_refused_grid_form_keeps_what_was_typed_and_names_the_problem(create_tenant, create_user, api_as):
    town = create_tenant(levels=["村", "网格"])
    api = api_as(create_user(roles=[(town, "township_admin")]))
    village = api.post(f"/api/v1/t/{town.slug}/grids", json={"name": "东村"}).get_json()
    page_url = f"/t/{town.slug}/grids/{village['id']}"
    page = api.get(page_url)
    token = csrf_of(page.data)
    long_name = "长" * 101
    sent = api.post(f"/t/{town.slug}/grids/new", data={"csrf_token": token, "parent_id": str(village["id"]),
                                                    "name": long_name}, headers={"Referer": f"http://localhost{page_url}"})
    assert sent.status_code == 303
    again = api.get(page_url).get_data(as_text=True)
    assert f'value="{long_name}"' in again
    assert re.search(r'id="err-name" role="alert">网格名称须为 1 到 100 个字符<', again), again
    assert "1-100 characters" not in again
    # read once, like a flash: the next view is a fresh form
    assert f'value="{long_name}"' not in api.get(page_url).get_data(as_text=True)
    english = api.post(f"/t/{town.slug}/grids/new", data={"csrf_token": token, "parent_id": str(village["id"]),
                                                       "name": long_name}, headers={"Referer": f"http://localhost{page_url}"})
    assert english.status_code == 303
    shown = api.get(page_url + "?lang=en").get_data(as_text=True)
    assert 'id="err-name" role="alert">A grid name has 1 to 100 characters<' in shown
