"""People pages: list with filters, person page, household page, import wizard."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from core.db import db
from core.people.models import Person
from core.tenancy import tenant_context

from .conftest import grid_of, new_id
from .test_import_export import good_rows, xlsx


def signed_in(api_as, user):
    return api_as(user).client  # the session cookie signs pages in too


def csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_list_page_filters_and_masks(town, add_person, api_as, create_user):
    number = new_id()
    add_person(town, "张三", town.grids["东一网格"], id_number=number, mobile="13812345678")
    add_person(town, "李四", town.grids["西一网格"])
    staff = create_user(roles=[(town, "township_staff")])
    client = signed_in(api_as, staff)
    page = client.get(f"/t/{town.slug}/people/?q=zs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "张三" in html and "李四" not in html
    assert "138****5678" in html and number not in html
    assert "共 2 人" in client.get(f"/t/{town.slug}/people/").get_data(as_text=True)


def test_person_and_household_pages(town, admin, api_as, create_tenant, create_user):
    api = api_as(admin)
    hid = api.post(f"/api/v1/t/{town.slug}/households", json={"grid_id": town.grids["东一网格"], "address": "幸福路8号",
                                                              "head_name": "张三"}).get_json()["id"]
    number = new_id()
    pid = api.post(f"/api/v1/t/{town.slug}/people", json={"name": "张三", "household_id": hid, "id_number": number,
                                                          "relation": "户主", "tags": ["残疾人"]}).get_json()["id"]
    html = api.client.get(f"/t/{town.slug}/people/{pid}").get_data(as_text=True)
    assert "张三" in html and number in html and "幸福路8号" in html and "残疾人" in html
    house = api.client.get(f"/t/{town.slug}/people/households/{hid}")
    assert house.status_code == 200 and "张三" in house.get_data(as_text=True)
    outsider = create_user(roles=[(create_tenant(), "township_admin")])
    other = signed_in(api_as, outsider)
    assert other.get(f"/t/{town.slug}/people/{pid}").status_code == 404
    assert other.get(f"/t/{town.slug}/people/households/{hid}").status_code == 404
    assert other.get(f"/t/{town.slug}/people/").status_code == 404
    reader = create_user(roles=[(town, "info_officer", grid_of(town, "西村"))])
    client = signed_in(api_as, reader)
    assert client.get(f"/t/{town.slug}/people/{pid}").status_code == 404  # outside their grid
    assert client.get(f"/t/{town.slug}/people/import").status_code == 403


def test_import_wizard_upload_report_confirm(town, admin, api_as):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/import"
    token = csrf(client, url)
    data = xlsx(good_rows() + [["坏", "男", "", "123", "", "东一网格", "", "", "", "", "", ""]])
    report = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), "名册.xlsx")},
                         content_type="multipart/form-data")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "有误 <strong>1</strong> 行" in html and "<td>5</td>" in html
    upload_token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    rejected = client.post(url, data={"csrf_token": token, "token": upload_token, "mode": "all"})
    assert rejected.status_code == 422 and "未导入任何数据" in rejected.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "token": upload_token, "mode": "good"})
    assert done.status_code == 200 and "新增 3 人" in done.get_data(as_text=True)
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3
    stale = client.post(url, data={"csrf_token": token, "token": "../../etc/passwd", "mode": "good"})
    assert stale.status_code == 422
    wrong = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(b"x"), "a.pdf")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 422
    assert client.post(url, data={"file": (io.BytesIO(data), "a.xlsx")}, content_type="multipart/form-data").status_code == 400
