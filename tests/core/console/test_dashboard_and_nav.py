"""The township workspace: widgets of every kind from the hook, the menu built from the hook
(permissions, missing endpoints, active item), and a failing module not breaking the page."""
from __future__ import annotations

import re

from core.db import db
from core.models import RolePermission
from core.tenancy import tenant_context


def nav_endpoints(html: str) -> list[str]:
    return re.findall(r'data-endpoint="([^"]+)"', html)


def test_home_shows_core_widgets(page_as, town_admin):
    town, admin = town_admin
    html = page_as(admin).get(f"/t/{town.slug}/").get_data(as_text=True)
    assert 'data-key="core.modules_enabled"' in html and 'data-key="core.members"' in html
    assert "城关镇 工作台" in html


def test_widgets_render_numbers_and_svg_charts(page_as, town_admin, enable_module, sample_module):
    town, admin = town_admin
    enable_module(town, "hello")
    enable_module(town, "chart_demo")
    html = page_as(admin).get(f"/t/{town.slug}/").get_data(as_text=True)
    for key, kind in (("chart_demo.people", "bar"), ("chart_demo.groups", "pie"), ("chart_demo.closed", "line")):
        block = html.split(f'data-key="{key}"', 1)[1].split("</section>", 1)[0]
        assert f'<svg class="chart chart-{kind}"' in block
    assert "东门社区: 120" in html and "独居老人: 3 (75%)" in html
    # widgets come in their order: the demo's (1, 2, 3) before core's (900+)
    assert html.index("chart_demo.people") < html.index("core.modules_enabled")


def test_widgets_of_a_disabled_module_disappear(page_as, town_admin, enable_module, sample_module, db_session):
    from tenants.modules import disable_module

    town, admin = town_admin
    enable_module(town, "hello")
    enable_module(town, "chart_demo")
    c = page_as(admin)
    assert "chart_demo.people" in c.get(f"/t/{town.slug}/").get_data(as_text=True)
    disable_module(town, "chart_demo")
    db.session.commit()
    assert "chart_demo.people" not in c.get(f"/t/{town.slug}/").get_data(as_text=True)


def test_menu_hides_items_without_permission_and_missing_endpoints(page_as, town_admin, enable_module, sample_module, db_session):
    town, admin = town_admin
    enable_module(town, "hello")
    enable_module(town, "chart_demo")
    c = page_as(admin)
    endpoints = nav_endpoints(c.get(f"/t/{town.slug}/").get_data(as_text=True))
    # the demo item needs chart_demo.read, which township_admin lacks; the second names no endpoint
    assert endpoints.count("web.tenant_home") == 1 and "chart_demo.nowhere" not in endpoints
    assert {"web.tenant_home", "tenants_console.modules", "hello.page"} <= set(endpoints)
    assert endpoints.index("web.tenant_home") < endpoints.index("tenants_console.modules")  # by order


def test_menu_marks_the_current_page(page_as, town_admin):
    town, admin = town_admin
    c = page_as(admin)
    html = c.get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    assert re.search(r'<a href="/t/[^"]+/modules/" data-endpoint="tenants_console.modules" class="active" aria-current="page">', html)
    assert html.count('aria-current="page"') == 1


def test_menu_item_appears_when_the_permission_is_granted(page_as, town_admin, create_user, enable_module, db_session):
    town, _ = town_admin
    enable_module(town, "hello")
    staff = create_user(roles=[(town, "grid_instructor")])
    c = page_as(staff)
    assert "hello.page" not in nav_endpoints(c.get(f"/t/{town.slug}/").get_data(as_text=True))
    with tenant_context(town):
        db.session.add(RolePermission(role="grid_instructor", permission="hello.read", granted=True))
        db.session.commit()
    assert "hello.page" in nav_endpoints(c.get(f"/t/{town.slug}/").get_data(as_text=True))


def test_a_failing_widget_leaves_the_rest_of_the_page(page_as, town_admin, register_plugin):
    from core.plugins import hookimpl

    class Broken:
        @hookimpl
        def dashboard_widgets(self, tenant, user):
            raise RuntimeError("boom")

    town, admin = town_admin
    register_plugin(Broken(), "broken_widgets")
    resp = page_as(admin).get(f"/t/{town.slug}/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-key="core.members"' in html and "boom" not in html


def test_home_needs_membership(page_as, town_admin, create_tenant, create_user, client):
    town, _ = town_admin
    outsider = create_user(roles=[(create_tenant(), "township_admin")])
    assert page_as(outsider).get(f"/t/{town.slug}/").status_code == 404
    resp = client.get(f"/t/{town.slug}/")
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]


def test_a_widget_whose_query_fails_leaves_the_rest_of_the_page(page_as, town_admin, app, register_plugin):
    from sqlalchemy import text

    from core.plugins import hookimpl

    class BadQuery:
        @hookimpl
        def dashboard_widgets(self, tenant, user):
            db.session.execute(text("SELECT * FROM no_such_table_at_all"))  # aborts a PostgreSQL transaction

    town, admin = town_admin
    register_plugin(BadQuery(), "bad_query_widgets")
    resp = page_as(admin).get(f"/t/{town.slug}/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-key="core.members"' in html
    assert 'data-endpoint="tenants_console.modules"' in html  # the menu still queried fine afterwards


def test_hook_nav_items_appear_only_for_their_kind_of_tenant(page_as, create_county, create_tenant, create_user):
    """A county's menu shows the county console, not the township pages its admin could read."""
    county = create_county()
    create_tenant(county=county)
    admin = create_user(roles=[(county, "county_admin")])
    endpoints = nav_endpoints(page_as(admin).get(f"/t/{county.slug}/").get_data(as_text=True))
    assert {"web.tenant_home", "tenants_console.county_compare", "tenants_console.county_onboard", "auth_pages.tokens"} <= set(endpoints)
    assert "grid.tree" not in endpoints and "tenants_console.modules" not in endpoints
