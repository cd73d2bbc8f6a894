"""The people pages in English (``?lang=en``): list, person, household, the forms and the import
wizard's upload page. Labels (status, gender, built-in tags) are translated where they are shown;
what the township wrote (names, addresses, grids, its own tags) stays as it is, and so does the
API's output."""
from __future__ import annotations

import pytest

from .conftest import new_id
from .test_pages import csrf, signed_in

GRIDS = ["东村", "东一网格", "东二网格", "西村", "西一网格", "测试镇"]


@pytest.fixture
def family(town, admin, api_as):
    """A household at 幸福路8号 with 张三 (head, party member away, two tags) and 张小; ids."""
    api = api_as(admin)
    api.post(f"/api/v1/t/{town.slug}/people/tags", json={"name": "自定标签"})
    hid = api.post(f"/api/v1/t/{town.slug}/households", json={"grid_id": town.grids["东一网格"], "address": "幸福路8号",
                                                              "head_name": "张三", "number": "H01"}).get_json()["id"]
    pid = api.post(f"/api/v1/t/{town.slug}/people", json={
        "name": "张三", "household_id": hid, "id_number": new_id(), "relation": "户主", "tags": ["留守儿童", "自定标签"],
        "is_party_member": True, "party_away": True, "party_branch": "东一支部", "party_joined_on": "2001-07-01"}).get_json()["id"]
    api.post(f"/api/v1/t/{town.slug}/people", json={"name": "张小", "household_id": hid, "relation": "子女", "gender": "female"})
    return {"household": hid, "person": pid}


FAMILY = ["张三", "张小", "幸福路8号", "户主", "子女", "东一支部", "自定标签"]


def test_people_list_in_english(town, admin, api_as, family, english_only):
    client = signed_in(api_as, admin)
    html = client.get(f"/t/{town.slug}/people/?lang=en").get_data(as_text=True)
    for english in ("<h1>Residents</h1>", "Register a resident", "Register a household", "Export to Excel",
                    ">Living here</option>", ">Moved out</option>", ">Deceased</option>", ">Left-behind child</option>",
                    ">Male</td>", ">Female</td>", ">Living here</td>", ">Yes (away)</td>",
                    ">Left-behind child, 自定标签</td>", "2 in total", "Page 1 of 1", "<th>Grid</th>"):
        assert english in html, english
    for chinese in ("(Residents)", "登记居民", "在住", "留守儿童", "共 2 人", "第 1 / 1 页", "（流动）"):
        assert chinese not in html, chinese
    english_only(html, data=GRIDS + FAMILY)
    chinese = client.get(f"/t/{town.slug}/people/?lang=zh_Hans_CN").get_data(as_text=True)
    assert "<h1>居民</h1>" in chinese and "Residents" not in chinese  # one language per page


def test_person_and_household_pages_in_english(town, admin, api_as, family, english_only):
    client = signed_in(api_as, admin)
    html = client.get(f"/t/{town.slug}/people/{family['person']}?lang=en").get_data(as_text=True)
    for english in ("<small>Living here</small>", "<th>Gender</th><td>Male</td>", "<th>Party member</th><td>Yes (away)</td>",
                    "东一支部 (joined 2001-07-01)", '<span class="tag">Left-behind child</span>', '<span class="tag">自定标签</span>',
                    "<h2>Household</h2>", "Head of household: 张三", ">Edit</a>", "Anonymise (personal information protection)"):
        assert english in html, english
    english_only(html, data=GRIDS + FAMILY)
    html = client.get(f"/t/{town.slug}/people/households/{family['household']}").get_data(as_text=True)
    for english in ("<h1>Household: 幸福路8号</h1>", "Grid: 东村 › 东一网格 · Household number: H01 · Head: 张三 · Phone: —",
                    "Edit household", "Add a member", "Members (2)", "<th>Relation to head</th>", "<td>Female</td>"):
        assert english in html, english
    english_only(html, data=GRIDS + FAMILY)
    person = api_as(admin).get(f"/api/v1/t/{town.slug}/people/{family['person']}?lang=en").get_json()
    assert (person["status_label"], person["gender_label"]) == ("在住", "男")  # the API keeps the Chinese


def test_person_form_in_english_new_and_refused(town, admin, api_as, english_only):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/new?lang=en"
    html = client.get(url).get_data(as_text=True)
    for english in ("<h1>Register a resident</h1>", "<legend>Basic details</legend>", "Name *", "(from the ID number)",
                    ">Male</option>", "18 characters, the last may be X", ">Living here</option>", "Special-group tags",
                    "Elderly living alone", "Party member away", "<button type=\"submit\">Register</button>", ">Cancel</a>"):
        assert english in html, english
    english_only(html, data=GRIDS)
    token = csrf(client, url)
    refused = client.post(url, data={"csrf_token": token, "grid_id": str(town.grids["东一网格"]), "status": "living",
                                     "household_id": "abc", "tags": "x"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for english in ("<p>Please check the marked fields</p>", '<a href="#err-household_id">Household</a>: Must be a number',
                    '<a href="#err-tags">Tags</a>: Unknown tag'):
        assert english in html, english
    english_only(html, data=GRIDS)
    refused = client.post(url, data={"csrf_token": token, "grid_id": str(town.grids["东一网格"]), "status": "living"})
    html = refused.get_data(as_text=True)
    assert "<p>Please enter the name</p>" in html and '<a href="#err-name">Name</a>: Required' in html
    english_only(html, data=GRIDS)
    done = client.post(url, data={"csrf_token": token, "name": "王五", "grid_id": str(town.grids["东一网格"]), "status": "living"},
                       follow_redirects=True)
    assert "Resident 王五 registered" in done.get_data(as_text=True)


def test_household_form_in_english(town, admin, api_as, family, english_only):
    client = signed_in(api_as, admin)
    html = client.get(f"/t/{town.slug}/people/households/new?lang=en").get_data(as_text=True)
    for english in ("<h1>Register a household</h1>", "Address *", "Household number", "Head of household", "Contact phone",
                    "11-digit mobile number", ">Please choose</option>", "Grid <span class=\"error\">*</span>"):
        assert english in html, english
    english_only(html, data=GRIDS)
    html = client.get(f"/t/{town.slug}/people/households/{family['household']}/edit").get_data(as_text=True)
    assert "<h1>Edit household: 幸福路8号</h1>" in html and "Changing the grid moves the household's members" in html
    english_only(html, data=GRIDS + FAMILY)
    token = csrf(client, f"/t/{town.slug}/people/households/new")
    html = client.post(f"/t/{town.slug}/people/households/new", data={"csrf_token": token, "grid_id": "", "address": ""}).get_data(as_text=True)
    assert "<p>Please check the marked fields</p>" in html and '<a href="#err-grid_id">Grid</a>: ' in html
    assert '<a href="#err-address">Address</a>: ' in html
    english_only(html, data=GRIDS)


def test_import_upload_page_in_english(town, admin, api_as, english_only):
    html = signed_in(api_as, admin).get(f"/t/{town.slug}/people/import?lang=en").get_data(as_text=True)
    for english in ("<h1>Import residents</h1>", ">Upload</li>", ">Check results</li>", "Required columns: name, id_number, grid.",
                    "<button>Upload and check</button>"):
        assert english in html, english
    english_only(html, data=GRIDS)
