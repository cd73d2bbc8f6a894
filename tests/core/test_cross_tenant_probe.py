"""Every route of every township, probed with another township's ids (the reliability suite's
cross-tenant walk). The admin of township B calls each of B's URLs with the ids, codes and
tokens of township A's rows: no answer may show A's data, none may be a 500, and afterwards A's
rows are exactly as they were. New routes are probed without anyone listing them here."""
from __future__ import annotations

from importlib.metadata import entry_points

import re

from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context
from tests.conftest import unique

MARKERS = ("甲镇绝密居民", "甲镇密道一号", "甲镇绝密网格", "甲镇机密事件", "甲镇绝密支部", "甲镇绝密商品")
# every installed module is on in both townships, so every module route is walked
# tests/fixtures/site's plugins that never start (and its rogue twin of incidents, probed as incidents)
NOT_MODULES = {"tenants", "civic_notes", "broken_example", "bad_manifest", "needs_missing"}
PROBED_MODULES = sorted({ep.name for ep in entry_points(group="gridgov.plugins")} - NOT_MODULES)
SAFE = {"GET"}


def _township_a(create_tenant, create_user, enable_module, api_as):
    from plugins.incidents.models import Category

    town = create_tenant(modules=PROBED_MODULES, levels=["村", "网格"])
    admin = create_user(roles=[(town, "township_admin")])
    api = api_as(admin)
    base = f"/api/v1/t/{town.slug}"
    grid = api.post(f"{base}/grids", json={"name": "甲镇绝密网格"}).get_json()
    household = api.post(f"{base}/households", json={"grid_id": grid["id"], "address": "甲镇密道一号"}).get_json()
    from core.people.identity import make_id_number
    import datetime as dt

    person = api.post(f"{base}/people", json={"name": "甲镇绝密居民", "household_id": household["id"],
                                               "id_number": make_id_number("340822", dt.date(1970, 1, 1), 77, "male"),
                                               "mobile": "13811112222"}).get_json()
    org = api.post(f"{base}/party-orgs", json={"grid_id": grid["id"], "kind": "branch", "name": "甲镇绝密支部"})
    duty = api.post(f"{base}/grids/{grid['id']}/duties", json={"duty": "building_head", "name": "楼长甲",
                                                                "phone": "13800000000"})
    with tenant_context(town):
        category_id = db.session.scalar(select(Category.id).limit(1))
    incident = api.post(f"{base}/incidents", json={"category_id": category_id, "grid_id": grid["id"],
                                                    "description": "甲镇机密事件", "place": "村口"}).get_json()
    token = api.post(f"{base}/tokens", json={"name": "脚本"}).get_json()
    card = _issue_card(api, town, household["id"])
    points = _points_of_a(api, base, household["id"])
    volunteer = api.post(f"{base}/volunteer/volunteers", json={"person_id": person["id"], "confirm": True}).get_json()
    assert person.get("id") and household.get("id") and incident.get("id"), (person, household, incident)
    values = {
        "grid_id": grid["id"], "person_id": person["id"], "household_id": household["id"],
        "incident_id": incident["id"], "request_id": incident["id"], "photo_id": incident["id"],
        "category_id": category_id, "org_id": (org.get_json() or {}).get("id", 1),
        "duty_id": (duty.get_json() or {}).get("id", 1), "user_id": admin.id, "token_id": token.get("id", 1),
        "assignment_id": 1, "grid_code": grid["code"], "code": grid["code"], "slug": town.slug,
        "token": _public_token(town, incident["id"]), "job_id": "0" * 32,
        "receipt": _receipt(town, incident["id"]), "card_token": card["token"], "card_pin": card["pin"],
        "name": "incidents", "role": "grid_worker", "permission": "people.export", "action": "accept",
        "kind": "incidents.categories", "key": "security",  # county templates: the township's own standing
        **points,
        "volunteer_id": volunteer["id"],
    }
    # the probe's own control: in A, by A's admin, these ids do show A's rows
    assert "甲镇绝密居民" in api.get(f"/t/{town.slug}/people/{person['id']}").get_data(as_text=True)
    assert "甲镇机密事件" in api.get(f"{base}/incidents/{incident['id']}").get_data(as_text=True)
    return town, values


def _issue_card(api, town, household_id: int) -> dict:
    from tests.core.residents.conftest import faces

    resp = api.post(f"/t/{town.slug}/people/households/{household_id}/card")
    assert resp.status_code == 200, resp.status_code
    return faces(resp.get_data(as_text=True))[0]


def _sign_in_phone(client, face: dict) -> None:
    from tests.core.residents.conftest import csrf_of

    page = client.get(face["path"])
    resp = client.post(face["path"], data={"csrf_token": csrf_of(page.data), "pin": face["pin"]})
    assert resp.status_code == 303, resp.status_code


def _receipt(town, incident_id: int) -> str:
    from plugins.incidents.models import Incident

    with tenant_context(town):
        return db.session.scalar(select(Incident.receipt).where(Incident.id == incident_id))
def _points_of_a(api, base: str, household_id: int) -> dict:
    """A's points: an account (named after the household's address), a transaction, a redemption."""
    scheme = next(s for s in api.get(f"{base}/points_bank/schemes").get_json() if s["kind"] == "household")
    rules = api.get(f"{base}/points_bank/schemes/{scheme['id']}").get_json()["rules"]
    rule = next(r for r in rules if not r["needs_review"] and r["points"] > 0)
    txn = api.post(f"{base}/points_bank/entries", json={"scheme_id": scheme["id"], "rule_id": rule["id"],
                                                          "household_id": household_id}).get_json()
    item = api.post(f"{base}/points_bank/items", json={"name": "甲镇绝密商品", "price": 1, "stock": 3}).get_json()
    redemption = api.post(f"{base}/points_bank/redemptions", json={"account_id": txn["account_id"],
                                                                      "item_id": item["id"]}).get_json()
    assert txn.get("id") and redemption.get("id"), (txn, redemption)
    return {"scheme_id": scheme["id"], "rule_id": rule["id"], "txn_id": txn["id"], "account_id": txn["account_id"],
            "item_id": item["id"], "redemption_id": redemption["id"], "period_id": txn["period_id"]}


def _public_token(town, incident_id: int) -> str:
    from plugins.incidents.models import Incident

    with tenant_context(town):
        return db.session.scalar(select(Incident.public_token).where(Incident.id == incident_id))


def _snapshot(town) -> dict:
    from core.grid.models import Grid, GridDuty, PartyOrg
    from core.models import ApiToken, RoleAssignment
    from core.people.models import Household, Person, PersonTag
    from core.county_templates.models import TemplateAdoption
    from core.residents.models import HouseholdCard, ResidentDevice
    from plugins.incidents.models import Category, Incident
    from plugins.points_bank.models import Account, Item, Txn

    with tenant_context(town):
        snap = {
            "categories": db.session.execute(select(Category.id, Category.name, Category.time_limit_hours,
                                                    Category.active).order_by(Category.id)).all(),
            "adoptions": db.session.execute(select(TemplateAdoption.id, TemplateAdoption.version,
                                                   TemplateAdoption.overrides)).all(),
            "points": db.session.execute(select(Account.id, Account.balance).order_by(Account.id)).all(),
            "points_txns": db.session.execute(select(Txn.id, Txn.state).order_by(Txn.id)).all(),
            "stock": db.session.execute(select(Item.id, Item.stock, Item.price)).all(),
            "grids": db.session.execute(select(Grid.id, Grid.name, Grid.parent_id, Grid.status, Grid.path)
                                        .order_by(Grid.id)).all(),
            "people": db.session.execute(select(Person.id, Person.name, Person.grid_id, Person.status, Person.mobile,
                                                Person.anonymised_at).order_by(Person.id)).all(),
            "tags": db.session.execute(select(PersonTag.person_id, PersonTag.tag_id)).all(),
            "households": db.session.execute(select(Household.id, Household.grid_id, Household.address)).all(),
            "incidents": db.session.execute(select(Incident.id, Incident.state, Incident.grid_id, Incident.handling_grid_id,
                                                   Incident.satisfaction, Incident.household_id).order_by(Incident.id)).all(),
            "cards": db.session.execute(select(HouseholdCard.id, HouseholdCard.status, HouseholdCard.failed_pins,
                                               HouseholdCard.locked_until).order_by(HouseholdCard.id)).all(),
            "devices": db.session.execute(select(ResidentDevice.id, ResidentDevice.revoked_at)
                                          .order_by(ResidentDevice.id)).all(),
            "orgs": db.session.execute(select(PartyOrg.id, PartyOrg.name)).all(),
            "duties": db.session.execute(select(GridDuty.id, GridDuty.name)).all(),
            "roles": db.session.execute(select(RoleAssignment.id, RoleAssignment.role, RoleAssignment.user_id)).all(),
            "tokens": db.session.execute(select(ApiToken.id, ApiToken.revoked_at)).all(),
        }
        db.session.rollback()
    return snap


def _url(rule, tenant_slug: str, values: dict) -> str:
    def fill(match):
        converter, name = match.group(1), match.group(2)
        if name == "tenant":
            return tenant_slug
        if converter and converter.startswith("any("):
            return re.findall(r"\w+", converter[4:])[0]
        return str(values.get(name, 1))

    return re.sub(r"<(?:([^:>]+):)?(\w+)>", fill, rule.rule)


def test_no_route_shows_or_changes_another_townships_rows(app, create_tenant, create_user, enable_module, api_as,
                                                         reliability):
    town_a, values = _township_a(create_tenant, create_user, enable_module, api_as)
    town_b = create_tenant(modules=PROBED_MODULES, levels=["村", "网格"])
    admin_b = create_user(roles=[(town_b, "township_admin")])
    probe = api_as(admin_b)
    # township B's own household card, signed in on the probe's phone (the same cookie jar)
    grid_b = probe.post(f"/api/v1/t/{town_b.slug}/grids", json={"name": "乙镇网格"}).get_json()
    household_b = probe.post(f"/api/v1/t/{town_b.slug}/households", json={"grid_id": grid_b["id"], "address": "乙镇一号"}).get_json()
    _sign_in_phone(probe.client, _issue_card(probe, town_b, household_b["id"]))
    assert probe.get(f"/r/{town_b.slug}/").status_code == 200
    before = _snapshot(town_a)
    seen, problems, statuses, resident_statuses = 0, [], {}, {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "tenant" not in rule.arguments:
            continue
        resident = rule.rule.startswith("/r/")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            url = _url(rule, town_b.slug, {**values, "token": values["card_token"]} if resident else values)
            kwargs = {} if method in SAFE else ({"json": {}} if url.startswith("/api/") else {"data": {"x": ""}})
            resp = getattr(probe, method.lower())(url, **kwargs)
            seen += 1
            if resident:
                resident_statuses[f"{method} {rule.rule}"] = resp.status_code
            body = resp.get_data(as_text=True) if not resp.is_streamed else ""
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            if resp.status_code >= 500:
                problems.append(f"{method} {url}: {resp.status_code}")
            leaked = [m for m in MARKERS if m in body]
            if leaked:
                problems.append(f"{method} {url}: shows {leaked}")
    assert seen > 100 and statuses.get(404, 0) > 30, statuses
    assert not problems, "\n".join(problems)
    assert _snapshot(town_a) == before
    routes = len({r.rule for r in app.url_map.iter_rules() if 'tenant' in r.arguments})
    reliability("probe", seen, f"{routes} routes of {len(PROBED_MODULES)} modules, each method, as another township's admin",
                lost=0, errors_5xx=sum(n for s, n in statuses.items() if s >= 500))
    # the phone stayed signed in to B throughout: its own pages answered, A's tokens found nothing
    assert resident_statuses["GET /r/<tenant>/"] == 200 and resident_statuses["GET /r/<tenant>/incidents/report"] == 200
    assert resident_statuses["GET /r/<tenant>/card/<token>"] == 404
    assert resident_statuses["GET /r/<tenant>/incidents/track/<receipt>"] == 404, resident_statuses
    # A's card typed in at B's portal, with its right PIN, opens nothing and counts nothing against A
    from tests.core.residents.conftest import csrf_of

    phone = app.test_client()
    page = phone.get(f"/r/{town_b.slug}/signin")
    typed = phone.post(f"/r/{town_b.slug}/signin", data={"csrf_token": csrf_of(page.data), "pin": values["card_pin"],
                                                          "number": _card_number(town_a)})
    assert typed.status_code == 404 and not any(m in typed.get_data(as_text=True) for m in MARKERS)
    assert _snapshot(town_a) == before
    # a signed-in stranger, member of no township, gets nothing of A but its public pages
    from core.auth.decorators import rule_of

    stranger = api_as(create_user(unique("nobody")))
    for rule in app.url_map.iter_rules():
        if "tenant" not in rule.arguments or "GET" not in (rule.methods or set()):
            continue
        resp = stranger.get(_url(rule, town_a.slug, values))
        kind = rule_of(app.view_functions[rule.endpoint]).kind
        if kind == "public":
            assert resp.status_code < 500, rule.rule
        elif kind == "resident":  # a phone without A's card: the PIN page
            assert resp.status_code in (303, 404), (rule.rule, resp.status_code)
        else:
            assert resp.status_code in (401, 403, 404), (rule.rule, resp.status_code)


def _card_number(town) -> str:
    from core.residents.models import HouseholdCard

    with tenant_context(town):
        return db.session.scalar(select(HouseholdCard.number))
