"""A printed 随手拍 QR code keeps reaching its grid: the URL carries the grid's public token, which
survives a move (whose old code a new sibling then takes), a rename and a merge; so does the
Open311 default grid. Old code-based QR codes are matched to the codes of their time only."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError
from sqlalchemy import select, update

from core.db import db
from core.grid.models import Grid
from core.modules import module_settings
from tenants.modules import update_settings
from core.tenancy import tenant_context
from plugins.incidents.models import Incident
from tests.plugins.incidents.conftest import base


def _grid_api(town):
    return f"/api/v1/t/{town.tenant.slug}/grids"


def _printed_url(api, town, grid) -> str:
    """The report URL on the grid's printable QR page, as it would be printed."""
    html = api.get(f"/t/{town.tenant.slug}/incidents/grids/{grid.token}/qr").get_data(as_text=True)
    return re.search(r"http://localhost(/t/[^<\s]+/incidents/q/[A-Za-z0-9_-]+)", html).group(1)


def _csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def _grid(town, grid_id) -> Grid:
    with tenant_context(town.tenant):
        return db.session.get(Grid, grid_id)


def test_printed_qr_survives_a_move_and_a_sibling_taking_the_old_code(town, api_as, client, category_id):
    staff = api_as(town.staff)
    url = _printed_url(staff, town, town.g2)
    old_code = town.g2.code
    # g2 moves to the other village: its code changes ...
    moved = staff.patch(f"{_grid_api(town)}/{town.g2.id}", json={"parent_id": town.other_village.id})
    assert moved.status_code == 200 and moved.get_json()["code"] != old_code
    # ... and the next grid added in its old place is handed the old code
    newcomer = staff.post(_grid_api(town), json={"name": "新来网格", "parent_id": town.village.id}).get_json()
    assert newcomer["code"] == old_code
    assert staff.patch(f"{_grid_api(town)}/{town.g2.id}", json={"name": "第二网格（改名）"}).status_code == 200
    form = client.get(url)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "第二网格（改名）" in html and "新来网格" not in html
    sent = client.post(url, data={"csrf_token": _csrf(form.data), "category_id": str(category_id),
                                  "description": "楼道灯坏了"})
    assert sent.status_code == 302
    with tenant_context(town.tenant):
        assert db.session.scalar(select(Incident.grid_id).where(Incident.description == "楼道灯坏了")) == town.g2.id
    # the token never changed, and the newcomer has its own
    assert _grid(town, town.g2.id).public_token == town.g2.token
    assert _grid(town, newcomer["id"]).public_token != town.g2.token


def test_merged_grids_qr_leads_to_the_grid_it_joined_and_archived_ones_to_nothing(town, api_as, client):
    staff = api_as(town.staff)
    url = _printed_url(staff, town, town.g1)
    merged = staff.post(f"{_grid_api(town)}/{town.g1.id}/merge", json={"target_id": town.g2.id})
    assert merged.status_code == 200
    html = client.get(url).get_data(as_text=True)
    assert "第二网格" in html and "第一网格" not in html
    # merged once more: the chain is followed to the grid that is still there
    assert staff.post(f"{_grid_api(town)}/{town.g2.id}/merge", json={"target_id": town.g3.id}).status_code == 200
    assert "一组网格" in client.get(url).get_data(as_text=True)
    # archived without a merge: the printed code is withdrawn with the grid
    lone = staff.post(_grid_api(town), json={"name": "临时网格", "parent_id": town.other_village.id}).get_json()
    lone_url = f"/t/{town.tenant.slug}/incidents/q/{_grid(town, lone['id']).public_token}"
    assert client.get(lone_url).status_code == 200
    assert staff.post(f"{_grid_api(town)}/{lone['id']}/archive").status_code == 200
    assert client.get(lone_url).status_code == 404


def test_old_code_qr_codes_match_the_codes_of_their_time_only(town, api_as, client):
    staff = api_as(town.staff)
    with tenant_context(town.tenant):  # as the migration left a grid printed before tokens
        db.session.execute(update(Grid).where(Grid.id == town.g2.id).values(legacy_code=town.g2.code))
        db.session.commit()
    old_url = f"/t/{town.tenant.slug}/incidents/report/{town.g2.code}"
    assert staff.patch(f"{_grid_api(town)}/{town.g2.id}", json={"parent_id": town.other_village.id}).status_code == 200
    newcomer = staff.post(_grid_api(town), json={"name": "新来网格", "parent_id": town.village.id}).get_json()
    assert newcomer["code"] == town.g2.code
    resp = client.get(old_url)
    assert resp.status_code == 301 and resp.headers["Location"].endswith(f"/incidents/q/{town.g2.token}")
    # today's code of a grid made since is no old QR code: nothing to take over
    assert client.get(f"/t/{town.tenant.slug}/incidents/report/{town.g1.code}").status_code == 404


def test_open311_default_grid_is_kept_as_a_token(town, api_as, client, db_session):
    staff = api_as(town.staff)
    update_settings(town.tenant, "incidents", {"open311_anonymous_post": True, "open311_default_grid": town.g2.code})
    db.session.commit()
    assert module_settings(town.tenant, "incidents")["open311_default_grid"] == town.g2.token
    with pytest.raises(ValidationError) as bad:
        update_settings(town.tenant, "incidents", {"open311_default_grid": "999999"})
    assert "open311_default_grid" in bad.value.messages
    db.session.rollback()
    assert staff.patch(f"{_grid_api(town)}/{town.g2.id}", json={"parent_id": town.other_village.id}).status_code == 200
    assert staff.post(_grid_api(town), json={"name": "新来网格", "parent_id": town.village.id}).status_code == 201
    resp = client.post(f"{base(town)}/open311/requests.json", data={"service_code": "facility_road", "description": "路面塌陷"})
    assert resp.status_code == 201, resp.get_json()
    rid = int(resp.get_json()[0]["service_request_id"])
    with tenant_context(town.tenant):
        assert db.session.get(Incident, rid).grid_id == town.g2.id
    by_token = client.post(f"{base(town)}/open311/requests.json", data={
        "service_code": "facility_road", "description": "井盖缺失", "attribute[grid_token]": town.g1.token})
    assert by_token.status_code == 201
    unknown = client.post(f"{base(town)}/open311/requests.json", data={
        "service_code": "facility_road", "description": "井盖缺失", "attribute[grid_token]": "nosuchtoken123"})
    assert unknown.status_code == 400


def test_grid_detail_shows_the_public_token(town, api_as):
    detail = api_as(town.staff).get(f"{_grid_api(town)}/{town.g1.id}").get_json()
    assert detail["public_token"] == town.g1.token and len(town.g1.token) == 16
