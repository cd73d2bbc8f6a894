"""A control character in a resident's report is dropped where input enters (core/inputs.py), and
the ledger .xlsx still downloads (one ``\\x01`` used to make it a 500 for good)."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select, update

from core.db import db
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.plugins.incidents.conftest import base


def test_anonymous_report_with_a_control_character_keeps_the_ledger_downloadable(town, client, api_as, category_id):
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    token = re.search(rb'name="csrf_token" value="([^"]+)"', client.get(url).data).group(1).decode()
    resp = client.post(url, data={"csrf_token": token, "category_id": str(category_id),
                                  "description": "井盖\x01缺失\x7f", "place": "东\x1b门", "name": "张\x00三"})
    assert resp.status_code == 302
    with tenant_context(town.tenant):
        row = db.session.scalar(select(Incident))
        assert (row.description, row.place, row.reporter_name) == ("井盖缺失", "东门", "张三")
        # a row stored before input was cleaned still exports: the export helper drops it too
        db.session.execute(update(Incident).where(Incident.id == row.id).values(place="旧\x01数据"))
        db.session.commit()
    ledger = api_as(town.staff).get(f"{base(town)}/ledger.xlsx")
    assert ledger.status_code == 200
    cells = [c.value for r in load_workbook(io.BytesIO(ledger.data)).active.iter_rows(min_row=2) for c in r]
    assert "井盖缺失" in cells and "旧数据" in cells


def test_json_bodies_and_query_strings_are_cleaned_too(town, api_as, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), json={"category_id": category_id, "grid_id": town.g1.id,
                                      "description": "路灯\x01坏了\n第二行\t完", "place": "村\x02口"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["description"], body["place"]) == ("路灯坏了\n第二行\t完", "村口")  # tab and newline kept
    listed = api.get(base(town), query_string={"state\x01": "reported"})  # the name is cleaned, so it is known
    assert listed.status_code == 200, listed.get_json()
