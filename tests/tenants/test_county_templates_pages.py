"""The county console's template pages and the township's: list, edit with errors next to the
field (nothing saved), publish; a township sees both sides and adopts from its page."""
from __future__ import annotations

import re

import pytest

from tests.core.console.conftest import PageClient

KIND = "incidents.categories"


@pytest.fixture
def county_pages(app, create_county, create_tenant, create_user, api_as):
    county = create_county(name="怀宁县")
    town = create_tenant(county=county, modules=["incidents"], name="高河镇")
    admin = create_user(roles=[(county, "county_admin")])
    town_admin = create_user(roles=[(town, "township_admin")])
    return county, town, PageClient(app, admin), PageClient(app, town_admin), api_as(admin)


def _form(draft, locked=(), publish=True, **changes):
    """The edit form's fields for ``draft`` (a list of items); ``changes`` as ``"<row>-<field>"``."""
    data = {"rows": str(len(draft)), "title": "事项清单", "locked_fields": list(locked)}
    for i, item in enumerate(draft):
        for field, value in item.items():
            if isinstance(value, bool):
                if value:
                    data[f"item-{i}-{field}"] = "1"
            else:
                data[f"item-{i}-{field}"] = "" if value is None else str(value)
    for key, value in changes.items():
        data[f"item-{key.replace('__', '-')}"] = value
    if publish:
        data["publish"] = "1"
    return data


def test_county_lists_its_templates_and_the_menu_has_them(county_pages):
    county, _, page, _, _ = county_pages
    html = page.get(f"/t/{county.slug}/county-templates/").get_data(as_text=True)
    assert "网格事项清单" in html and "现行第 1 版" in html
    assert 'data-endpoint="tenants_console.county_templates"' in html


def test_county_edits_and_publishes_from_the_form(county_pages):
    county, _, page, _, api = county_pages
    html = page.get(f"/t/{county.slug}/county-templates/{KIND}").get_data(as_text=True)
    assert 'name="item-0-code" value="party"' in html and 'name="locked_fields" value="active"' in html
    draft = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()["draft"]
    help_row = next(i for i, item in enumerate(draft) if item["code"] == "help")
    data = _form(draft, locked=["active"], **{f"{help_row}__time_limit_hours": "36", "remove-0": None})
    data[f"remove-{len(draft) - 1}"] = "1"  # drop the last item ("other")
    data.pop("item-remove-0")
    resp = page.post(f"/t/{county.slug}/county-templates/{KIND}", data=data)
    assert resp.status_code == 302
    shown = page.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已发布第 2 版" in shown
    v2 = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}/versions/2").get_json()
    assert v2["locked_fields"] == ["active"] and "other" not in {i["code"] for i in v2["data"]}
    assert next(i for i in v2["data"] if i["code"] == "help")["time_limit_hours"] == 36


def test_a_new_item_from_a_blank_row(county_pages):
    county, _, page, _, api = county_pages
    draft = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()["draft"]
    data = _form(draft, publish=False)
    n = len(draft)
    data.update({"rows": str(n + 2), f"item-{n}-code": "flood", f"item-{n}-name": "防汛抗旱",
                 f"item-{n}-time_limit_hours": "12", f"item-{n}-active": "1"})
    assert page.post(f"/t/{county.slug}/county-templates/{KIND}", data=data).status_code == 302
    now = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    assert now["version"] == 1  # saved as a draft only
    assert now["draft"][-1] == {"code": "flood", "name": "防汛抗旱", "parent_code": None, "time_limit_hours": 12,
                                "auto_escalate": False, "active": True}


def test_errors_show_next_to_the_field_and_nothing_is_saved(county_pages):
    county, _, page, _, api = county_pages
    before = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    data = _form(before["draft"], **{"1__name": "", "2__time_limit_hours": "soon"})
    resp = page.post(f"/t/{county.slug}/county-templates/{KIND}", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    row1 = html.split('name="item-1-name"', 1)[1].split("</td>", 1)[0]
    row2 = html.split('name="item-2-time_limit_hours"', 1)[1].split("</td>", 1)[0]
    assert 'class="field-error"' in row1 and 'class="field-error"' in row2
    assert 'value="soon"' in row2  # what was typed is kept
    after = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    assert (after["draft"], after["version"]) == (before["draft"], before["version"])


def test_township_admin_cannot_reach_the_county_pages(county_pages):
    county, _, _, town_page, _ = county_pages
    assert town_page.get(f"/t/{county.slug}/county-templates/").status_code in (403, 404)
    assert town_page.post(f"/t/{county.slug}/county-templates/{KIND}", data={"rows": "0"}).status_code in (403, 404)


def test_county_pages_in_english(app, county_pages, english_only):
    from core.county_templates.service import kinds

    county, _, page, _, _ = county_pages
    with app.app_context():  # every installed module's template titles are the county's (Chinese) data
        titles = [kind.label_zh for kind in kinds().values()]
    for url in (f"/t/{county.slug}/county-templates/?lang=en", f"/t/{county.slug}/county-templates/{KIND}?lang=en"):
        html = page.get(url).get_data(as_text=True)
        data = re.findall(r'value="([^"]*)"', html) + ["怀宁县", "高河镇", *titles]
        english_only(html, data)


def test_township_sees_both_sides_and_adopts_from_its_page(county_pages):
    county, town, _, town_page, _ = county_pages
    html = town_page.get(f"/t/{town.slug}/templates/").get_data(as_text=True)
    assert "县级模板第 1 版，本乡镇尚未采用" in html
    html = town_page.get(f"/t/{town.slug}/templates/{KIND}").get_data(as_text=True)
    assert "县级模板 · 第 1 版" in html and "本乡镇现行" in html and "采用县级模板" in html
    resp = town_page.post(f"/t/{town.slug}/templates/{KIND}/adopt", data={"next": f"/t/{town.slug}/incidents/categories"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/t/{town.slug}/incidents/categories")
    html = town_page.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已采用县级模板第 1 版" in html and "本乡镇采用的是第 1 版" in html


def test_township_pages_in_english(county_pages, english_only):
    county, town, _, town_page, _ = county_pages
    town_page.get(town_page.post(f"/t/{town.slug}/templates/{KIND}/adopt", data={}).headers["Location"])  # its flash
    for url in (f"/t/{town.slug}/templates/?lang=en", f"/t/{town.slug}/templates/{KIND}?lang=en",
                f"/t/{town.slug}/incidents/categories?lang=en"):
        html = town_page.get(url).get_data(as_text=True)
        names = re.findall(r"<td data-label=\"Name\"[^>]*>([^<]*)", html) + re.findall(r"<td>　?([^<]*)</td>", html)
        english_only(html, [n.strip() for n in names if n.strip()] + ["高河镇", "网格事项清单", "事项清单"])


def test_county_sees_which_townships_adopted_which_version(county_pages, create_tenant):
    county, town, page, town_page, api = county_pages
    idle = create_tenant(county=county, modules=["incidents"], name="石牌镇")
    town_page.post(f"/t/{town.slug}/templates/{KIND}/adopt", data={})
    draft = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()["draft"]
    api.put(f"/api/v1/t/{county.slug}/templates/{KIND}", json={"items": draft[:-1]})
    assert api.post(f"/api/v1/t/{county.slug}/templates/{KIND}/publish").status_code == 201
    html = page.get(f"/t/{county.slug}/county-templates/{KIND}").get_data(as_text=True)
    mine = html.split(f'data-slug="{town.slug}"', 1)[1].split("</li>", 1)[0]
    other = html.split(f'data-slug="{idle.slug}"', 1)[1].split("</li>", 1)[0]
    assert "采用第 1 版" in mine and "未更新到现行版本" in mine
    assert "尚未采用" in other
