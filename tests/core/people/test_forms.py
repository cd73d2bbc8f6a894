"""Registering and editing residents and households through the console forms: validation with the
field named and nothing saved, masking kept for users who may not see ID numbers, reach, PIPL
anonymising from the page, and other townships kept out."""
from __future__ import annotations

from sqlalchemy import func, select

from core.models.audit import AuditEntry
from core.db import db
from core.people.models import Household, Person, Tag
from core.tenancy import tenant_context

from .conftest import grid_of, new_id
from .test_pages import csrf, signed_in


def _people(town) -> list[Person]:
    with tenant_context(town):
        rows = list(db.session.scalars(select(Person).order_by(Person.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _tag_id(town, name) -> int:
    with tenant_context(town):
        return db.session.scalar(select(Tag.id).where(Tag.name == name))


def test_register_a_resident_through_the_form(town, admin, api_as):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/new"
    token = csrf(client, url)
    number = new_id()
    resp = client.post(url, data={
        "csrf_token": token, "name": "张三", "id_number": number, "mobile": "13812345678", "gender": "",
        "birth_date": "", "grid_id": str(town.grids["东一网格"]), "household_id": "", "relation": "户主",
        "status": "living", "is_party_member": "1", "party_joined_on": "2001-07-01",
        "tags": [str(_tag_id(town, "独居老人"))], "notes": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [person] = _people(town)
    assert resp.headers["Location"].endswith(f"/people/{person.id}")
    assert (person.name, person.id_number, person.mobile, person.grid_id) == ("张三", number, "13812345678",
                                                                               town.grids["东一网格"])
    assert person.is_party_member and not person.party_away and str(person.party_joined_on) == "2001-07-01"
    assert person.birth_date is not None and person.gender == "male"  # read off the ID number
    page = client.get(f"/t/{town.slug}/people/{person.id}").get_data(as_text=True)
    assert "已登记居民 张三" in page and "独居老人" in page and "修改" in page


def test_bad_fields_are_named_and_nothing_is_saved(town, admin, api_as):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/new"
    token = csrf(client, url)
    base = {"csrf_token": token, "name": "李四", "grid_id": str(town.grids["东一网格"]), "status": "living"}
    good = new_id()
    bad_id = good[:-1] + ("0" if good[-1] != "0" else "1")  # one number, its check digit changed
    for field, value, status in (("id_number", "340822198005031234X", 422), ("mobile", "1381234", 422),
                                 ("birth_date", "1980-02-31", 422), ("grid_id", "99999999", 422),
                                 ("grid_id", "abc", 422), ("name", "", 422), ("status", "gone", 422)):
        resp = client.post(url, data={**base, field: value})
        html = resp.get_data(as_text=True)
        assert resp.status_code == status, (field, value, html[:300])
        assert f'id="err-{field}"' in html, (field, value)
        assert 'value="李四"' in html or field == "name"  # what was typed stays in the form
    resp = client.post(url, data={**base, "id_number": bad_id})
    assert resp.status_code == 422 and 'id="err-id_number"' in resp.get_data(as_text=True)
    assert _people(town) == []
    taken = new_id()
    assert client.post(url, data={**base, "id_number": taken}).status_code == 302
    clash = client.post(url, data={**base, "name": "王五", "id_number": taken})
    assert clash.status_code == 409 and "身份证号已登记" in clash.get_data(as_text=True)
    assert len(_people(town)) == 1


def test_edit_keeps_masked_numbers_unless_typed(town, admin, api_as, add_person, create_user):
    number = new_id()
    pid = add_person(town, "赵六", town.grids["东一网格"], id_number=number, mobile="13912345678",
                     tags=["残疾人"])
    worker = create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])  # people.edit, masked
    client = signed_in(api_as, worker)
    url = f"/t/{town.slug}/people/{pid}/edit"
    form = client.get(url).get_data(as_text=True)
    assert number not in form and "13912345678" not in form and "139****5678" in form
    token = csrf(client, url)
    form = {"csrf_token": token, "name": "赵六", "id_number": "", "mobile": "", "grid_id": str(town.grids["东二网格"]),
            "household_id": "", "status": "living", "tags": []}
    away = client.post(url, data={**form, "party_away": "1"})  # only members can be away
    assert away.status_code == 422 and 'id="err-party_away"' in away.get_data(as_text=True)
    resp = client.post(url, data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [person] = _people(town)
    assert (person.id_number, person.mobile, person.grid_id) == (number, "13912345678", town.grids["东二网格"])
    with tenant_context(town):
        assert db.session.get(Person, pid).tags == []
    # out of the worker's reach: a grid in another village
    moved = client.post(url, data={"csrf_token": token, "name": "赵六", "grid_id": str(town.grids["西一网格"]),
                                   "status": "living"})
    assert moved.status_code == 403 and 'id="err-grid_id"' in moved.get_data(as_text=True)
    assert _people(town)[0].grid_id == town.grids["东二网格"]
    # the admin sees the numbers in the form, and that read is audited
    admin_client = signed_in(api_as, admin)
    assert number in admin_client.get(url).get_data(as_text=True)
    with tenant_context(town):
        reads = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "people.read_sensitive"))
    assert reads >= 1


def test_households_and_members_through_forms(town, admin, api_as):
    client = signed_in(api_as, admin)
    url = f"/t/{town.slug}/people/households/new"
    token = csrf(client, url)
    bad = client.post(url, data={"csrf_token": token, "grid_id": "", "address": "", "phone": "123"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="err-grid_id"' in html and 'id="err-address"' in html
    assert "请选择网格" in html  # the form's own words, not the schema's generic "missing data"
    assert 'id="err-phone"' in html
    resp = client.post(url, data={"csrf_token": token, "grid_id": str(town.grids["东一网格"]), "address": "和平路1号",
                                  "number": "H001", "head_name": "孙七", "phone": "13700001111"})
    assert resp.status_code == 302
    with tenant_context(town):
        hid = db.session.scalar(select(Household.id).where(Household.address == "和平路1号"))
    add = client.get(f"/t/{town.slug}/people/new?household_id={hid}").get_data(as_text=True)
    assert "和平路1号" in add and 'name="household_id" value="%d"' % hid in add
    member = client.post(f"/t/{town.slug}/people/new?household_id={hid}",
                         data={"csrf_token": token, "name": "孙七", "household_id": str(hid), "status": "living",
                               "relation": "户主"})
    assert member.status_code == 302
    edit = client.post(f"/t/{town.slug}/people/households/{hid}/edit",
                       data={"csrf_token": token, "grid_id": str(town.grids["西一网格"]), "address": "和平路1号",
                             "number": "H001", "head_name": "孙七", "phone": ""})
    assert edit.status_code == 302
    [person] = _people(town)
    assert person.household_id == hid and person.grid_id == town.grids["西一网格"]  # members move along
    page = client.get(f"/t/{town.slug}/people/households/{hid}").get_data(as_text=True)
    assert "孙七" in page and "添加成员" in page


def test_anonymise_from_the_person_page(town, admin, api_as, add_person, create_user):
    pid = add_person(town, "周八", town.grids["东一网格"], mobile="13600001111")
    client = signed_in(api_as, admin)
    page = client.get(f"/t/{town.slug}/people/{pid}").get_data(as_text=True)
    assert "匿名化" in page
    token = csrf(client, f"/t/{town.slug}/people/{pid}")
    url = f"/t/{town.slug}/people/{pid}/anonymise"
    assert client.post(url, data={"csrf_token": token, "confirm": "别人"}).status_code == 302
    assert _people(town)[0].name == "周八"  # not confirmed
    worker = create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])
    worker_client = signed_in(api_as, worker)
    assert "匿名化" not in worker_client.get(f"/t/{town.slug}/people/{pid}").get_data(as_text=True)
    assert worker_client.post(url, data={"csrf_token": csrf(worker_client, f"/t/{town.slug}/people/{pid}"),
                                         "confirm": "周八"}).status_code == 403
    assert client.post(url, data={"csrf_token": token, "confirm": "周八"}).status_code == 302
    person = _people(town)[0]
    assert person.name == "已匿名" and person.mobile is None and person.anonymised_at is not None
    assert client.get(f"/t/{town.slug}/people/{pid}/edit").status_code == 409


def test_forms_of_another_township_are_not_found(town, admin, api_as, add_person, create_tenant, create_user):
    pid = add_person(town, "吴九", town.grids["东一网格"])
    with tenant_context(town):
        household = Household(grid_id=town.grids["东一网格"], address="外镇看不到的地址")
        db.session.add(household)
        db.session.commit()
        hid = household.id
    outsider = create_user(roles=[(create_tenant(), "township_admin")])
    other = signed_in(api_as, outsider)
    for url in (f"/t/{town.slug}/people/new", f"/t/{town.slug}/people/{pid}/edit",
                f"/t/{town.slug}/people/households/new", f"/t/{town.slug}/people/households/{hid}/edit"):
        assert other.get(url).status_code == 404, url
    # their own township's forms do not reach this township's rows either
    own = create_tenant()
    own_admin = create_user(roles=[(own, "township_admin")])
    own_client = signed_in(api_as, own_admin)
    assert own_client.get(f"/t/{own.slug}/people/{pid}/edit").status_code == 404
    assert own_client.get(f"/t/{own.slug}/people/households/{hid}/edit").status_code == 404
    assert own_client.get(f"/t/{own.slug}/people/new?household_id={hid}").status_code == 404
    officer = create_user(roles=[(town, "info_officer", grid_of(town, "东村"))])  # reads, may not edit
    officer_client = signed_in(api_as, officer)
    assert officer_client.get(f"/t/{town.slug}/people/{pid}").status_code == 200
    assert officer_client.get(f"/t/{town.slug}/people/{pid}/edit").status_code == 403
    assert officer_client.get(f"/t/{town.slug}/people/new").status_code == 403
