"""The numbers the township reports: per room, mediator, type, grid and month, with the success
rate's rule stated, median days to outcome and agreements holding at follow-up; the ledger."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.plugins.mediation.conftest import base, step, to_agreement


def _cases(api_as, town, take_in):
    a = to_agreement(api_as, town, take_in())
    b = to_agreement(api_as, town, take_in(dispute_type="family"))
    api = api_as(town.med_a)
    api.post(f"{base(town)}/cases/{a['id']}/followups", json={"holds": True})
    api.post(f"{base(town)}/cases/{b['id']}/followups", json={"holds": False, "then": "refer",
                                                              "referral_kind": "court", "referral_body": "法院"})
    c = take_in()
    step(api, town, c["id"], "decline", reason="不属于受理范围")
    d = take_in(grid_id=town.g3, parties=[{"person_id": town.people["王五"]}])
    staff = api_as(town.staff)
    step(staff, town, d["id"], "accept")
    step(staff, town, d["id"], "assign", mediator_ids=[town.mediators["med_b"]])
    step(staff, town, d["id"], "session", notes="谈")
    step(staff, town, d["id"], "fail", note="不成")
    return a, b, c, d


def test_numbers_per_room_mediator_type_and_grid(api_as, town, take_in):
    _cases(api_as, town, take_in)
    n = api_as(town.staff).get(f"{base(town)}/numbers").get_json()
    total = n["total"]
    assert (total["taken_in"], total["accepted"], total["declined"]) == (4, 3, 1)
    assert (total["agreements"], total["referred"], total["failed"], total["concluded"]) == (1, 1, 1, 3)
    assert total["success_rate"] == round(1 / 3, 4) and "已办结" in n["success_rate_rule"]
    assert (total["followed_up"], total["holding"]) == (2, 1) and total["median_days"] == 0.0
    rooms = {r["name"]: r for r in n["by"]["room"]}
    assert rooms["查冲村调解室"]["taken_in"] == 3 and rooms["新安村调解室"]["failed"] == 1
    mediators = {r["name"]: r["concluded"] for r in n["by"]["mediator"]}
    assert mediators == {"周法官": 2, "吴警官": 1}
    types = {r["key"]: r["taken_in"] for r in n["by"]["dispute_type"]}
    assert types == {"neighbours": 3, "family": 1}
    grids = {r["name"]: r["taken_in"] for r in n["by"]["grid"]}
    assert grids == {"查冲村": 3, "新安村": 1}
    assert len(n["by"]["month"]) == 1
    # a mediator sees the numbers of the cases they reach; filters by room and period
    mine = api_as(town.med_b).get(f"{base(town)}/numbers").get_json()["total"]
    assert mine["taken_in"] == 1 and mine["failed"] == 1
    room = api_as(town.staff).get(f"{base(town)}/numbers?room_id={town.room_b}").get_json()["total"]
    assert room["taken_in"] == 1
    past = api_as(town.staff).get(f"{base(town)}/numbers?to=2020-01-01").get_json()["total"]
    assert past["taken_in"] == 0 and past["success_rate"] is None
    resp = api_as(town.staff).get(f"{base(town)}/numbers?from=yesterday")
    assert resp.status_code == 422 and "from" in resp.get_json()["error"]["fields"]
    assert api_as(town.staff).get(f"{base(town)}/numbers?room_id=x").status_code == 422


def test_ledger_xlsx(api_as, town, take_in):
    a, *_ = _cases(api_as, town, take_in)
    resp = api_as(town.staff).get(f"{base(town)}/ledger.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.values)
    assert rows[0][:4] == ("案号", "受理日期", "调解室", "网格") and len(rows) == 5
    first = [r for r in rows[1:] if r[0] == a["number"]][0]
    assert "达成协议" in first and "邻里纠纷" in first and "周法官" in first
    assert api_as(town.med_a).get(f"{base(town)}/ledger.xlsx").status_code == 403


def test_ledger_neutralises_formulas(api_as, town, take_in):
    take_in(parties=[{"name": "=HYPERLINK(1)", "phone": "13700000000"}])
    ws = load_workbook(io.BytesIO(api_as(town.staff).get(f"{base(town)}/ledger.xlsx").data)).active
    cell = [r for r in ws.values][1]
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in cell)
