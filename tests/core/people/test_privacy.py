"""PIPL: a person's data across modules, and anonymising (record kept for statistics)."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import AuditEntry
from core.people.models import Household, Person
from core.people.stats import subtree_stats
from core.tenancy import tenant_context

from .conftest import grid_of, new_id


def test_hook_person_sections_on_the_person_page(town, add_person, admin, api_as, probe):
    pid = add_person(town, "张三", town.grids["东一网格"])
    page = api_as(admin).client.get(f"/t/{town.slug}/people/{pid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "走访记录" in html and f"探针-{pid}" in html


def test_hook_person_data_export_gathers_every_module(town, add_person, admin, api_as, probe):
    number = new_id()
    pid = add_person(town, "张三", town.grids["东一网格"], id_number=number, mobile="13812345678")
    resp = api_as(admin).get(f"/api/v1/t/{town.slug}/people/{pid}/data-export")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["people"]["person"]["id_number"] == number
    assert body["people_probe"] == {"visits": ["visit of 张三"]}
    with tenant_context(town):
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "people.data_export",
                                                             AuditEntry.object_id == str(pid)))


def test_hook_person_anonymised_erases_identity_and_keeps_statistics(town, add_person, admin, api_as, probe, create_user):
    api = api_as(admin)
    hid = api.post(f"/api/v1/t/{town.slug}/households", json={"grid_id": town.grids["东一网格"], "address": "1号",
                                                              "head_name": "张三"}).get_json()["id"]
    pid = add_person(town, "张三", town.grids["东一网格"], mobile="13812345678", household_id=hid,
                     is_party_member=True, tags=["独居老人"], notes="腿脚不便")
    before = subtree_stats(town)
    worker = create_user(roles=[(town, "grid_leader", grid_of(town, "东村"))])
    assert api_as(worker).post(f"/api/v1/t/{town.slug}/people/{pid}/anonymise").status_code == 403
    resp = api.post(f"/api/v1/t/{town.slug}/people/{pid}/anonymise")
    assert resp.status_code == 200, resp.get_json()
    assert probe == [("anonymised", pid, "张三")]  # modules were told before the name went
    with tenant_context(town):
        person = db.session.get(Person, pid)
        db.session.refresh(person)
        assert person.name == "已匿名" and person.id_number is None and person.mobile is None
        assert person.notes is None and person.name_pinyin == "" and person.anonymised_at is not None
        assert person.birth_date.month == 1 and person.birth_date.day == 1
        assert db.session.get(Household, hid).head_name is None
    assert subtree_stats(town) == before
    assert api.patch(f"/api/v1/t/{town.slug}/people/{pid}", json={"name": "复原"}).status_code == 409
    assert api.get(f"/api/v1/t/{town.slug}/people?q=zs").get_json()["total"] == 0
