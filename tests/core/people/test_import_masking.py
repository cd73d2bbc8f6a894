"""The residents import holds the masking: its check (dry run) tells a user nothing about an ID
number registered to a resident they may not see unmasked (outside their reach, or inside it
without people.read_sensitive), through the API (at once and in the background) and the console;
a real import refuses such a row naming no one, audited and counted as a clash, and never merges
into that resident."""
from __future__ import annotations

import io

from sqlalchemy import select

from core.db import db
from core.models import RolePermission
from core.models.audit import AuditEntry
from core.people.models import Person
from core.tenancy import tenant_context

from .conftest import grid_of, new_id
from .test_import_export import upload, xlsx
from .test_import_jobs import run
from .test_pages import csrf, signed_in, wait_page

HEADERS = ["姓名", "身份证号", "网格"]


def one_row(number: str, grid: str = "东一网格") -> bytes:
    return xlsx([["新人", number, grid]], headers=HEADERS)


def east_importer(town, create_user):
    """A grid worker of 东村 allowed to import (grid roles carry no people.import by default)."""
    with tenant_context(town):
        db.session.add(RolePermission(role="grid_worker", permission="people.import", granted=True))
        db.session.commit()
    return create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])


def report_of(body: dict) -> dict:
    return {k: body[k] for k in ("total", "good", "bad", "errors", "imported", "created", "updated")}


def name_of(town, person_id: int) -> str:
    with tenant_context(town):
        return db.session.get(Person, person_id).name


def test_the_check_does_not_tell_whether_a_number_outside_reach_is_registered(town, add_person, api_as, create_user):
    add_person(town, "孙八", town.grids["西一网格"], id_number=(west := new_id()))
    worker = api_as(east_importer(town, create_user))
    registered = upload(worker, town, one_row(west), "dry_run")
    fresh = upload(worker, town, one_row(new_id()), "dry_run")
    assert registered.status_code == fresh.status_code == 200
    assert report_of(registered.get_json()) == report_of(fresh.get_json())
    assert "已登记" not in registered.get_data(as_text=True)


def test_the_check_does_not_tell_staff_without_read_sensitive_and_the_import_does_not_merge(
        town, admin, add_person, api_as, create_user):
    pid = add_person(town, "孙八", town.grids["东一网格"], id_number=(number := new_id()))
    user = create_user(roles=[(town, "township_staff")])
    staff = api_as(user)
    assert report_of(upload(staff, town, one_row(number), "dry_run").get_json()) == \
        report_of(upload(staff, town, one_row(new_id()), "dry_run").get_json())
    done = upload(staff, town, one_row(number), "good")
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["created"], body["updated"], body["bad"]) == (0, 0, 1)
    assert body["errors"][0]["field"] == "id_number" and body["errors"][0]["reason"] == "身份证号已登记"
    assert "孙八" not in done.get_data(as_text=True) and set(body["errors"][0]) == {"row", "field", "column", "reason"}
    assert name_of(town, pid) == "孙八"  # not merged into a resident the importer may not know of
    with tenant_context(town):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.id_clash")).one()
        assert entry.user_id == user.id and entry.after["people"] == [pid]
    # who may see the number unmasked still merges, as before
    merged = upload(api_as(admin), town, one_row(number), "all").get_json()
    assert (merged["created"], merged["updated"]) == (0, 1) and name_of(town, pid) == "新人"


def test_an_all_or_nothing_import_refuses_the_row_outside_reach_naming_no_one(town, add_person, api_as, create_user):
    pid = add_person(town, "孙八", town.grids["西一网格"], id_number=(west := new_id()))
    worker = api_as(east_importer(town, create_user))
    resp = upload(worker, town, xlsx([["新人", west, "东一网格"], ["别人", new_id(), "东一网格"]], headers=HEADERS), "all")
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "身份证号已登记" in text and "孙八" not in text and "西一" not in text and "乡镇办" not in text
    with tenant_context(town):
        assert db.session.scalar(select(Person.id).where(Person.name.in_(["新人", "别人"]))) is None
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.id_clash")).one().after[
            "people"] == [pid]


def test_clashes_in_imports_count_against_the_clash_budget(app, town, add_person, api_as, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "PEOPLE_ID_CLASH_LIMIT", "3 per hour")
    numbers = [new_id() for _ in range(4)]
    for i, number in enumerate(numbers):
        add_person(town, f"居民{i}", town.grids["东一网格"], id_number=number)
    staff = api_as(create_user(roles=[(town, "township_staff")]))
    rows = [[f"新人{i}", number, "东一网格"] for i, number in enumerate(numbers)]
    assert upload(staff, town, xlsx(rows[:2], headers=HEADERS), "good").get_json()["bad"] == 2
    refused = upload(staff, town, xlsx(rows[2:], headers=HEADERS), "good")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_id_clashes"
    # the check stays free: it reveals nothing, so it costs nothing
    assert upload(staff, town, xlsx(rows, headers=HEADERS), "dry_run").get_json()["bad"] == 0


def test_the_background_check_and_import_hold_the_masking(town, add_person, api_as, create_user, consumer):
    add_person(town, "孙八", town.grids["西一网格"], id_number=(west := new_id()))
    worker = api_as(east_importer(town, create_user))
    registered, fresh = run(worker, town, one_row(west)), run(worker, town, one_row(new_id()))
    assert registered["status"] == fresh["status"] == "succeeded"
    assert report_of(registered["report"]) == report_of(fresh["report"])
    done = run(worker, town, one_row(west), mode="good")
    assert done["status"] == "succeeded", done
    assert done["report"]["errors"][0]["reason"] == "身份证号已登记" and done["report"]["created"] == 0


def test_the_console_check_holds_the_masking(town, add_person, api_as, create_user, consumer):
    add_person(town, "孙八", town.grids["西一网格"], id_number=(west := new_id()))
    client = signed_in(api_as, east_importer(town, create_user))
    url = f"/t/{town.slug}/people/import"
    token = csrf(client, url)
    pages = []
    for number in (west, new_id()):
        sent = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(one_row(number)), "名册.xlsx")},
                           content_type="multipart/form-data")
        assert sent.status_code == 303
        pages.append(wait_page(client, sent.headers["Location"]))
    for html in pages:
        assert "有误 <strong>0</strong> 行" in html and "已登记" not in html and 'value="all"' in html
