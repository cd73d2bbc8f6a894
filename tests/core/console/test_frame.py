"""The frame: languages and catalogues, assets served locally, CSRF and error pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
CORE = ROOT / "core"
TENANTS = ROOT / "tenants"
MINE = [CORE / "templates" / "core", CORE / "templates" / "console", CORE / "console",
        CORE / "templates" / "grid", CORE / "templates" / "people", CORE / "grid", CORE / "people",
        CORE / "templates" / "county_templates", CORE / "county_templates"]
# the tenant lifecycle's pages carry their own catalogue (a library plugin's translations/)
CATALOGUES = {CORE / "translations": MINE, TENANTS / "translations": [TENANTS / "console", TENANTS / "templates"]}


def test_chinese_by_default_english_on_request_and_remembered(page_as, town_admin):
    town, admin = town_admin
    c = page_as(admin)
    html = c.get(f"/t/{town.slug}/modules/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "模块开关" in html and "退出" in html
    resp = c.get(f"/t/{town.slug}/modules/?lang=en")
    html = resp.get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign out" in html and ">Modules<" in html
    assert "lang=en" in resp.headers.get("Set-Cookie", "")
    html = c.get(f"/t/{town.slug}/").get_data(as_text=True)  # the cookie keeps it
    assert "Dashboard" in html and "工作台" not in html
    assert f'href="/t/{town.slug}/?lang=zh_Hans_CN"' in html  # the switch back keeps the page
    assert "工作台" in c.get(f"/t/{town.slug}/?lang=zh_Hans_CN").get_data(as_text=True)


def test_unknown_language_falls_back_to_chinese(client):
    assert '<html lang="zh-CN">' in client.get("/login?lang=xx").get_data(as_text=True)


def test_sign_in_page_in_english(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "Username or mobile" in html and "用户名或手机号" not in html


def _msgids_in(paths) -> set[str]:
    found: set[str] = set()
    pattern = re.compile(r"""\b_\(\s*(['"])(.+?)\1""")
    for base in paths:
        for f in base.rglob("*"):
            if f.suffix in (".html", ".py"):
                found.update(m.group(2) for m in pattern.finditer(f.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("base", list(CATALOGUES), ids=lambda p: p.parent.name)
def test_every_console_message_has_an_english_translation(base):
    po = base / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh) if m.id and not m.context}
    missing = sorted(i for i in _msgids_in(CATALOGUES[base]) if not catalogue.get(i))
    assert not missing, f"add these to messages.po (see docs/console.md): {missing}"


@pytest.mark.parametrize("base", list(CATALOGUES), ids=lambda p: p.parent.name)
def test_every_extracted_message_has_an_english_translation(base):
    """Also labels marked with ``N_`` and messages with a context (``pgettext``)."""
    with (base / "messages.pot").open("rb") as fh:
        wanted = {(m.context, m.id) for m in read_po(fh) if m.id}
    with (base / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        english = {(m.context, m.id) for m in read_po(fh) if m.id and m.string}
    assert not wanted - english, f"translate these in messages.po (see docs/console.md): {sorted(wanted - english, key=str)}"


@pytest.mark.parametrize("catalogue", list(CATALOGUES), ids=lambda p: p.parent.name)
def test_compiled_catalogue_matches_the_po_file(catalogue):
    base = catalogue / "en" / "LC_MESSAGES"
    with (base / "messages.po").open("rb") as fh:
        po = {(m.context, m.id): m.string for m in read_po(fh) if m.id and m.string}
    with (base / "messages.mo").open("rb") as fh:
        # read_mo leaves a message's context as bytes
        mo = {(m.context.decode() if isinstance(m.context, bytes) else m.context, m.id): m.string
              for m in read_mo(fh) if m.id}
    assert po == mo, f"run: pybabel compile -d {catalogue.relative_to(ROOT)}"


@pytest.mark.parametrize("asset", ["gridgov.css", "console.js", "jobs.js", "favicon.svg"])
def test_assets_are_served_by_the_app(client, asset):
    resp = client.get(f"/static/{asset}")
    assert resp.status_code == 200 and len(resp.data) > 100


def test_no_external_url_in_any_asset_or_template():
    allowed = {"http://www.w3.org/2000/svg"}  # an XML namespace name, never fetched
    offenders = []
    for base in [CORE / "static", CORE / "templates", CORE / "console", TENANTS / "console", TENANTS / "templates"]:
        for f in base.rglob("*"):
            if f.is_file() and f.suffix in (".css", ".js", ".svg", ".html", ".py"):
                for url in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", f.read_text(encoding="utf-8")):
                    if url not in allowed:
                        offenders.append(f"{f.relative_to(ROOT)}: {url}")
    assert not offenders


def test_every_page_links_the_local_stylesheet_and_script(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/static/gridgov.css"' in html and 'src="/static/console.js"' in html
    assert 'name="viewport"' in html


def test_csrf_failure_on_the_sign_in_page(client):
    resp = client.post("/login", data={"login": "x", "password": "y"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "页面已过期，请刷新后重试" in html and "Traceback" not in html


def test_unknown_page_is_a_friendly_404(page_as, town_admin):
    town, admin = town_admin
    resp = page_as(admin).get(f"/t/{town.slug}/no-such-page")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "未找到" in html and "返回首页" in html and "Traceback" not in html


def test_a_crash_shows_the_error_page_without_a_stack_trace(page_as, town_admin, register_plugin):
    from core.plugins import hookimpl

    class Crashing:
        @hookimpl
        def nav_items(self, tenant, user):
            raise RuntimeError("secret internals")

    town, admin = town_admin
    register_plugin(Crashing(), "crashing_nav")
    resp = page_as(admin).get(f"/t/{town.slug}/modules/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200  # the menu is rebuilt without the failing module
    assert "secret internals" not in html and "Traceback" not in html
    assert 'data-endpoint="tenants_console.modules"' in html


def test_chooser_for_a_user_of_several_tenants(page_as, create_tenant, create_user):
    a, b = create_tenant(name="甲镇"), create_tenant(name="乙镇")
    user = create_user(roles=[(a, "township_staff"), (b, "township_staff")])
    html = page_as(user).get("/").get_data(as_text=True)
    assert "选择工作空间" in html and f"/t/{a.slug}/" in html and f"/t/{b.slug}/" in html


def test_phone_layout_folds_the_menu():
    css = (CORE / "static" / "gridgov.css").read_text(encoding="utf-8")
    phone = css.split("@media (max-width: 760px)", 1)[1]
    assert ".nav-toggle:checked ~ .sidenav { display: block; }" in phone and ".sidenav { display: none;" in phone


def test_language_link_after_a_form_post_leads_to_a_page(page_as, town_admin, enable_module):
    town, admin = town_admin
    enable_module(town, "hello")
    html = page_as(admin).post(f"/t/{town.slug}/modules/hello/settings", data={"repeat": "0"}).get_data(as_text=True)
    assert f'href="/t/{town.slug}/?lang=en"' in html  # …/settings answers POST only
