"""Masking that cannot be undone (脱敏不可逆): for a user who may not see a resident's ID number,
nothing else they can see or ask gives it away. Birth date and gender (which the number encodes)
are masked with it in the API, the pages, the edit form and the export; exact searches by ID
number or phone match only residents the searcher may see unmasked; and a clash on an ID
number names no one, is audited, and stops a user who keeps meeting clashes."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

from sqlalchemy import select

from core.db import db
from core.models import AuditEntry
from core.tenancy import tenant_context

from .conftest import grid_of, new_id

BORN = dt.date(1983, 11, 27)


def base(town):
    return f"/api/v1/t/{town.slug}"


def _seed(town, add_person):
    number = new_id(born=BORN, gender="female")
    pid = add_person(town, "钱七", town.grids["东一网格"], id_number=number, mobile="13812349876")
    return pid, number


def _leaks(text: str, number: str) -> list[str]:
    found = [s for s in (number, "13812349876", BORN.isoformat(), "1983/11/27", "1983年11月27日") if s in text]
    return found


def test_birth_date_and_gender_follow_the_id_numbers_masking(town, add_person, api_as, create_user, admin):
    pid, number = _seed(town, add_person)
    worker = api_as(create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))]))
    body = worker.get(f"{base(town)}/people/{pid}").get_json()
    assert body["masked"] and body["birth_date"] is None and body["gender"] is None
    assert body["id_number"] == number[:4] + "*" * 13 + number[-1]
    listed = worker.get(f"{base(town)}/people").get_json()["items"][0]
    assert listed["birth_date"] is None and listed["gender"] is None
    for url in (f"/t/{town.slug}/people/{pid}", f"/t/{town.slug}/people/{pid}/edit", f"/t/{town.slug}/people/"):
        page = worker.get(url)
        assert page.status_code == 200 and not _leaks(page.get_data(as_text=True), number), url
    # who may see the number sees the rest, in lists as well
    full = api_as(admin).get(f"{base(town)}/people/{pid}").get_json()
    assert (full["birth_date"], full["gender"]) == (BORN.isoformat(), "female")
    assert api_as(admin).get(f"{base(town)}/people").get_json()["items"][0]["birth_date"] == BORN.isoformat()


def test_a_masked_edit_form_saved_unchanged_keeps_the_birth_date(town, add_person, api_as, create_user):
    from tests.core.auth.conftest import csrf_of

    pid, number = _seed(town, add_person)
    worker = api_as(create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))]))
    token = csrf_of(worker.client, f"/t/{town.slug}/people/{pid}/edit")
    resp = worker.client.post(f"/t/{town.slug}/people/{pid}/edit",
                              data={"csrf_token": token, "name": "钱七", "grid_id": str(town.grids["东一网格"]),
                                    "id_number": "", "mobile": "", "birth_date": "", "gender": "", "status": "living"})
    assert resp.status_code in (200, 302), resp.get_data(as_text=True)[:500]
    from core.people.models import Person

    with tenant_context(town):
        person = db.session.get(Person, pid)
        assert (person.birth_date, person.gender, person.id_number) == (BORN, "female", number)


def test_masked_export_has_no_birth_dates(town, add_person, api_as, create_user):
    pid, number = _seed(town, add_person)
    staff = api_as(create_user(roles=[(town, "township_staff")]))  # exports, may not read sensitive
    resp = staff.get(f"{base(town)}/people/export.xlsx")
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as book:
        text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(resp.data))["居民"]
    row = [c.value for c in next(sheet.iter_rows(min_row=2))]
    assert row[0] == "钱七" and row[2] is None and row[1] == "*"
    assert not _leaks(text, number)


def test_exact_number_searches_only_find_whom_the_user_may_see_unmasked(town, add_person, api_as, create_user):
    pid, number = _seed(town, add_person)
    west = add_person(town, "孙八", town.grids["西一网格"], id_number=(west_number := new_id()), mobile="13900007777")
    worker = api_as(create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))]))
    for name, value in (("id_number", number), ("mobile", "13812349876")):
        resp = worker.get(f"{base(town)}/people", query_string={name: value})
        assert resp.status_code == 403 and name in resp.get_json()["error"]["fields"]
    for q in (number, "13812349876"):  # the free-text box finds no one by number either
        assert worker.get(f"{base(town)}/people", query_string={"q": q}).get_json()["items"] == []
        assert "钱七" not in worker.get(f"/t/{town.slug}/people/", query_string={"q": q}).get_data(as_text=True)
    # township staff who read everyone but see numbers unmasked only on one grid (网格警员 there)
    mixed = api_as(create_user(roles=[(town, "township_staff"), (town, "grid_police", grid_of(town, "东一网格"))]))
    found = mixed.get(f"{base(town)}/people", query_string={"id_number": number}).get_json()["items"]
    assert [p["id"] for p in found] == [pid]
    assert mixed.get(f"{base(town)}/people", query_string={"id_number": west_number}).get_json()["items"] == []
    assert mixed.get(f"{base(town)}/people", query_string={"q": "13900007777"}).get_json()["items"] == []
    police = api_as(create_user(roles=[(town, "grid_police", grid_of(town, "西村"))]))
    assert [p["id"] for p in police.get(f"{base(town)}/people", query_string={"q": west_number}).get_json()["items"]] == [west]


def test_an_id_clash_names_no_one_is_audited_and_is_limited(app, town, add_person, api_as, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "PEOPLE_ID_CLASH_LIMIT", "3 per hour")
    west = add_person(town, "孙八", town.grids["西一网格"], id_number=(west_number := new_id()))
    user = create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))])
    worker = api_as(user)
    body = {"name": "冒名", "id_number": west_number, "grid_id": town.grids["东一网格"]}
    for _ in range(3):
        resp = worker.post(f"{base(town)}/people", json=body)
        assert resp.status_code == 409
        text = resp.get_data(as_text=True)
        assert "孙八" not in text and "西一" not in text and str(west) not in text and "范围" not in text
    assert worker.post(f"{base(town)}/people", json=body).status_code == 429
    with tenant_context(town):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.id_clash")).all()
        assert len(entries) >= 3 and {e.object_id for e in entries} == {str(west)}
        assert {e.user_id for e in entries} == {user.id}


def test_the_masked_id_number_keeps_no_digit_that_gives_the_gender(town, add_person, api_as, create_user):
    """The 17th digit is odd for men and even for women: a mask keeping the last four digits shows
    the gender that is masked beside it. Only the region and the check digit are kept."""
    numbers = {add_person(town, name, town.grids["东一网格"], id_number=(n := new_id(born=BORN, gender=g))): n
               for name, g in (("男一", "male"), ("女一", "female"))}
    worker = api_as(create_user(roles=[(town, "grid_worker", grid_of(town, "东村"))]))
    staff = api_as(create_user(roles=[(town, "township_staff")]))
    for api in (worker, staff):
        listed = {p["id"]: p for p in api.get(f"{base(town)}/people").get_json()["items"]}
        for pid, number in numbers.items():
            detail = api.get(f"{base(town)}/people/{pid}").get_json()
            for body in (listed[pid], detail):
                assert body["gender"] is None and body["birth_date"] is None
                assert body["id_number"] == number[:4] + "*" * 13 + number[-1]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(staff.get(f"{base(town)}/people/export.xlsx").data))["居民"]
    exported = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(exported) == sorted(n[:4] + "*" * 13 + n[-1] for n in numbers.values())
