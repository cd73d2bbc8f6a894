"""Who reported an incident (上报人): shown in full, and audited, to a viewer with
``people.read_sensitive`` on the incident's grid; masked for everyone else; on the page, in the
API detail and in the ledger."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from core.models.audit import AuditEntry
from core.tenancy import tenant_context
from tests.core.residents.conftest import csrf_of
from tests.plugins.incidents.conftest import base


def _resident_report(client, town, category_id, name="王秀兰", phone="13812345678"):
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    resp = client.post(url, data={"csrf_token": csrf_of(client.get(url).data), "category_id": str(category_id),
                                  "description": "村口路灯不亮", "name": name, "phone": phone})
    assert resp.status_code == 302
    with tenant_context(town.tenant):
        from plugins.incidents.models import Incident

        return db.session.scalar(select(Incident.id).order_by(Incident.id.desc()))


def _audits(town, action):
    with tenant_context(town.tenant):
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        out = [(r.user_id, r.object_id, r.after) for r in rows]
        db.session.rollback()
        return out


def test_the_leader_sees_the_reporter_and_the_read_is_audited(town, api_as, client, category_id):
    incident_id = _resident_report(client, town, category_id)
    leader = api_as(town.leader)  # 网格长: people.read_sensitive on the village
    body = leader.get(f"{base(town)}/{incident_id}").get_json()
    assert body["reporter"] == {"name": "王秀兰", "phone": "13812345678", "masked": False}
    page = leader.get(f"/t/{town.tenant.slug}/incidents/{incident_id}").get_data(as_text=True)
    assert "王秀兰" in page and 'href="tel:13812345678"' in page
    assert _audits(town, "incidents.read_reporter") == [(town.leader.id, str(incident_id), None)] * 2


def test_a_worker_without_personal_data_permission_sees_it_masked_unaudited(town, api_as, client, category_id):
    incident_id = _resident_report(client, town, category_id)
    worker = api_as(town.worker1)  # 网格员: may handle it, may not read personal data in full
    body = worker.get(f"{base(town)}/{incident_id}").get_json()
    assert body["reporter"] == {"name": "王**", "phone": "138****5678", "masked": True}
    page = worker.get(f"/t/{town.tenant.slug}/incidents/{incident_id}").get_data(as_text=True)
    assert "王**" in page and "138****5678" in page and "13812345678" not in page and "王秀兰" not in page
    assert _audits(town, "incidents.read_reporter") == []


def test_an_anonymous_report_shows_no_reporter_and_audits_nothing(town, api_as, client, category_id):
    incident_id = _resident_report(client, town, category_id, name="", phone="")
    body = api_as(town.leader).get(f"{base(town)}/{incident_id}").get_json()
    assert body["reporter"] == {"name": None, "phone": None, "masked": False}
    assert _audits(town, "incidents.read_reporter") == []


def test_the_ledger_carries_the_reporter_masked_by_reach(town, api_as, client, category_id, create_user):
    incident_id = _resident_report(client, town, category_id)
    admin = create_user(roles=[(town.tenant, "township_admin")])

    def ledger_row(user):
        resp = api_as(user).get(f"{base(town)}/ledger.xlsx")
        assert resp.status_code == 200
        ws = load_workbook(io.BytesIO(resp.data)).active
        header = [c.value for c in ws[1]]
        row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == incident_id)
        return row[header.index("上报人")], row[header.index("联系电话")]

    assert ledger_row(town.staff) == ("王**", "138****5678")  # 乡镇工作人员: no people.read_sensitive
    assert _audits(town, "incidents.export_reporters") == []
    assert ledger_row(admin) == ("王秀兰", "13812345678")
    assert _audits(town, "incidents.export_reporters") == [(admin.id, None, {"reporters": 1})]


def test_a_grid_workers_own_report_names_the_colleague_unmasked(town, api_as, report):
    inc = report()  # by 网格员甲, with no phone
    body = api_as(town.worker1).get(f"{base(town)}/{inc['id']}").get_json()
    assert body["reporter"] == {"name": "网格员甲", "phone": None, "masked": False}
    assert _audits(town, "incidents.read_reporter") == []
