"""The grid pages in English (``?lang=en``): labels, counts, duties and messages translated, the
names a township gave its grids, levels and party organisations left as they are, and the API
still answering with its Chinese labels."""
from __future__ import annotations

import re

LEVELS = ["村", "网格", "楼栋", "单元"]  # the town fixture's own level names: data


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_tree_page_in_english(town, rows, create_user, api_as, english_only):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    api.post(f"/api/v1/t/{town.slug}/party-orgs", json={"kind": "committee", "name": "测试镇党委", "secretary_name": "赵书记"})
    api.post(f"/api/v1/t/{town.slug}/party-orgs", json={"kind": "general_branch", "name": "东村党总支", "grid_id": r["东村"]["id"]})
    api.post(f"/api/v1/t/{town.slug}/people", json={"name": "张三", "grid_id": r["一号楼"]["id"], "tags": ["留守儿童"],
                                                    "is_party_member": True, "party_away": True})
    html = api.get(f"/t/{town.slug}/grids/?lang=en").get_data(as_text=True)
    for english in ("<h2>Grid tree</h2>", "Party organisation tree", "Party branches built on grids",
                    "Sub-grids: 2", "Households 0 · Residents 1 · Party members 1 · Members away 1 · Left-behind child 1",
                    "Party committee", "General Party branch", "Secretary 赵书记", "Edit the township party organisation",
                    "New 村", 'placeholder="Name"', "Create grids in bulk (paste from a spreadsheet)"):
        assert english in html, english
    for chinese in ("网格树", "党组织体系", "下级 2", "户 0", "留守儿童", "书记 赵书记", "修改乡镇党组织", "批量新建"):
        assert chinese not in html, chinese
    english_only(html, data=[*r, *LEVELS, "测试镇", "测试镇党委", "东村党总支", "赵书记"])


def test_default_level_names_are_translated_the_townships_own_are_not(create_tenant, create_user, api_as, english_only):
    town = create_tenant(grids=[{"name": "甲村", "children": [{"name": "一组"}]}])  # no level names of its own
    api = api_as(create_user(roles=[(town, "township_admin")]))
    tree = api.get(f"/t/{town.slug}/grids/?lang=en").get_data(as_text=True)
    assert "Level 1 grid → Level 2 grid → Level 3 grid" in tree and "New Level 1 grid" in tree
    leaf = next(g for g in api.get(f"/api/v1/t/{town.slug}/grids").get_json()["items"][0]["children"])
    page = api.get(f"/t/{town.slug}/grids/{leaf['id']}").get_data(as_text=True)  # the cookie keeps English
    assert '<small class="muted">Level 2 grid</small>' in page and "Sub-grids: Level 3 grid" in page
    english_only(page, data=["甲村", "一组", "测试镇", "一组党支部"])
    assert leaf["level_name"] == "二级网格"  # the API keeps the Chinese
    assert "一级网格 → 二级网格 → 三级网格" in api.get(f"/t/{town.slug}/grids/?lang=zh_Hans_CN").get_data(as_text=True)


def test_grid_page_in_english(town, rows, create_user, api_as, english_only):
    r = rows(town)
    api = api_as(create_user(roles=[(town, "township_admin")]))
    api.post(f"/api/v1/t/{town.slug}/party-orgs", json={"kind": "general_branch", "name": "东村党总支", "grid_id": r["东村"]["id"],
                                                        "secretary_name": "钱书记"})
    api.post(f"/api/v1/t/{town.slug}/grids/{r['东村']['id']}/duties",
             json={"duty": "grid_instructor", "name": "李指导员", "phone": "13912345678"})
    api.post(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}/duties", json={"duty": "grid_leader", "name": "王网格长"})
    html = api.get(f"/t/{town.slug}/grids/{r['东一网格']['id']}?lang=en").get_data(as_text=True)
    for english in ("Grid staff", "<td>Grid leader</td>", ">Unit head</option>", f'Grid above, <a href="/t/{town.slug}/grids/{r["东村"]["id"]}">东村</a>:',
                    "Grid instructor 李指导员", "Sub-grids: 楼栋", "New 楼栋", 'placeholder="楼栋 name/next level name"',
                    "Create sub-grids in bulk", "This grid and below: ", ">Party branch</option>", "<button>Set up</button>",
                    "Archive the grid", 'title="A QR code that opens this grid', 'staff only'):
        assert english in html, english
    for chinese in ("网格力量", "网格长", "上级", "下级", "新建", "建立", "网格二维码"):
        assert chinese not in html.replace("王网格长", ""), chinese
    # the suggested name of the grid's party branch is a name to be kept in Chinese, like the others
    english_only(html, data=[*r, *LEVELS, "测试镇", "王网格长", "李指导员", "东一网格党支部"])
    upper = api.get(f"/t/{town.slug}/grids/{r['东村']['id']}").get_data(as_text=True)
    assert "General Party branch" in upper and "Secretary 钱书记" in upper
    duties = api.get(f"/api/v1/t/{town.slug}/grids/{r['东一网格']['id']}/duties?lang=en").get_json()
    assert [d["duty_label"] for d in duties["items"]] == ["网格长"]  # the API keeps the Chinese


def test_grid_forms_answer_in_english(town, rows, create_user, api_as):
    r = rows(town)
    client = api_as(create_user(roles=[(town, "township_admin")])).client
    page = f"/t/{town.slug}/grids/{r['西一网格']['id']}"
    token = _csrf(client.get(page + "?lang=en").get_data(as_text=True))
    client.post(f"/t/{town.slug}/grids/new", data={"csrf_token": token, "name": "西二网格", "parent_id": str(r["西村"]["id"])})
    assert "Grid “西二网格” created, code 3408221010202" in client.get(page).get_data(as_text=True)
    client.post(f"{page}/duties", data={"csrf_token": token, "duty": "unit_head", "name": "李单元长"})
    html = client.get(page).get_data(as_text=True)
    assert 'role="status">Added</div>' in html and "<td>Unit head</td>" in html
    client.post(f"/t/{town.slug}/grids/party-org", data={"csrf_token": token, "grid_id": str(r["西一网格"]["id"]),
                                                         "kind": "group", "name": "西一党小组"})
    html = client.get(page).get_data(as_text=True)
    assert "Party organisation set up" in html and "<small class=\"muted\">Party group" in html
    assert "已添加" in client.post(f"{page}/duties?lang=zh_Hans_CN", data={"csrf_token": token, "duty": "building_head",
                                                                         "name": "楼长甲"}, follow_redirects=True).get_data(as_text=True)
