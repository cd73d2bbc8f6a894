"""The module's hooks: its own announcements reach other plugins inside the same transaction,
and its answers to core's hooks (people, grids, setup, demo data)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ApiError
from core.modules import hooks
from core.plugins import hookimpl
from core.tenancy import tenant_context
from plugins.incidents.models import Category, Incident, Step
from tests.plugins.incidents.conftest import base


class Listener:
    """A stand-in for another module (e.g. points_bank) answering the incidents hooks."""

    def __init__(self):
        self.calls = []
        self.refuse = None

    def _seen(self, name, tenant, incident, extra=None):
        # the row is visible to the listener's queries: same session, same transaction
        in_db = db.session.scalar(select(Incident.state).where(Incident.id == incident.id))
        self.calls.append((name, tenant.id, incident.id, in_db, extra))
        if self.refuse == name:
            raise ApiError(409, "listener_refused", f"{name} refused by listener")

    @hookimpl(optionalhook=True)
    def incident_reported(self, tenant, incident):
        incident.linked_module, incident.linked_ref = "listener", "case-1"
        self._seen("reported", tenant, incident)

    @hookimpl(optionalhook=True)
    def incident_escalated(self, tenant, incident, step):
        self._seen("escalated", tenant, incident, (step.from_where, step.to_where))

    @hookimpl(optionalhook=True)
    def incident_resolved(self, tenant, incident):
        self._seen("resolved", tenant, incident)


@pytest.fixture
def listener(register_plugin):
    return register_plugin(Listener(), "incidents_test_listener")


def _count(town, model=Incident):
    with tenant_context(town.tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def test_hook_incident_reported(town, listener, api_as, category_id, report):
    inc = report()
    assert listener.calls == [("reported", town.tenant.id, inc["id"], "reported", None)]
    assert inc["linked_module"] == "listener" and inc["linked_ref"] == "case-1"
    listener.refuse = "reported"
    resp = api_as(town.worker1).post(base(town), json={"category_id": category_id, "grid_id": town.g1.id,
                                                       "description": "会被拒绝"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "listener_refused"
    assert _count(town) == 1 and _count(town, Step) == 1


def test_hook_incident_escalated(town, listener, api_as, report):
    inc = report()
    api = api_as(town.worker1)
    assert api.post(f"{base(town)}/{inc['id']}/escalate", json={"to": "parent", "note": "请村里"}).status_code == 200
    assert listener.calls[-1] == ("escalated", town.tenant.id, inc["id"], "reported", ("第一网格", "查冲村"))
    listener.refuse = "escalated"
    resp = api_as(town.leader).post(f"{base(town)}/{inc['id']}/escalate", json={"to": "office", "note": "再上"})
    assert resp.status_code == 409
    after = api.get(f"{base(town)}/{inc['id']}").get_json()
    assert after["level"] == "grid" and after["handling_grid_id"] == town.village.id and len(after["steps"]) == 2


def test_hook_incident_resolved(town, listener, api_as, report):
    inc = report()
    api = api_as(town.worker1)
    for action in ("accept", "start"):
        api.post(f"{base(town)}/{inc['id']}/{action}", json={})
    listener.refuse = "resolved"
    assert api.post(f"{base(town)}/{inc['id']}/resolve", json={}).status_code == 409
    assert api.get(f"{base(town)}/{inc['id']}").get_json()["state"] == "in_progress"
    listener.refuse = None
    assert api.post(f"{base(town)}/{inc['id']}/resolve", json={"note": "已修复"}).status_code == 200
    assert listener.calls[-1] == ("resolved", town.tenant.id, inc["id"], "resolved", None)


def test_hooks_not_called_for_other_township(town, listener, create_tenant, db_session):
    other = create_tenant()  # incidents not enabled
    names = lambda t: {i.plugin_name for i in hooks(t).dashboard_widgets.get_hookimpls()}  # noqa: E731
    assert "incidents" in names(town.tenant) and "incidents" not in names(other)


def test_setup_tenant_seeds_categories_idempotently(town, enable_module, api_as):
    names = [c["name"] for c in api_as(town.staff).get(f"{base(town)}/categories").get_json()]
    assert {"党建工作", "社会治安", "文明创建", "安全生产", "社会救助", "生态环境", "疫情防控", "矛盾纠纷", "群众求助"} <= set(names)
    before = _count(town, Category)
    enable_module(town.tenant, "incidents")
    assert _count(town, Category) == before
    cats = {c["code"]: c for c in api_as(town.staff).get(f"{base(town)}/categories").get_json()}
    assert cats["security"]["auto_escalate"] and cats["security"]["time_limit_hours"] == 24
    assert cats["dispute_family"]["parent_id"] == cats["dispute"]["id"]


def test_person_data_export_and_anonymised(app, town, report, db_session):
    from core.people.services import create_person

    with tenant_context(town.tenant):
        person_id = create_person({"name": "张三", "grid_id": town.g1.id}).id
        db.session.commit()
    inc = report(person_id=person_id, description="张三家门口下水道堵塞")
    person = SimpleNamespace(id=person_id, phone=None)
    registry = app.extensions["gridgov.plugins"]
    with tenant_context(town.tenant):
        exported = [a for a in registry.only("incidents").person_data_export(tenant=town.tenant, person=person) if "incidents" in a]
        assert exported[0]["incidents"][0]["description"] == "张三家门口下水道堵塞"
        registry.only("incidents").person_anonymised(tenant=town.tenant, person=person)
        db.session.commit()
        row = db.session.get(Incident, inc["id"])
        assert row.description == "（内容已匿名化）" and row.person_id is None and row.category_id  # row kept
        again = [a for a in registry.only("incidents").person_data_export(tenant=town.tenant, person=person) if "incidents" in a]
        assert again[0]["incidents"] == []


def test_grids_merged_and_grid_usage(app, town, report, api_as, db_session):
    from core.grid.models import Grid

    inc = report()
    registry = app.extensions["gridgov.plugins"]
    with tenant_context(town.tenant):
        g1, g2 = db.session.get(Grid, town.g1.id), db.session.get(Grid, town.g2.id)
        usage = [u for u in registry.only("incidents").grid_usage(tenant=town.tenant, grid=g1) if "未办结事件" in u]
        assert usage == [{"未办结事件": 1}]
        assert [u for u in registry.only("incidents").grid_usage(tenant=town.tenant, grid=g2) if "未办结事件" in u] == [{"未办结事件": 0}]
        registry.only("incidents").grids_merged(tenant=town.tenant, source=g1, target=g2)
        db.session.commit()
    moved = api_as(town.staff).get(f"{base(town)}/{inc['id']}").get_json()
    assert moved["grid_id"] == town.g2.id and moved["handling_grid_id"] == town.g2.id


def test_demo_data(app, town, db_session):
    only = app.extensions["gridgov.plugins"].only("incidents")
    with tenant_context(town.tenant):
        only.demo_data(tenant=town.tenant)
        db.session.commit()
        total = db.session.scalar(select(func.count(Incident.id)))
        states = dict(db.session.execute(select(Incident.state, func.count()).group_by(Incident.state)).all())
        only.demo_data(tenant=town.tenant)  # idempotent
        assert db.session.scalar(select(func.count(Incident.id))) == total
    assert total == 300 and states["closed"] > 150 and states.get("reported", 0) + states.get("accepted", 0) > 0


def test_hook_tenant_numbers(app, town, report, api_as, db_session):
    """The county comparison's headline numbers (``incidents.*``), this year so far."""
    inc = report()
    report()
    api = api_as(town.worker1)
    for action in ("accept", "start", "resolve", "close"):
        api.post(f"{base(town)}/{inc['id']}/{action}", json={})
    with tenant_context(town.tenant):
        answers = app.extensions["gridgov.plugins"].only("incidents").tenant_numbers(tenant=town.tenant)
    assert answers == [{"incidents.reported": 2, "incidents.closed": 1, "incidents.closure_rate": 0.5,
                        "incidents.overdue": 0, "incidents.settled_in_grid": 1, "incidents.satisfaction_rate": None}]


def test_person_sections_list_visible_incidents(app, town, report, api_as):
    """A person's page shows the incidents about them that the viewer's grids reach."""
    from core.people.services import create_person

    with tenant_context(town.tenant):
        person_id = create_person({"name": "王大爷", "grid_id": town.g1.id}).id
        db.session.commit()
    leak = report(person_id=person_id, description="王大爷家屋顶漏雨")
    with tenant_context(town.tenant):  # 07:30 in Beijing on 1 December is still 30 November in UTC
        db.session.get(Incident, leak["id"]).reported_at = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone.utc)
        db.session.commit()
    report(user=town.leader, grid=town.g2, person_id=person_id, description="第二网格的事")  # the resident in reach
    person = SimpleNamespace(id=person_id)
    only = app.extensions["gridgov.plugins"].only("incidents")
    from flask import g

    from core.auth.access import access_for

    for user, expected in ((town.worker1, ["王大爷家屋顶漏雨"]), (town.staff, ["第二网格的事", "王大爷家屋顶漏雨"])):
        with app.test_request_context(), tenant_context(town.tenant):
            g.access = access_for(user, town.tenant)
            sections = only.person_sections(tenant=town.tenant, person=person, user=user)
            rows = sections[0][0]["rows"]
            assert [value.split(" · ")[2] for _, value in rows] == expected
            assert f"#{leak['id']} 2026-12-01" in [label for label, _ in rows]
    with app.test_request_context(), tenant_context(town.tenant):
        g.access = access_for(town.worker1, town.tenant)
        assert only.person_sections(tenant=town.tenant, person=SimpleNamespace(id=999), user=town.worker1) == [[]]
