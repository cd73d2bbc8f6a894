"""A county's modules follow its townships: the first township that switches a module on switches
on the county's part of it (the county's pages across its townships), so no county is left with
404 pages for a module its townships run, and nobody switches a county by hand."""
from __future__ import annotations

from core.modules import enabled_modules


def test_a_township_switching_a_module_on_switches_its_county_part_on(create_county, create_tenant, create_user,
                                                                     enable_module, api_as, db_session):
    county = create_county()
    admin = create_user(roles=[(county, "county_admin")])
    pages = api_as(admin)
    assert "five_star" not in enabled_modules(county)
    assert pages.get(f"/t/{county.slug}/five_star/county/").status_code == 404
    town = create_tenant(county=county)
    enable_module(town, "five_star")
    assert "five_star" in enabled_modules(county)
    assert pages.get(f"/t/{county.slug}/five_star/county/").status_code == 200
    # a second township of that county changes nothing; another county is untouched
    enable_module(create_tenant(county=county), "five_star")
    other = create_county()
    assert "five_star" not in enabled_modules(other)


def test_onboarding_with_modules_switches_the_county_part_on(create_county, create_tenant, db_session):
    county = create_county()
    create_tenant(county=county, modules=["volunteer", "incidents"])
    assert {"volunteer", "incidents"} <= enabled_modules(county)
