"""The module's hooks: its own announcement (typed, documented, tested by name), five_star's
evidence, and what it holds about a person (PIPL export and anonymising)."""
from __future__ import annotations

import datetime as dt
import inspect

import pluggy

from core.toolkit import hookimpl, hooks, tenant_context
from plugins.volunteer import hookspecs


def _specs():
    return {n: fn for n, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "gridgov_spec")}


def test_specs_are_past_tense_typed_tenant_first_and_scoped(app):
    specs = _specs()
    assert set(specs) == {"volunteer_service_completed"}
    pm = app.extensions["gridgov.plugins"].pm
    for name, fn in specs.items():
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].name == "tenant" and all(p.annotation is not inspect.Parameter.empty for p in params)
        assert "Tenant scope" in (fn.__doc__ or "") and name.endswith("ed")
        assert pm.hook.__dict__[name].spec is not None


def test_hook_volunteer_service_completed(town, api_as, volunteer, activity, phone, code, register_plugin):
    """Announced once per service inside its transaction, with the BRIEF's keys, for a resident
    volunteer carrying their person id."""
    seen = []

    class Points:
        @hookimpl
        def volunteer_service_completed(self, tenant, service):
            seen.append((tenant.id, service))

    register_plugin(Points(), "volunteer_points_listener")
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    household = admin.post(f"{base}/households", json={"grid_id": town.g2.id, "address": "幸福路9号"}).get_json()
    person = admin.post(f"{base}/people", json={"name": "居民志愿者", "household_id": household["id"],
                                               "mobile": "13612345678"}).get_json()
    vol = admin.post(f"{town.api}/volunteers", json={"person_id": person["id"], "confirm": True}).get_json()
    act = activity()
    ph = phone(vol)
    ph.post("/signups", json={"activity_id": act["id"]})
    ph.post("/scan", json={"code": code(act["id"])})
    out = ph.post("/scan", json={"code": code(act["id"])}).get_json()
    # a later correction changes the hours but does not announce again
    now = dt.datetime.now(dt.timezone.utc)
    from tests.plugins.volunteer.conftest import local_iso

    api_as(town.leader).patch(f"{town.api}/attendance/{out['id']}", json={
        "checked_in_at": local_iso(now - dt.timedelta(minutes=90)), "checked_out_at": local_iso(now),
        "reason": "补录签到时间"})
    assert len(seen) == 1
    tenant_id, service = seen[0]
    assert tenant_id == town.tenant.id
    assert set(service) == {"kind", "ref", "person_id", "volunteer_id", "hours", "grid_id", "occurred_at", "title"}
    assert service["person_id"] == person["id"] and service["kind"] == "activity"
    assert service["ref"] == f"attendance:{out['id']}" and service["title"] == act["title"]
    assert api_as(town.admin).get(f"{town.api}/hours").get_json()["items"][0]["hours"] == 1.5


def _star_spec(app):
    """five_star declares ``star_evidence``; when it is not installed, this test declares it."""
    pm = app.extensions["gridgov.plugins"].pm
    if "star_evidence" not in pm.hook.__dict__ or pm.hook.__dict__["star_evidence"].spec is None:
        import types

        def star_evidence(tenant, grid_id, start, end):
            """five_star's evidence (declared here only when five_star is not installed)."""

        spec = types.ModuleType("five_star_spec_for_volunteer_tests")
        spec.star_evidence = pluggy.HookspecMarker("gridgov")(star_evidence)
        pm.add_hookspecs(spec)


def test_star_evidence_counts_hours_and_party_members_in_the_subtree(app, town, api_as, volunteer):
    _star_spec(app)
    volunteer(name="党员甲", is_party_member=True, grid_id=town.g1.id)
    volunteer(name="群众乙", grid_id=town.g1.id)
    worker = api_as(town.worker1)
    item = worker.get(f"{town.api}/menu").get_json()["items"][0]
    order = worker.post(f"{town.api}/orders", json={"item_id": item["id"], "grid_id": town.g1.id,
                                                    "requester_name": "群众"}).get_json()
    vid = api_as(town.admin).get(f"{town.api}/volunteers?party=1").get_json()["items"][0]["id"]
    worker.post(f"{town.api}/orders/{order['id']}/claim", json={"volunteer_id": vid})
    worker.post(f"{town.api}/orders/{order['id']}/done", json={"hours": 2})
    worker.post(f"{town.api}/orders/{order['id']}/confirm", json={"rating": 4})
    now = dt.datetime.now(dt.timezone.utc)
    with app.app_context(), tenant_context(town.tenant):
        answers = hooks(town.tenant).star_evidence(tenant=town.tenant, grid_id=town.village.id,
                                                   start=now - dt.timedelta(days=30), end=now + dt.timedelta(days=1))
        later = hooks(town.tenant).star_evidence(tenant=town.tenant, grid_id=town.g2.id,
                                                 start=now - dt.timedelta(days=30), end=now + dt.timedelta(days=1))
    values = {e["key"]: e["value"] for answer in answers for e in answer}
    assert values == {"volunteer.hours": 2.0, "volunteer.registered_party_members": 1.0}
    assert {e["key"]: e["value"] for a in later for e in a} == {"volunteer.hours": 0.0,
                                                                "volunteer.registered_party_members": 0.0}
    assert all({"label_zh", "label_en", "unit"} <= set(e) for a in answers for e in a)


def test_a_persons_volunteer_data_is_exported_and_anonymised(town, api_as):
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.slug}"
    household = admin.post(f"{base}/households", json={"grid_id": town.g1.id, "address": "幸福路5号"}).get_json()
    person = admin.post(f"{base}/people", json={"name": "要删除的人", "household_id": household["id"],
                                               "mobile": "13612340000"}).get_json()
    vol = admin.post(f"{town.api}/volunteers", json={"person_id": person["id"], "skills": ["理发"],
                                                     "confirm": True}).get_json()
    page = admin.get(f"/t/{town.slug}/people/{person['id']}").get_data(as_text=True)
    assert "志愿服务" in page and "累计服务时长" in page
    export = admin.get(f"{base}/people/{person['id']}/data-export")
    assert export.status_code == 200 and "理发" in export.get_data(as_text=True)
    assert admin.post(f"{base}/people/{person['id']}/anonymise", json={}).status_code == 200
    shown = admin.get(f"{town.api}/volunteers/{vol['id']}").get_json()
    assert shown["name"] == "（已匿名）" and shown["status"] == "withdrawn" and shown["skills"] == []


def test_a_grids_page_shows_its_volunteers(town, api_as, volunteer):
    volunteer(name="网格志愿者", grid_id=town.g1.id)
    page = api_as(town.admin).get(f"/t/{town.slug}/grids/{town.g1.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<th>已报到志愿者</th><td>1</td>" in html
