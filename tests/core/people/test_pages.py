"""People pages: list with filters, person page, household page, import wizard."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import time

from sqlalchemy import func, select

from core import jobs
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


def wait_page(client, location, seconds: float = 60) -> str:
    """Follow a wizard job page: poll its progress JSON until the job has finished, then the page."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        progress = client.get(location + "/progress", headers={"Accept": "application/json"}).get_json()
        if progress["finished"]:
            page = client.get(location)
            assert page.status_code == 200
            return page.get_data(as_text=True)
        time.sleep(0.05)
    raise AssertionError(f"{location} did not finish")


def test_import_wizard_upload_check_report_confirm(town, admin, api_as, consumer):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/import"
    token = csrf(client, url)
    data = xlsx(good_rows() + [["坏", "男", "", "123", "", "东一网格", "", "", "", "", "", ""]])
    uploaded = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), "名册.xlsx")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303
    check = uploaded.headers["Location"]
    assert re.fullmatch(rf"/t/{town.slug}/people/import/[0-9a-f]{{32}}", check)
    html = wait_page(client, check)
    assert "有误 <strong>1</strong> 行" in html and "<td>5</td>" in html and "<td>身份证号</td>" in html
    assert 'value="good"' in html and 'value="all"' not in html  # "import all" only after a clean check
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    refused = client.post(check + "/confirm", data={"csrf_token": token, "mode": "all"})
    assert refused.status_code == 422
    done = client.post(check + "/confirm", data={"csrf_token": token, "mode": "good"})
    html = wait_page(client, done.headers["Location"])
    assert "新增 3 人" in html and "新建住户 1 户" in html and "confirm" not in html
    with tenant_context(town):
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3
    # the file was imported and removed: confirming again has nothing to import
    assert client.post(check + "/confirm", data={"csrf_token": token, "mode": "good"}).status_code == 422
    assert client.post(check + "/confirm", data={"csrf_token": token, "mode": "bogus"}).status_code == 422
    assert client.get(f"{url}/{'0' * 32}").status_code == 404
    assert client.post(f"{url}/{'0' * 32}/confirm", data={"csrf_token": token, "mode": "good"}).status_code == 404
    wrong = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(b"x"), "a.pdf")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 422 and "请上传 .xlsx 或 .csv 文件" in wrong.get_data(as_text=True)
    assert client.post(url, data={"file": (io.BytesIO(data), "a.xlsx")}, content_type="multipart/form-data").status_code == 400


def test_import_wizard_unreadable_file_and_expired_upload(app, town, admin, api_as, consumer):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/import"
    token = csrf(client, url)
    bad = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(xlsx([["张三"]], headers=["姓名"])), "a.xlsx")},
                      content_type="multipart/form-data")
    html = wait_page(client, bad.headers["Location"])
    assert "检查未完成" in html and "缺少必需的列" in html and "重新上传" in html
    ok = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(xlsx(good_rows())), "a.xlsx")},
                     content_type="multipart/form-data")
    assert "确认导入全部 3 行" in wait_page(client, ok.headers["Location"])
    folder = os.path.join(app.config["UPLOAD_DIR"], "people-imports", str(town.id))
    for name in os.listdir(folder):  # the upload was swept meanwhile
        os.remove(os.path.join(folder, name))
    gone = client.post(ok.headers["Location"] + "/confirm", data={"csrf_token": token, "mode": "all"})
    assert gone.status_code == 422 and "请重新上传" in gone.get_data(as_text=True)


def test_import_wizard_progress_page_works_without_javascript(town, admin, api_as):
    """While a job runs the page shows a real progress bar, polled by jobs.js, and refreshes itself
    without JavaScript."""
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    job = jobs.Job(id="e" * 32, kind="people.import", tenant_id=town.id, user_id=admin.id, status=jobs.RUNNING,
                   phase="write", done=2500, total=10000, params={"mode": "all", "filename": "名册.csv", "token": "x"},
                   created_at=now, started_at=now, heartbeat_at=now)
    jobs.save(job)
    client = signed_in(api_as, admin)
    html = client.get(f"/t/{town.slug}/people/import/{job.id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh"' in html and 'src="/static/jobs.js"' in html
    assert '<progress max="100" value="25">' in html and "写入" in html and "2500" in html and "10000" in html
    assert f'data-job-progress="/t/{town.slug}/people/import/{job.id}/progress"' in html
    assert f'href="/t/{town.slug}/people/import/{job.id}">刷新</a>' in html
    progress = client.get(f"/t/{town.slug}/people/import/{job.id}/progress").get_json()
    assert (progress["phase"], progress["done"], progress["total"], progress["percent"]) == ("write", 2500, 10000, 25)
    assert "params" not in progress and "tenant_id" not in progress


def test_long_lists_count_up_to_the_cap(app, town, add_person, api_as, create_user):
    """A township's 100,000 residents are not counted on every page view: beyond LIST_COUNT_CAP
    the list says "more than" and the API ``total_capped``; the next page is still offered."""
    for name in ("张一", "张二", "张三", "张四"):
        add_person(town, name, town.grids["东一网格"])
    admin = create_user(roles=[(town, "township_admin")])
    api = api_as(admin)
    app.config["LIST_COUNT_CAP"] = 3
    try:
        html = signed_in(api_as, admin).get(f"/t/{town.slug}/people/?per_page=2").get_data(as_text=True)
        assert "超过 3 人" in html and "共 4 人" not in html and "第 1 页" in html and "page=2" in html
        body = api.get(f"/api/v1/t/{town.slug}/people?per_page=2&page=2").get_json()
        assert (body["total"], body["total_capped"], body["has_more"], len(body["items"])) == (3, True, False, 2)
        body = api.get(f"/api/v1/t/{town.slug}/people?per_page=2").get_json()
        assert (body["total"], body["total_capped"], body["has_more"]) == (3, True, True)
        # under the cap the total is exact
        body = api.get(f"/api/v1/t/{town.slug}/people?q=张一").get_json()
        assert (body["total"], body["total_capped"], body["has_more"]) == (1, False, False)
    finally:
        app.config.pop("LIST_COUNT_CAP")
    assert "共 4 人" in signed_in(api_as, admin).get(f"/t/{town.slug}/people/").get_data(as_text=True)
