"""A county admin's script gets a county-level token (#17 item 20): issued on the county's URL,
it reads the county endpoints (its townships, their numbers), and it is refused on a township
(404, as another tenant) and for township data."""
from __future__ import annotations

from core.pytest_plugin import PASSWORD


def test_a_county_admin_gets_a_county_token_for_the_county_endpoints(app, create_user, create_county, create_tenant):
    county = create_county()
    town = create_tenant(county=county)
    admin = create_user(roles=[(county, "county_admin")])
    client = app.test_client()
    issued = client.post(f"/api/v1/t/{county.slug}/tokens/issue",
                         json={"login": admin.username, "password": PASSWORD, "name": "县级统计脚本"})
    assert issued.status_code == 201, issued.get_json()
    bearer = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    townships = client.get(f"/api/v1/t/{county.slug}/townships", headers=bearer)
    assert townships.status_code == 200, townships.get_json()
    assert town.slug in [t["slug"] for t in townships.get_json()]
    assert client.get(f"/api/v1/t/{county.slug}", headers=bearer).status_code == 200
    other = client.get(f"/api/v1/t/{town.slug}/grids", headers=bearer)
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "token_of_another_tenant"


def test_a_township_user_gets_no_county_token(app, create_user, create_county, create_tenant):
    county = create_county()
    town = create_tenant(county=county)
    staff = create_user(roles=[(town, "township_staff")])
    resp = app.test_client().post(f"/api/v1/t/{county.slug}/tokens/issue",
                                  json={"login": staff.username, "password": PASSWORD})
    assert resp.status_code == 404
