"""The county's and the platform's console forms refused (表单校验): what was typed is shown again,
each problem beside its field and in the page's language only (Chinese, or English with
``?lang=en``), and nothing is saved."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Tenant
from tests.core.console.conftest import PageClient, field_error, input_value
from tests.core.test_one_language import english_runs, visible_text

KIND = "incidents.categories"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _errors(html: str) -> list[str]:
    """Every problem the page shows: beside a field, and in the summary above the form."""
    beside = re.findall(r'<span class="field-error"[^>]*>([^<]*)</span>', html)
    summary = re.findall(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    return [e.strip() for e in beside if e.strip()] + [visible_text(s).strip() for s in summary if s.strip()]


def _one_language(html: str, lang: str, data=()) -> list[str]:
    """The problems shown, checked to be in ``lang`` only (typed ``data`` left out)."""
    problems = _errors(html)
    assert problems, html
    for problem in problems:
        text = problem
        for item in data:
            text = text.replace(item, " ")
        if lang == "en":
            assert not CJK.search(text), problem
        else:
            assert not english_runs(text), problem
    return problems


@pytest.fixture
def page_as(app):
    return lambda user: PageClient(app, user)


@pytest.fixture
def county_admin(create_county, create_user):
    county = create_county(name="怀宁县")
    return county, create_user(roles=[(county, "county_admin")])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_county_keeps_what_was_typed(page_as, create_user, create_county, lang):
    existing = create_county()
    c = page_as(create_user(platform_admin=True))
    resp = c.post(f"/admin/counties?lang={lang}", data={"name": "", "slug": "Not OK", "region_code": "34x"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert field_error(html, "slug") and field_error(html, "name")
    assert input_value(html, "slug") == "Not OK" and input_value(html, "region_code") == "34x"
    assert field_error(html, "region_code")  # the manifest's rule: 6 to 12 digits
    _one_language(html, lang, ["Not OK", "34x"])
    resp = c.post(f"/admin/counties?lang={lang}", data={"name": "重复县", "slug": existing.slug})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert field_error(html, "slug") and input_value(html, "name") == "重复县"
    _one_language(html, lang, [existing.slug, "重复县"])
    assert db.session.scalar(select(Tenant).where(Tenant.name == "重复县")) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_onboarding_keeps_what_was_typed(page_as, county_admin, create_user, lang):
    county, admin = county_admin
    taken = create_user()
    typed = {"name": "新镇", "slug": "Bad Slug", "region_code": "12", "admin.username": taken.username,
             "admin.mobile": "123", "admin.password": "short", "grids": "甲\n  乙\n    丙\n      丁",
             "grid_level_names": "一/二", "modules": ["incidents"]}
    resp = page_as(admin).post(f"/t/{county.slug}/townships/new?lang={lang}", data=typed)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for name in ("slug", "region_code", "admin-mobile", "grids"):
        assert field_error(html, name), name
    assert input_value(html, "name") == "新镇" and input_value(html, "slug") == "Bad Slug"
    assert input_value(html, "admin.mobile") == "123" and input_value(html, "grid_level_names") == "一/二"
    assert "甲\n  乙" in html and 'value="incidents" checked' in html
    _one_language(html, lang, ["Bad Slug", taken.username, "甲", "乙", "丙", "丁", "一", "二"])
    assert db.session.scalar(select(Tenant).where(Tenant.name == "新镇")) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_county_template_keeps_what_was_typed(page_as, county_admin, create_tenant, api_as, lang):
    from tests.tenants.test_county_templates_pages import _form

    county, admin = county_admin
    create_tenant(county=county, modules=["incidents"])
    api = api_as(admin)
    before = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    data = _form(before["draft"], **{"1__name": "", "2__time_limit_hours": "soon", "3__code": "Not A Code"})
    resp = page_as(admin).post(f"/t/{county.slug}/county-templates/{KIND}?lang={lang}", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'value="soon"' in html and 'value="Not A Code"' in html
    _one_language(html, lang, ["soon", "Not A Code"])
    after = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    assert (after["draft"], after["version"]) == (before["draft"], before["version"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_refused_module_settings_keep_what_was_typed(page_as, create_tenant, create_user, lang):
    town = create_tenant(modules=["incidents"])
    c = page_as(create_user(roles=[(town, "township_admin")]))
    page = c.get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="([^"]*incidents[^"]*settings[^"]*)"(.*?)</form>', page, re.S)
    assert form, page
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
    number = next(name for name in fields if re.search(rf'type="number"[^>]*name="{re.escape(name)}"|name="{re.escape(name)}"[^>]*type="number"', form.group(2)))
    fields.pop("csrf_token", None)
    fields[number] = "many"
    resp = c.post(form.group(1).replace("&amp;", "&") + ("&" if "?" in form.group(1) else "?") + f"lang={lang}", data=fields)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'value="many"' in html
    _one_language(html, lang, ["many"])



def test_a_county_region_code_follows_the_manifests_rule(page_as, create_user):
    c = page_as(create_user(platform_admin=True))
    resp = c.post("/admin/counties", data={"name": "长码县", "slug": "long-code-county", "region_code": "1" * 40})
    assert resp.status_code == 422  # was created (SQLite) or a database error (PostgreSQL: 12 characters)
    assert field_error(resp.get_data(as_text=True), "region_code") == "须为 6 到 12 位数字"
    assert db.session.scalar(select(Tenant).where(Tenant.name == "长码县")) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_county_templates_title_and_locks_are_refused_beside_them(page_as, county_admin, api_as, lang):
    from tests.tenants.test_county_templates_pages import _form

    county, admin = county_admin
    api = api_as(admin)
    before = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    data = {**_form(before["draft"], locked=["active", "no_such_field"]), "title": ""}
    resp = page_as(admin).post(f"/t/{county.slug}/county-templates/{KIND}?lang={lang}", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert field_error(html, "title")  # beside the title, not "title: …" above the form
    locks = html.split("<fieldset", 1)[1].split("</fieldset>", 1)[0]
    assert re.search(r'class="field-error">[^<{]+<', locks) and "{0:" not in html and "&#39;" not in locks
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "title" not in summary and "locked_fields" not in summary
    _one_language(html, lang)
    after = api.get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    assert (after["draft"], after["version"]) == (before["draft"], before["version"])


@pytest.mark.parametrize("rows", ["abc", "-1", str(10**9)])
def test_a_county_template_form_with_a_forged_row_count_is_no_500(page_as, county_admin, api_as, rows):
    county, admin = county_admin
    before = api_as(admin).get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    resp = page_as(admin).post(f"/t/{county.slug}/county-templates/{KIND}", data={"rows": rows, "title": "事项清单"})
    assert resp.status_code in (302, 422)  # no rows read: an empty list, refused or saved as a draft
    after = api_as(admin).get(f"/api/v1/t/{county.slug}/templates/{KIND}").get_json()
    assert after["version"] == before["version"]
