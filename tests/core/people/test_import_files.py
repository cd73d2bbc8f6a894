"""Imports (#17 item 17): a downloadable template with the expected headers; after a check, a file
of the refused rows as uploaded with a 错误原因 column, which imports once fixed; "import all"
offered (and accepted) only when the check found no error."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from core.people.sheets import LABELS, REQUIRED

from .test_import_export import HEADERS, count, good_rows, xlsx
from .test_import_jobs import BAD_ROW, poll


def _check(api, town, data):
    resp = api.post(f"/t/{town.slug}/people/import", data={"file": (io.BytesIO(data), "people.xlsx")},
                    content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    page = resp.headers["Location"]
    job_id = page.rstrip("/").rsplit("/", 1)[1]
    poll(api, f"/api/v1/t/{town.slug}/people/imports/{job_id}")
    return page, job_id


def test_the_template_has_every_expected_header(town, admin, api_as):
    api = api_as(admin)
    assert 'href="/t/%s/people/import/template.xlsx"' % town.slug in api.get(f"/t/{town.slug}/people/import").get_data(as_text=True)
    resp = api.get(f"/t/{town.slug}/people/import/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    headers = [c.value for c in book["居民"][1]]
    assert headers[:3] == [LABELS[f] for f in REQUIRED] and set(headers) == set(LABELS.values())
    assert [c.value for c in book["说明"][1]] == ["列名", "填写说明"]


def test_bad_rows_come_back_with_reasons_and_import_once_fixed(town, admin, api_as, consumer):
    api = api_as(admin)
    page_url, job_id = _check(api, town, xlsx(good_rows() + [BAD_ROW]))
    page = api.get(page_url).get_data(as_text=True)
    assert "只导入正确的 3 行" in page
    assert 'value="all"' not in page  # errors found: "import all" is not offered
    refused = api.post(f"/t/{town.slug}/people/import/{job_id}/confirm", data={"mode": "all"})
    assert refused.status_code == 422 and count(town) == 0
    link = re.search(r'href="(/t/[^"]+/bad-rows\.xlsx)"', page)
    assert link
    resp = api.get(link.group(1))
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS + ["错误原因"]
    assert len(rows) == 2 and rows[1][0] == "坏" and "身份证号" in rows[1][-1]
    # fixed and uploaded again: the reason column is ignored, the row imports
    from .conftest import new_id
    import datetime as dt

    fixed = list(rows[1][:-1])
    fixed[3] = new_id(dt.date(1990, 1, 1), "male")
    _, again = _check(api, town, xlsx([fixed]))
    page = api.get(f"/t/{town.slug}/people/import/{again}").get_data(as_text=True)
    assert 'value="all"' in page and "bad-rows.xlsx" not in page
    assert api.post(f"/t/{town.slug}/people/import/{again}/confirm", data={"mode": "all"}).status_code == 303


def test_no_bad_rows_file_for_a_clean_check_or_another_tenant(town, admin, api_as, consumer, create_tenant, create_user):
    api = api_as(admin)
    _, job_id = _check(api, town, xlsx(good_rows()))
    assert api.get(f"/t/{town.slug}/people/import/{job_id}/bad-rows.xlsx").status_code == 404
    outsider = api_as(create_user(roles=[(create_tenant(), "township_admin")]))
    assert outsider.get(f"/t/{town.slug}/people/import/{job_id}/bad-rows.xlsx").status_code == 404
