"""An incident's ``person_id`` names a resident of this township within the reporter's reach:
another township's resident, or one outside the reporter's grids, is refused (422 naming the field)."""
from __future__ import annotations

from core.db import db
from core.people.services import create_person
from core.tenancy import tenant_context
from tests.plugins.incidents.conftest import base, make_town


def _person(town, grid, name):
    with tenant_context(town.tenant):
        person = create_person({"name": name, "grid_id": grid.id})
        db.session.commit()
        return person.id


def test_person_of_another_township_is_refused(town, category_id, api_as, create_tenant, create_grid, create_user):
    other = make_town(create_tenant, create_grid, create_user)
    stranger = _person(other, other.g1, "外镇居民")
    neighbour = _person(town, town.g2, "邻网格居民")
    mine = _person(town, town.g1, "本网格居民")
    api = api_as(town.worker1)
    body = {"category_id": category_id, "grid_id": town.g1.id, "description": "道路出现坑洼"}
    for person_id in (stranger, neighbour, 2_000_000):
        resp = api.post(base(town), json={**body, "person_id": person_id})
        assert resp.status_code == 422, resp.get_json()
        assert "person_id" in resp.get_json()["error"]["fields"]
    with tenant_context(town.tenant):
        from sqlalchemy import func, select

        from plugins.incidents.models import Incident

        assert db.session.scalar(select(func.count()).select_from(Incident)) == 0  # nothing half-saved
    resp = api.post(base(town), json={**body, "person_id": mine})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["person_id"] == mine
