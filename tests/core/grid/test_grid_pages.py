"""Grid pages: tree browser beside the party tree, grid page with duties and contacts, forms."""
from __future__ import annotations

from html import unescape as html_unescape


def test_tree_page_and_grid_page(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    api.post(f"/api/v1/t/{town.slug}/party-orgs", json={"kind": "general_branch", "name": "东村党总支", "grid_id": r["东村"]["id"]})
    api.post(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}/duties",
             json={"duty": "grid_leader", "name": "王网格长", "phone": "13912345678"})
    page = api.get(f"/t/{town.slug}/grids/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "东村" in html and "东一网格" in html and r["东一网格"]["code"] in html
    assert "党组织体系" in html and "东村党总支" in html
    # the third level comes on opening its grid (grid_tree.js fetches the fragment)
    assert "二号楼" not in html and f'data-children="/t/{town.slug}/grids/{r["东一网格"]["id"]}/children"' in html
    page = api.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "王网格长" in html and 'href="tel:13912345678"' in html and "网格长" in html
    assert r["东一网格"]["code"] in html and "一号楼" in html and 'name="csrf_token"' in html
    # the grid page also names who looks after the grids above, and offers accounts to appoint
    api.post(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/duties", json={"duty": "grid_instructor", "name": "李指导员"})
    html = api.get(f"/t/{town.slug}/grids/{r['一号楼']['id']}").get_data(as_text=True)
    assert "李指导员" in html and "王网格长" in html and 'name="user_id"' in html
    assert api.get(f"/t/{town.slug}/grids/{r['一号楼']['id']}?lang=en").status_code == 200
    qr = api.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png" and qr.data[:4] == b"\x89PNG"


def test_forms_create_move_and_explain_refusals(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    resp = api.post(f"/t/{town.slug}/grids/new", data={"name": "三号楼", "parent_id": str(r["东一网格"]["id"])})
    assert resp.status_code == 303
    assert "三号楼" in rows(town)
    page_url = f"/t/{town.slug}/grids/{r['东村']['id']}"
    resp = api.post(f"/t/{town.slug}/grids/{r['东村']['id']}/edit", data={"parent_id": str(r["一号楼"]["id"])},
                    headers={"Referer": page_url})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(page_url)
    html = api.get(page_url).get_data(as_text=True)
    assert "不能把网格移到它自身或它的下级网格之下" in html
    assert rows(town)["东村"]["parent_id"] is None
    resp = api.post(f"/t/{town.slug}/grids/{r['东二网格']['id']}/edit", data={"parent_id": str(r["西村"]["id"]), "name": "东二"})
    assert resp.status_code == 303
    after = rows(town)
    assert after["东二"]["parent_id"] == r["西村"]["id"]
    resp = api.post(f"/t/{town.slug}/grids/{r['西一网格']['id']}/duties", data={"duty": "unit_head", "name": "李单元长", "phone": "13800002222"})
    assert resp.status_code == 303
    assert "李单元长" in api.get(f"/t/{town.slug}/grids/{r['西一网格']['id']}").get_data(as_text=True)


def test_pages_cross_tenant_and_permissions(town, rows, create_user, create_tenant, api_as):
    r = rows(town)
    other = create_tenant()
    outsider = api_as(create_user(roles=[(other, "township_admin")]))
    assert outsider.get(f"/t/{other.slug}/grids/{r['东村']['id']}").status_code == 404
    assert outsider.post(f"/t/{other.slug}/grids/{r['东村']['id']}/archive").status_code == 404
    assert outsider.get(f"/t/{other.slug}/grids/{r['东村']['id']}/qr.png").status_code == 404
    assert outsider.post(f"/t/{other.slug}/grids/party-org", data={"grid_id": str(r["东村"]["id"]), "kind": "branch",
                                                                   "name": "越界支部"}).status_code == 303
    assert outsider.post(f"/t/{other.slug}/grids/{r['东村']['id']}/duties", data={"duty": "unit_head", "name": "x"}).status_code == 404
    assert rows(town)["东村"]["status"] == "active"
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    assert admin.get(f"/api/v1/t/{town.slug}/party-orgs").get_json()["items"] == []
    assert admin.get(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/duties").get_json()["items"] == []
    assert outsider.get(f"/t/{town.slug}/grids/").status_code == 404
    with_grid = api_as(create_user(roles=[(town, "info_officer", None)]))
    assert with_grid.get(f"/t/{town.slug}/grids/").status_code == 200
    assert with_grid.post(f"/t/{town.slug}/grids/new", data={"name": "x"}).status_code == 403
    assert "x" not in rows(town)


def test_dashboard_shows_grids_per_level_and_nav_entry(town, rows, create_user, api_as):
    api = api_as(create_user(roles=[(town, "township_admin")]))
    html = api.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert 'data-key="grid.grids"' in html and 'data-key="grid.levels"' in html
    assert f'href="/t/{town.slug}/grids/"' in html  # the 网格 menu entry
    from core.grid.hooks import dashboard_widgets
    from core.tenancy import tenant_context

    with tenant_context(town):
        widgets = {w.key: w for w in dashboard_widgets(town, None)}
    assert widgets["grid.grids"].value == 7
    assert widgets["grid.levels"].series == [("村", 2), ("网格", 3), ("楼栋", 2)]


def test_merge_archive_and_party_removal_ask_first_naming_what_happens(town, rows, create_user, api_as):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    source, target = r["东二网格"], r["东一网格"]
    url = f"/t/{town.slug}/grids/{source['id']}/merge"
    asked = api.post(url, data={"target_id": str(target["id"])})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认将「东二网格」合并到「东一网格」？" in html
    assert source["code"] in html and 'name="confirmed" value="1"' in html and f'value="{target["id"]}"' in html
    assert 'class="danger"' in html
    assert rows(town)["东二网格"]["status"] == "active"  # nothing happened yet
    done = api.post(url, data={"target_id": str(target["id"]), "confirmed": "1"})
    assert done.status_code == 303 and rows(town)["东二网格"]["status"] == "archived"

    archive = f"/t/{town.slug}/grids/{r['二号楼']['id']}/archive"
    asked = api.post(archive)
    assert asked.status_code == 200 and "确认撤销网格「二号楼」？" in asked.get_data(as_text=True)
    assert rows(town)["二号楼"]["status"] == "active"

    api.post(f"/api/v1/t/{town.slug}/party-orgs", json={"kind": "branch", "name": "西村党支部", "grid_id": r["西村"]["id"]})
    form = {"grid_id": str(r["西村"]["id"]), "remove": "1", "kind": "branch", "name": "西村党支部"}
    asked = api.post(f"/t/{town.slug}/grids/party-org", data=form)
    assert asked.status_code == 200 and "确认撤销党组织「西村党支部」？" in asked.get_data(as_text=True)
    assert "西村党支部" in api.get(f"/t/{town.slug}/grids/").get_data(as_text=True)
    api.post(f"/t/{town.slug}/grids/party-org", data={**form, "confirmed": "1"})
    assert "西村党支部" not in api.get(f"/t/{town.slug}/grids/").get_data(as_text=True)
    english = html_unescape(api.post(archive + "?lang=en").get_data(as_text=True))
    assert 'Archive the grid "二号楼"?' in english and "二号楼" in rows(town)


def test_tree_page_sends_two_levels_and_the_rest_on_opening(town, rows, create_user, api_as):
    """The tree page renders the top two levels; each grid below comes as a fragment of its
    children, in the township and the user's reach only."""
    r = rows(town)
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    html = admin.get(f"/t/{town.slug}/grids/").get_data(as_text=True)
    assert "grid_tree.js" in html and "<script>" not in html  # no inline script (CSP)
    assert "西一网格" in html and "一号楼" not in html
    # without JavaScript the unopened grid links to its page, which lists its children
    assert f'href="/t/{town.slug}/grids/{r["东一网格"]["id"]}"' in html and "查看 2 个下级网格" in html
    frag = admin.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}/children")
    text = frag.get_data(as_text=True)
    assert frag.status_code == 200 and frag.mimetype == "text/html"
    assert text.count("<li") == 2 and "一号楼" in text and "二号楼" in text and r["一号楼"]["code"] in text
    assert "<html" not in text and "东村" not in text  # the children alone, not a page
    leaf = admin.get(f"/t/{town.slug}/grids/{r['一号楼']['id']}/children")
    assert leaf.status_code == 200 and "<li" not in leaf.get_data(as_text=True)
    assert admin.get(f"/t/{town.slug}/grids/999999/children").status_code == 404
    # a worker posted to 西村 reaches its subtree only; another township's admin sees nothing
    west = api_as(create_user(roles=[(town, "info_officer", r["西村"]["id"])]))
    assert west.get(f"/t/{town.slug}/grids/{r['西村']['id']}/children").status_code == 200
    assert west.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}/children").status_code == 404


def test_tree_fragment_refuses_other_townships_and_strangers(town, rows, create_user, create_tenant, api_as, client):
    r = rows(town)
    other = create_tenant()
    outsider = api_as(create_user(roles=[(other, "township_admin")]))
    assert outsider.get(f"/t/{other.slug}/grids/{r['东一网格']['id']}/children").status_code == 404
    assert outsider.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}/children").status_code == 404
    anonymous = client.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}/children")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_people_filter_offers_the_top_three_levels_and_the_chosen_grid(town, rows, create_user, create_grid, api_as):
    """The residents list's grid filter: a township's 1,000 grids were 1,000 options; it offers
    the top three levels, and a deeper grid once chosen (its page links there)."""
    from core.db import db
    from core.grid.models import Grid
    from core.tenancy import tenant_context

    r = rows(town)
    with tenant_context(town):
        unit_id = create_grid(town, "一单元", db.session.get(Grid, r["一号楼"]["id"])).id
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    html = admin.get(f"/t/{town.slug}/people/").get_data(as_text=True)
    assert "一号楼</option>" in html and "一单元</option>" not in html
    chosen = admin.get(f"/t/{town.slug}/people/?grid_id={unit_id}").get_data(as_text=True)
    assert f'<option value="{unit_id}" selected>' in chosen and "一单元</option>" in chosen
