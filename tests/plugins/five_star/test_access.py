"""Access to every five-star route: other townships' users get 404, members without the
permission 403, a township without the module 404, a village secretary only their own branch,
county routes only on the county. Routes are walked from the URL map."""
from __future__ import annotations

import threading

from core.auth.decorators import rule_of
from tests.plugins.five_star.conftest import YEAR, base, county_base, full_scores, make_town, star


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0].startswith("five_star") and not rule.endpoint.endswith(".static"):
            yield rule, rule_of(app.view_functions[rule.endpoint])


def _url(app, rule, slug, ids):
    values = {"tenant": slug, "year": YEAR, "code": "party", "slug": ids.get("slug", "x"), "verb": "return",
              "action": "submit", **{k: ids.get(k, 1) for k in rule.arguments if k.endswith("_id")}}
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments}, method=sorted(rule.methods)[0])


def _ids(town, approved_plan, api_as, standard):
    a = api_as(town.leader1).post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party",
                                                                     "year": YEAR}).get_json()
    crit = star(standard, "party")["tasks"][0]["criteria"][0]
    return {"plan_id": approved_plan["id"], "assessment_id": a["id"], "task_id": crit["id"], "criterion_id": crit["id"],
            "award_id": 1, "evidence_id": 1, "org_id": town.b1, "slug": town.tenant.slug}


def test_the_stylesheet_is_public(town, client):
    resp = client.get(f"/t/{town.tenant.slug}/five_star/five_star.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css" and b".cell-held" in resp.data


def test_every_route_declares_access(app):
    routes = list(_routes(app))
    assert len(routes) >= 25
    for rule, access in routes:
        assert access is not None and "<tenant>" in rule.rule, rule.rule


def test_other_townships_users_get_404_everywhere(app, town, api_as, standard, approved_plan, create_tenant,
                                                  create_grid, create_user, enable_module):
    ids = _ids(town, approved_plan, api_as, standard)
    other = make_town(create_tenant, create_grid, create_user, api_as, enable_module)
    outsider = api_as(other.admin)
    for rule, access in _routes(app):
        if access.kind == "public":  # the stylesheet
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for slug in (town.tenant.slug, town.county.slug):
                resp = getattr(outsider, method.lower())(_url(app, rule, slug, ids), json={})
                assert resp.status_code == 404, (method, rule.rule, slug, resp.status_code)


def test_own_township_cannot_reach_anothers_rows(town, api_as, standard, approved_plan, create_tenant, create_grid,
                                                 create_user, enable_module):
    ids = _ids(town, approved_plan, api_as, standard)
    other = make_town(create_tenant, create_grid, create_user, api_as, enable_module, county=town.county)
    own = api_as(other.admin)
    ob = base(other)
    assert own.get(f"{ob}/plans/{ids['plan_id']}").status_code == 404
    assert own.post(f"{ob}/plans/{ids['plan_id']}/approve", json={}).status_code == 404
    assert own.get(f"{ob}/assessments/{ids['assessment_id']}").status_code == 404
    assert own.post(f"{ob}/assessments/{ids['assessment_id']}/submit", json={}).status_code == 404
    assert own.patch(f"{ob}/criteria/{ids['criterion_id']}", json={"title": "x"}).status_code == 404
    assert own.get(f"{ob}/plans?year={YEAR}").get_json()["items"] == []
    # the county names the township in the URL: another township's id under this slug is not found
    url = f"{county_base(town)}/townships/{other.tenant.slug}/assessments/{ids['assessment_id']}/confirm"
    assert api_as(town.county_admin).post(url, json={"scores": {}}).status_code == 404


def test_members_without_the_permission_get_403(app, town, api_as, standard, approved_plan):
    ids = _ids(town, approved_plan, api_as, standard)
    worker = api_as(town.worker)
    checked = 0
    for rule, access in _routes(app):
        if access.kind != "permission" or "/county" in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = getattr(worker, method.lower())(_url(app, rule, town.tenant.slug, ids), json={})
            assert resp.status_code == 403, (method, rule.rule, resp.status_code)
            checked += 1
    assert checked >= 20


def test_a_village_secretary_acts_only_for_their_branch(town, api_as, standard, approved_plan):
    other = api_as(town.leader2)
    task = star(standard, "party")["tasks"][0]["id"]
    resp = other.post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR, "star_codes": ["party"],
                                                   "actions": [{"task_id": task, "action": "x", "owner": "y"}]})
    assert resp.status_code == 403
    assert other.post(f"{base(town)}/plans/{approved_plan['id']}/approve", json={}).status_code == 403
    resp = other.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR})
    assert resp.status_code == 403
    assert api_as(town.leader1).post(f"{base(town)}/awards/1/withdraw", json={}).status_code == 403


def test_county_routes_answer_404_on_a_township_and_a_township_without_the_module(town, api_as, create_tenant,
                                                                                   create_user):
    admin = api_as(town.admin)
    assert admin.get(f"/api/v1/t/{town.tenant.slug}/five_star/county/map").status_code == 404
    bare = create_tenant(county=town.county, modules=[])
    bare_admin = api_as(create_user(roles=[(bare, "township_admin")]))
    assert bare_admin.get(f"/api/v1/t/{bare.slug}/five_star/ranking").status_code == 404
    assert bare_admin.get(f"/t/{bare.slug}/five_star/").status_code == 404


def test_simultaneous_township_reviews_take_one_step(app, town, api_as, standard, approved_plan):
    """Six reviewers press 提交县级 on the same assessment at once: one step, the rest 409."""
    party = star(standard, "party")
    leader = api_as(town.leader1)
    a = leader.post(f"{base(town)}/assessments", json={"org_id": town.b1, "star_code": "party", "year": YEAR}).get_json()
    leader.post(f"{base(town)}/assessments/{a['id']}/submit", json={"scores": full_scores(party)})
    clients = [api_as(u) for u in (town.staff, town.admin) * 3]
    barrier = threading.Barrier(len(clients))
    answers, errors = [], []
    url, body = f"{base(town)}/assessments/{a['id']}/submit", {"scores": full_scores(party)}

    def press(client):
        try:
            barrier.wait()
            resp = client.post(url, json=body)
            answers.append((resp.status_code, (resp.get_json().get("error") or {}).get("code", "")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(s for s, _ in answers) == [200] + [409] * 5, answers
    assert {c for s, c in answers if s == 409} <= {"invalid_transition", "changed_meanwhile"}
    steps = leader.get(f"{base(town)}/assessments/{a['id']}").get_json()["steps"]
    assert [s["action"] for s in steps] == ["submit_self", "submit_township"]
