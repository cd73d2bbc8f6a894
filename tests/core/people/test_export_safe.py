"""The register export goes through the core export helper: no formula, no control character
reaches the sheet, and the export still reads back in unchanged."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.people.models import Person
from core.tenancy import tenant_context
from tests.core.people.test_import_export import upload

NOTES = ['=HYPERLINK("http://evil.example","x")', "+1", "@SUM(A1)", "-2", "独居\x01老人"]


def test_people_export_neutralises_formulas_and_reimports(town, admin, api_as, add_person):
    for i, note in enumerate(NOTES):
        add_person(town, f"居民{i}", town.grids["东一网格"], notes=note)
    api = api_as(admin)
    resp = api.get(f"/api/v1/t/{town.slug}/people/export.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book["居民"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    header = [c.value for c in sheet[1]]
    notes = {row[0].value: row[header.index("备注")] for row in sheet.iter_rows(min_row=2)}
    assert [notes[f"居民{i}"].value for i in range(5)] == [
        '\'=HYPERLINK("http://evil.example","x")', "'+1", "'@SUM(A1)", "'-2", "独居老人"]
    assert all(notes[f"居民{i}"].data_type == "s" for i in range(5))
    # reading our own export back restores the text (the control character stays dropped)
    assert upload(api, town, resp.data, "all").get_json()["updated"] == 5
    with tenant_context(town):
        stored = dict(db.session.execute(select(Person.name, Person.notes)).all())
    assert [stored[f"居民{i}"] for i in range(5)] == NOTES[:4] + ["独居老人"]
