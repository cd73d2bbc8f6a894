"""County templates over HTTP (县级模板): the county publishes versions, a township adopts one
(copy-on-adopt), overrides unlocked fields, is told of a newer version with the diff and
updates keeping its overrides; locked fields, other counties and other roles are refused.

Incident categories (``incidents.categories``) are the kind exercised here."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context

KIND = "incidents.categories"


@pytest.fixture
def setting(create_county, create_tenant, create_user, api_as):
    """A county with its admin, and one of its townships (incidents on) with its admin."""
    county = create_county(name="怀宁县")
    town = create_tenant(county=county, modules=["incidents"], name="高河镇")
    county_api = api_as(create_user(roles=[(county, "county_admin")]))
    town_api = api_as(create_user(roles=[(town, "township_admin")]))
    return county, town, county_api, town_api


@pytest.fixture
def page_as_user(app, create_user):
    """``page_as_user(town)``: a browser-like client of a new township admin of ``town``."""
    from tests.core.console.conftest import PageClient

    return lambda town: PageClient(app, create_user(roles=[(town, "township_admin")]))


def _county_url(county, tail=""):
    return f"/api/v1/t/{county.slug}/templates/{KIND}{tail}"


def _town_url(town, tail=""):
    return f"/api/v1/t/{town.slug}/templates/{KIND}{tail}"


def _edit(county_api, county, change, locked=None):
    """Change the county's draft with ``change(items)`` and publish it; the new version number."""
    current = county_api.get(_county_url(county)).get_json()
    items = [dict(i) for i in current["draft"]]
    change(items)
    body = {"items": items, "locked_fields": current["draft_locked"] if locked is None else locked}
    resp = county_api.put(_county_url(county), json=body)
    assert resp.status_code == 200, resp.get_json()
    resp = county_api.post(_county_url(county, "/publish"))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["version"]


def _item(items, code):
    return next(i for i in items if i["code"] == code)


def _categories(town_api, town):
    rows = town_api.get(f"/api/v1/t/{town.slug}/incidents/categories?all=1").get_json()
    return {r["code"]: r for r in rows}


def test_a_new_county_starts_with_the_default_list_as_version_1(setting):
    county, _, county_api, _ = setting
    listed = county_api.get(f"/api/v1/t/{county.slug}/templates").get_json()
    mine = next(t for t in listed if t["kind"] == KIND)
    assert mine["version"] == 1 and mine["label_zh"] == "网格事项清单"
    assert {"security", "dispute_land", "other"} <= {i["code"] for i in mine["draft"]}
    assert [v["version"] for v in mine["versions"]] == [1]


def test_publishing_makes_a_new_version_and_old_ones_stay(setting):
    county, _, county_api, _ = setting
    version = _edit(county_api, county, lambda items: _item(items, "help").update(time_limit_hours=36), locked=["active"])
    assert version == 2
    v1 = county_api.get(_county_url(county, "/versions/1")).get_json()
    v2 = county_api.get(_county_url(county, "/versions/2")).get_json()
    assert _item(v1["data"], "help")["time_limit_hours"] == 48 and v1["locked_fields"] == []
    assert _item(v2["data"], "help")["time_limit_hours"] == 36 and v2["locked_fields"] == ["active"]
    again = county_api.post(_county_url(county, "/publish"))  # nothing changed since
    assert again.status_code == 422 and again.get_json()["error"]["fields"] == {"items": ["没有改动"]}
    assert county_api.get(_county_url(county, "/versions/9")).status_code == 404


def test_a_published_version_cannot_be_changed(setting):
    from core.county_templates.models import TemplateVersion

    county, *_ = setting
    with tenant_context(county):
        version = db.session.scalar(select(TemplateVersion))
        version.data = []
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()  # before leaving the county: leaving flushes what is pending


def test_township_sees_the_county_version_beside_its_copy_and_adopts_it(setting):
    county, town, county_api, town_api = setting
    _edit(county_api, county, lambda items: (_item(items, "help").update(time_limit_hours=36),
                                             items.append({"code": "flood", "name": "防汛抗旱", "time_limit_hours": 12,
                                                           "auto_escalate": True})))
    before = town_api.get(_town_url(town)).get_json()
    assert before["adoption"] is None and before["county"]["version"] == 2 and not before["update_available"]
    assert _item(before["copy"], "help")["time_limit_hours"] == 48  # its own copy, from enabling the module
    resp = town_api.post(_town_url(town, "/adopt"), json={})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["adoption"]["version"] == 2 and body["adoption"]["template_id"] == body["county"]["id"]
    cats = _categories(town_api, town)
    assert cats["help"]["time_limit_hours"] == 36
    assert cats["flood"]["name"] == "防汛抗旱" and cats["flood"]["auto_escalate"] is True
    own = town_api.post(f"/api/v1/t/{town.slug}/incidents/categories", json={"code": "fishing", "name": "渔船管理"})
    assert own.status_code == 201  # a township still adds items of its own


def test_override_an_unlocked_field_but_not_a_locked_one(setting):
    county, town, county_api, town_api = setting
    _edit(county_api, county, lambda items: None, locked=["active", "name"])
    town_api.post(_town_url(town, "/adopt"), json={})
    ok = town_api.patch(_town_url(town, "/items/security"), json={"time_limit_hours": 12})
    assert ok.status_code == 200 and ok.get_json()["overrides"] == {"time_limit_hours": 12}
    assert _categories(town_api, town)["security"]["time_limit_hours"] == 12

    refused = town_api.patch(_town_url(town, "/items/security"), json={"active": False, "time_limit_hours": 6})
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["active"]
    security_id = _categories(town_api, town)["security"]["id"]
    # the module's own edit path obeys the same lock: the county's item cannot be dropped
    direct = town_api.patch(f"/api/v1/t/{town.slug}/incidents/categories/{security_id}", json={"active": False})
    assert direct.status_code == 422 and "active" in direct.get_json()["error"]["fields"]
    renamed = town_api.patch(f"/api/v1/t/{town.slug}/incidents/categories/{security_id}", json={"name": "治安"})
    assert renamed.status_code == 422 and "name" in renamed.get_json()["error"]["fields"]
    cats = _categories(town_api, town)
    assert cats["security"]["active"] is True and cats["security"]["name"] == "社会治安"
    assert cats["security"]["time_limit_hours"] == 12  # nothing of the refused requests was kept
    status = town_api.get(_town_url(town)).get_json()
    assert status["adoption"]["overrides"] == {"security": {"time_limit_hours": 12}}


def test_an_edit_through_the_module_becomes_a_local_override(setting):
    county, town, county_api, town_api = setting
    town_api.post(_town_url(town, "/adopt"), json={})
    help_id = _categories(town_api, town)["help"]["id"]
    resp = town_api.patch(f"/api/v1/t/{town.slug}/incidents/categories/{help_id}", json={"time_limit_hours": 24})
    assert resp.status_code == 200
    assert town_api.get(_town_url(town)).get_json()["adoption"]["overrides"] == {"help": {"time_limit_hours": 24}}
    back = town_api.patch(f"/api/v1/t/{town.slug}/incidents/categories/{help_id}", json={"time_limit_hours": 48})
    assert back.status_code == 200  # the county's own value again: no override left
    assert town_api.get(_town_url(town)).get_json()["adoption"]["overrides"] == {}


def test_newer_version_notice_diff_and_update_keeping_overrides(setting, page_as_user):
    county, town, county_api, town_api = setting
    town_api.post(_town_url(town, "/adopt"), json={})
    town_api.patch(_town_url(town, "/items/security"), json={"time_limit_hours": 12})

    def change(items):
        items.append({"code": "flood", "name": "防汛抗旱", "time_limit_hours": 12})
        _item(items, "help").update(name="群众求助服务")
        _item(items, "security").update(time_limit_hours=20)  # overridden locally: the township keeps 12
        items.remove(_item(items, "other"))

    assert _edit(county_api, county, change, locked=["name"]) == 2
    status = town_api.get(_town_url(town)).get_json()
    assert status["update_available"] is True and status["adoption"]["version"] == 1
    diff = status["diff"]
    assert [i["code"] for i in diff["added"]] == ["flood"] and [i["code"] for i in diff["removed"]] == ["other"]
    changed = {c["key"]: c["fields"] for c in diff["changed"]}
    assert changed == {"help": {"name": ["群众求助", "群众求助服务"]}, "security": {"time_limit_hours": [24, 20]}}
    assert diff["locked"] == ["name"]
    assert _categories(town_api, town)["help"]["name"] == "群众求助"  # nothing changes before it asks

    html = page_as_user(town).get(f"/t/{town.slug}/incidents/categories").get_data(as_text=True)
    assert "县里发布了新版本：第 2 版（本乡镇采用的是第 1 版）" in html and "防汛抗旱" in html
    assert "更新到新版本（保留本地调整）" in html

    resp = town_api.post(_town_url(town, "/adopt"), json={})
    assert resp.status_code == 200 and resp.get_json()["adoption"]["version"] == 2
    assert resp.get_json()["update_available"] is False
    cats = _categories(town_api, town)
    assert cats["security"]["time_limit_hours"] == 12  # the local override was kept
    assert cats["help"]["name"] == "群众求助服务" and cats["flood"]["time_limit_hours"] == 12
    assert cats["other"]["active"] is False  # dropped by the county: switched off, incidents keep it


def test_a_field_locked_later_takes_the_countys_value(setting):
    county, town, county_api, town_api = setting
    town_api.post(_town_url(town, "/adopt"), json={})
    town_api.patch(_town_url(town, "/items/security"), json={"time_limit_hours": 12, "auto_escalate": False})
    _edit(county_api, county, lambda items: None, locked=["time_limit_hours"])
    resp = town_api.post(_town_url(town, "/adopt"), json={})
    assert resp.get_json()["dropped_overrides"] == {"security": ["time_limit_hours"]}
    cats = _categories(town_api, town)
    assert cats["security"]["time_limit_hours"] == 24 and cats["security"]["auto_escalate"] is False


def test_a_township_of_another_county_cannot_adopt_its_template(setting, create_county, create_tenant, create_user, api_as):
    county, town, county_api, town_api = setting
    template_id = county_api.get(_county_url(county)).get_json()["id"]
    other = create_tenant(county=create_county(name="当涂县"), modules=["incidents"])
    other_api = api_as(create_user(roles=[(other, "township_admin")]))
    resp = other_api.post(_town_url(other, "/adopt"), json={"template_id": template_id})
    assert resp.status_code == 404 and "template_id" in resp.get_json()["error"]["fields"]
    assert other_api.get(_town_url(other)).get_json()["adoption"] is None
    # and the county's own URL is not the other township's to use
    assert other_api.get(_county_url(county)).status_code in (403, 404)
    with_own = other_api.get(_town_url(other)).get_json()
    assert with_own["county"]["id"] != template_id  # it sees its own county's template only


def test_township_admin_cannot_edit_or_publish_county_templates(setting):
    county, town, county_api, town_api = setting
    body = {"items": [{"code": "only", "name": "唯一"}]}
    assert town_api.put(_county_url(county), json=body).status_code in (403, 404)
    assert town_api.post(_county_url(county, "/publish")).status_code in (403, 404)
    assert town_api.put(_town_url(town), json=body).status_code in (403, 404)  # not in its own URL either
    assert town_api.post(_town_url(town, "/publish")).status_code in (403, 404)
    assert len(county_api.get(_county_url(county)).get_json()["draft"]) > 1


def test_a_county_cannot_adopt_and_staff_cannot_adopt(setting, create_user, api_as):
    county, town, county_api, _ = setting
    assert county_api.post(f"/api/v1/t/{county.slug}/templates/{KIND}/adopt", json={}).status_code in (403, 404)
    staff = api_as(create_user(roles=[(town, "township_staff")]))
    assert staff.get(_town_url(town)).status_code == 200
    assert staff.post(_town_url(town, "/adopt"), json={}).status_code == 403


def test_kind_of_a_module_the_township_has_off_is_404(create_tenant, create_user, api_as):
    town = create_tenant(modules=[])
    api = api_as(create_user(roles=[(town, "township_admin")]))
    assert api.get(f"/api/v1/t/{town.slug}/templates/{KIND}").status_code == 404
    assert api.get(f"/api/v1/t/{town.slug}/templates").get_json() == []


@pytest.mark.parametrize("body, field", [
    ({"items": [{"code": "x1", "name": ""}]}, "items"),
    ({"items": [{"code": "Bad Code", "name": "坏"}]}, "items"),
    ({"items": [{"code": "a1", "name": "甲", "colour": "red"}]}, "items"),
    ({"items": [{"code": "a1", "name": "甲"}, {"code": "a1", "name": "乙"}]}, "items"),
    ({"items": [{"code": "a1", "name": "甲", "time_limit_hours": "soon"}]}, "items"),
    ({"items": "all"}, "items"),
    ({}, "items"),
    ({"items": [], "locked_fields": ["code"]}, "locked_fields"),
    ({"items": [], "tenant_id": 1}, "tenant_id"),
])
def test_bad_drafts_are_refused_naming_the_field_and_nothing_is_saved(setting, body, field):
    county, _, county_api, _ = setting
    before = county_api.get(_county_url(county)).get_json()
    resp = county_api.put(_county_url(county), json=body)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]
    after = county_api.get(_county_url(county)).get_json()
    assert (after["draft"], after["draft_locked"], after["version"]) == (before["draft"], before["draft_locked"], before["version"])


def test_a_duplicate_code_names_the_item(setting):
    county, _, county_api, _ = setting
    resp = county_api.put(_county_url(county), json={"items": [{"code": "a1", "name": "甲"}, {"code": "a1", "name": "乙"}]})
    assert resp.get_json()["error"]["fields"] == {"items": {"1": {"code": ["与第 1 项重复"]}}}


def test_bad_overrides_and_adoptions_are_refused(setting):
    county, town, _, town_api = setting
    assert town_api.patch(_town_url(town, "/items/security"), json={"time_limit_hours": 5}).status_code == 409  # not adopted
    assert town_api.post(_town_url(town, "/adopt"), json={"template_id": "x"}).status_code == 422
    assert town_api.post(_town_url(town, "/adopt"), data="{", content_type="application/json").status_code == 400
    town_api.post(_town_url(town, "/adopt"), json={})
    bad = town_api.patch(_town_url(town, "/items/security"), json={"time_limit_hours": "abc"})
    assert bad.status_code == 422 and "time_limit_hours" in bad.get_json()["error"]["fields"]
    assert town_api.patch(_town_url(town, "/items/security"), json={"colour": "red"}).status_code == 422
    rekey = town_api.patch(_town_url(town, "/items/security"), json={"code": "safety2"})
    assert rekey.status_code == 422 and "code" in rekey.get_json()["error"]["fields"]
    assert town_api.patch(_town_url(town, "/items/no_such"), json={"time_limit_hours": 5}).status_code == 404
    assert town_api.get(_town_url(town)).get_json()["adoption"]["overrides"] == {}


def test_an_apply_that_fails_leaves_nothing_half_adopted(setting):
    """A county list whose subcategory names a parent missing from it cannot be adopted: the
    township's categories and adoption stay as they were."""
    county, town, county_api, town_api = setting
    _edit(county_api, county, lambda items: items.append({"code": "orphan", "name": "孤儿", "parent_code": "nowhere"}))
    before = _categories(town_api, town)
    resp = town_api.post(_town_url(town, "/adopt"), json={})
    assert resp.status_code == 422 and "parent_code" in resp.get_json()["error"]["fields"]
    assert _categories(town_api, town) == before
    assert town_api.get(_town_url(town)).get_json()["adoption"] is None


def test_read_county_templates_is_for_a_township_of_a_county_only(setting, caplog):
    import logging

    from core.tenancy import TenantScopeError, current_tenant_id, read_county_templates

    county, town, *_ = setting
    with tenant_context(town), caplog.at_level(logging.INFO, logger="gridgov.audit"):
        found = read_county_templates(town, KIND)
        assert current_tenant_id() == town.id  # back in the township afterwards
    assert f"township {town.id} reads county {county.id} templates" in caplog.text
    assert [t["kind"] for t in found] == [KIND] and found[0]["county_id"] == county.id
    with pytest.raises(TenantScopeError):
        read_county_templates(county, KIND)


def test_hook_register_template_kinds(create_county, create_tenant, create_user, api_as, register_plugin):
    """A plugin's kind is offered to counties (seeded from its defaults) and, once adopted, its
    ``apply`` writes the township's copy inside the township's context; ``read`` shows it."""
    from marshmallow import Schema, fields

    from core.plugins import hookimpl
    from core.specs import TemplateKind
    from core.tenancy import current_tenant_id

    copies: dict[int, dict[str, dict]] = {}

    class Post(Schema):
        code = fields.String(required=True)
        title = fields.String(required=True)
        hours = fields.Integer(load_default=2)

    def apply(tenant, items, removed):
        assert current_tenant_id() == tenant.id
        mine = copies.setdefault(tenant.id, {})
        mine.update({item["code"]: item for item in items})
        for code in removed:
            mine.pop(code, None)

    def read(tenant):
        return list(copies.get(tenant.id, {}).values())

    class VolunteerPosts:
        @hookimpl
        def register_template_kinds(self):
            return [TemplateKind(name="posts_demo.posts", label_zh="志愿岗位", label_en="Volunteer posts",
                                 item_schema=Post, key_field="code", lockable=("title",), apply=apply, read=read,
                                 defaults=lambda: [{"code": "outreach", "title": "政策宣讲"}])]

    register_plugin(VolunteerPosts(), "posts_demo")
    county = create_county()
    town = create_tenant(county=county)
    county_api = api_as(create_user(roles=[(county, "county_admin")]))
    town_api = api_as(create_user(roles=[(town, "township_admin")]))
    seeded = county_api.get(f"/api/v1/t/{county.slug}/templates/posts_demo.posts").get_json()
    assert seeded["version"] == 1 and seeded["draft"] == [{"code": "outreach", "title": "政策宣讲", "hours": 2}]

    adopted = town_api.post(f"/api/v1/t/{town.slug}/templates/posts_demo.posts/adopt", json={})
    assert adopted.status_code == 200, adopted.get_json()
    assert copies[town.id] == {"outreach": {"code": "outreach", "title": "政策宣讲", "hours": 2}}
    assert adopted.get_json()["copy"] == [{"code": "outreach", "title": "政策宣讲", "hours": 2}]


def test_cli_lists_a_countys_templates_and_a_townships_standing(setting, app):
    county, town, county_api, town_api = setting
    runner = app.test_cli_runner()
    out = runner.invoke(args=["templates", "list", "--tenant", county.slug])
    assert out.exit_code == 0 and f"{KIND}" in out.output and "v1" in out.output
    assert "未采用" in runner.invoke(args=["templates", "list", "--tenant", town.slug]).output
    assert "not adopted" in runner.invoke(args=["--lang", "en", "templates", "list", "--tenant", town.slug]).output
    town_api.post(_town_url(town, "/adopt"), json={})
    _edit(county_api, county, lambda items: items.append({"code": "flood", "name": "防汛抗旱"}))
    line = runner.invoke(args=["--lang", "en", "templates", "list", "--tenant", town.slug]).output
    assert "county v2" in line and "adopted v1" in line and "newer version published" in line
    assert runner.invoke(args=["templates", "list", "--tenant", "no-such"]).exit_code != 0


def _at_once(calls):
    """Run the ``calls`` from threads released together; their (status, error code) answers."""
    import threading

    barrier = threading.Barrier(len(calls))
    answers, errors = [], []

    def run(call):
        try:
            barrier.wait()
            resp = call()
            answers.append((resp.status_code, ((resp.get_json() or {}).get("error") or {}).get("code", "")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return answers


def test_simultaneous_adoptions_leave_one_adoption_and_never_a_500(setting, create_user, api_as):
    from core.county_templates.models import TemplateAdoption

    county, town, _, _ = setting
    clients = [api_as(create_user(roles=[(town, "township_admin")])) for _ in range(4)]
    url = _town_url(town, "/adopt")
    answers = _at_once([lambda c=c: c.post(url, json={}) for c in clients])
    assert all(status in (200, 409) for status, _ in answers) and any(status == 200 for status, _ in answers), answers
    assert {code for status, code in answers if status == 409} <= {"changed_meanwhile"}
    db.session.rollback()
    with tenant_context(town):
        assert len(db.session.scalars(select(TemplateAdoption)).all()) == 1


def test_simultaneous_publications_get_distinct_versions(setting, create_user, api_as):
    county, _, county_api, _ = setting
    draft = county_api.get(_county_url(county)).get_json()["draft"]
    clients = [api_as(create_user(roles=[(county, "county_admin")])) for _ in range(3)]
    for n, client in enumerate(clients):  # each leaves a different draft, then all publish at once
        assert client.put(_county_url(county), json={"items": draft[:n + 1]}).status_code == 200
    url = _county_url(county, "/publish")
    answers = _at_once([lambda c=c: c.post(url) for c in clients])
    assert all(status in (201, 409, 422) for status, _ in answers) and (201, "") in answers, answers
    versions = [v["version"] for v in county_api.get(_county_url(county)).get_json()["versions"]]
    assert versions == sorted(set(versions), reverse=True) and versions[-1] == 1
