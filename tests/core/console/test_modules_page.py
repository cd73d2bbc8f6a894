"""The module switches page: list, switch on/off (menu follows at once), settings form with
errors next to the field and the typed value kept, permissions and tenant isolation."""
from __future__ import annotations

from core.tenancy import tenant_context
from core.modules import module_settings
from tests.core.console.conftest import field_error, input_value, modules_on


def test_lists_every_installed_module_with_its_state(page_as, town_admin):
    town, admin = town_admin
    html = page_as(admin).get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    assert 'id="module-hello"' in html and "问候" in html and "示例模块" in html
    assert "未启用" in html
    assert 'name="greeting"' in html and 'value="你好，网格！"' in html  # settings form from the schema
    assert 'type="number" name="repeat"' in html and 'max="5"' in html


def test_switching_on_shows_the_menu_item_at_once_and_off_hides_it(page_as, town_admin, db_session):
    town, admin = town_admin
    c = page_as(admin)
    assert 'data-endpoint="hello.page"' not in c.get(f"/t/{town.slug}/").get_data(as_text=True)
    resp = c.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/modules/#module-hello")
    page = c.get(f"/t/{town.slug}/", follow_redirects=True).get_data(as_text=True)
    assert 'data-endpoint="hello.page"' in page
    assert "你好，网格！" in page  # its dashboard widget
    assert c.get(f"/t/{town.slug}/hello/").status_code == 200
    c.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "0"})
    assert 'data-endpoint="hello.page"' not in c.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert c.get(f"/t/{town.slug}/hello/").status_code == 404
    assert "hello" not in modules_on(town)


def test_saving_settings_takes_effect(page_as, town_admin, enable_module, db_session):
    town, admin = town_admin
    enable_module(town, "hello")
    c = page_as(admin)
    resp = c.post(f"/t/{town.slug}/modules/hello/settings", data={"greeting": "早上好", "repeat": "2"})
    assert resp.status_code == 302
    assert "早上好 早上好" in c.get(f"/t/{town.slug}/").get_data(as_text=True)
    db_session.rollback()
    assert module_settings(town, "hello") == {"greeting": "早上好", "repeat": 2}


def test_bad_setting_shows_the_error_next_to_the_field_and_keeps_the_input(page_as, town_admin, enable_module, db_session):
    town, admin = town_admin
    enable_module(town, "hello")
    c = page_as(admin)
    resp = c.post(f"/t/{town.slug}/modules/hello/settings", data={"greeting": "新的问候", "repeat": "99"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert field_error(html, "hello-repeat") == "须在 1 到 5 之间"
    assert field_error(html, "hello-greeting") is None
    assert input_value(html, "repeat") == "99" and input_value(html, "greeting") == "新的问候"
    assert "设置未保存" in html and "<details class=\"settings\" open>" in html
    db_session.expire_all()
    assert module_settings(town, "hello")["greeting"] == "你好，网格！"  # nothing half-saved


def test_bad_setting_message_in_english(page_as, town_admin, enable_module):
    town, admin = town_admin
    enable_module(town, "hello")
    c = page_as(admin)
    html = c.post(f"/t/{town.slug}/modules/hello/settings?lang=en", data={"greeting": "", "repeat": "x"}).get_data(as_text=True)
    assert field_error(html, "hello-repeat") == "Not a valid integer."
    assert field_error(html, "hello-greeting") == "Length must be between 1 and 50."
    assert "Settings not saved" in html


def test_module_that_requires_another_says_which(page_as, town_admin, sample_module, db_session):
    town, admin = town_admin
    c = page_as(admin)
    html = c.get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    card = html.split('id="module-chart_demo"', 1)[1].split("</section>", 1)[0]
    assert "需要先启用" in card and "问候" in card
    resp = c.post(f"/t/{town.slug}/modules/chart_demo/switch", data={"enabled": "1"})
    assert resp.status_code == 409
    card = resp.get_data(as_text=True).split('id="module-chart_demo"', 1)[1].split("</section>", 1)[0]
    assert 'class="error"' in card and "hello" in card
    assert "chart_demo" not in modules_on(town)
    # once hello is on, it works; then hello cannot be switched off under it
    assert c.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "1"}).status_code == 302
    assert c.post(f"/t/{town.slug}/modules/chart_demo/switch", data={"enabled": "1"}).status_code == 302
    resp = c.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "0"})
    assert resp.status_code == 409 and "chart_demo" in resp.get_data(as_text=True)
    assert "hello" in modules_on(town)


def test_unknown_module_is_404(page_as, town_admin):
    town, admin = town_admin
    assert page_as(admin).post(f"/t/{town.slug}/modules/nope/switch", data={"enabled": "1"}).status_code == 404


def test_staff_may_look_but_not_switch(page_as, create_user, town_admin):
    town, _ = town_admin
    staff = create_user(roles=[(town, "township_staff")])
    c = page_as(staff)
    html = c.get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    assert 'id="module-hello"' in html and "/switch" not in html
    assert c.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "1"}).status_code == 403
    assert c.post(f"/t/{town.slug}/modules/hello/settings", data={"repeat": "2"}).status_code == 403


def test_grid_worker_cannot_see_the_page_nor_its_menu_item(page_as, create_user, create_grid, town_admin):
    town, _ = town_admin
    grid = create_grid(town, "第一网格")
    with tenant_context(town):
        grid.id  # load it (expired by the commit) inside its tenant
    worker = create_user(roles=[(town, "grid_worker", grid)])
    c = page_as(worker)
    assert c.get(f"/t/{town.slug}/modules/").status_code == 403
    assert 'data-endpoint="tenants_console.modules"' not in c.get(f"/t/{town.slug}/").get_data(as_text=True)


def test_another_townships_admin_gets_404(page_as, create_tenant, town_admin, create_user):
    town, _ = town_admin
    other_admin = create_user(roles=[(create_tenant(), "township_admin")])
    c = page_as(other_admin)
    assert c.get(f"/t/{town.slug}/modules/").status_code == 404
    assert c.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "1"}).status_code == 404
    assert "hello" not in modules_on(town)


def test_csrf_failure_says_the_page_expired(page_as, town_admin):
    town, admin = town_admin
    c = page_as(admin)
    resp = c.client.post(f"/t/{town.slug}/modules/hello/switch", data={"enabled": "1"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "页面已过期，请刷新后重试" in html and "Traceback" not in html
    assert "hello" not in modules_on(town)


def test_broken_plugins_are_listed_for_platform_admins_only(page_as, town_admin, create_user):
    town, admin = town_admin
    assert "加载失败的插件" not in page_as(admin).get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    root = create_user(platform_admin=True)
    html = page_as(root).get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    assert "加载失败的插件" in html and "broken_example" in html  # tests/fixtures/site ships one


def test_plugins_refused_at_start_are_shown_to_the_platform_admin_with_the_problem(page_as, town_admin, create_user):
    """tests/fixtures/site installs three: an invalid manifest, a rogue twin of incidents, a module
    requiring one that is not installed (tests/core/test_plugin_refusal.py)."""
    town, admin = town_admin
    html = page_as(create_user(platform_admin=True)).get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    assert "<strong>bad_manifest</strong>: invalid manifest" in html
    assert "<strong>incidents (gridgov-rogue-incidents)</strong>: name clash" in html
    assert "<strong>needs_missing</strong>: requires module" in html
    assert "needs_missing" not in page_as(admin).get(f"/t/{town.slug}/modules/").get_data(as_text=True)
