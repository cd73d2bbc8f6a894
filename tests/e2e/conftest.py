"""Browser tests (端到端测试) in real Chromium, driven by Playwright.

A session fixture builds the app on a fresh SQLite file, seeds a county, a township and their
admins (plus the demo townships when ``gridgov demo`` works, for realistic charts), and serves it
from a werkzeug thread on 127.0.0.1, with a task queue consumer beside it. Chromium is Debian's
``/usr/bin/chromium`` (installed by ``.ci/run``); Playwright never downloads a browser. Without
that binary the tests skip.

Screenshots go to a temporary folder; ``GRIDGOV_SCREENSHOTS=1`` writes them to
``docs/screenshots/`` instead (the README shows some of them).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "E2e-Passw0rd"
ROOT = Path(__file__).resolve().parents[2]

log = logging.getLogger("gridgov.e2e")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM} (CI installs the Debian package 'chromium')")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(skip)


def _load_demo(db_url: str, instance: Path) -> bool:
    """``gridgov demo`` into the fresh database, as a user would run it (its own process)."""
    env = {**os.environ, "DATABASE_URL": db_url, "GRIDGOV_INSTANCE": str(instance), "GRIDGOV_ENV": "development"}
    try:
        done = subprocess.run([sys.executable, "-c", "from core.cli import main; main(['demo'])"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False
    if done.returncode != 0:  # richer screenshots only; the flows never rely on the demo
        log.warning("gridgov demo failed; screenshots will be plainer:\n%s", done.stderr[-2000:])
    return done.returncode == 0


def _seed(app) -> SimpleNamespace:
    from core.auth.service import assign_role, create_user
    from core.db import db
    from tenants.onboarding import create_county, onboard_township

    with app.app_context():
        county = create_county("e2e-county", "示范县", "340800")
        town = onboard_township({"name": "城关镇", "slug": "e2e-town", "county": county.slug,
                                 "grid_level_names": ["社区", "网格"],
                                 "grids": [{"name": "东门社区", "children": [{"name": "第一网格"}, {"name": "第二网格"}]},
                                           {"name": "西门村"}],
                                 "admin": {"username": "town_admin", "display_name": "王主任", "password": PASSWORD}},
                                county=county).tenant
        county_admin = create_user("county_admin", PASSWORD, display_name="李科长")
        assign_role(county_admin, county, "county_admin")
        create_user("root", PASSWORD, display_name="平台管理员", platform_admin=True)
        db.session.commit()
        return SimpleNamespace(county="e2e-county", town="e2e-town", town_id=town.id)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from werkzeug.serving import make_server

    from core import create_app
    from core.db import db
    from core.migrate import upgrade_all

    base = tmp_path_factory.mktemp("e2e")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{base / 'e2e.db'}", "INSTANCE_PATH": str(base),
                      "SECRET_KEY": "e2e-secret", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade_all()
    demo = _load_demo(f"sqlite:///{base / 'e2e.db'}", base)
    seeded = _seed(app)
    from core.queue import running_consumer

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        with running_consumer(app):  # background jobs (the import) run on the queue, as with gridgov run
            yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app, demo=demo, **vars(seeded))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) at a desktop size."""
    context = browser.new_context(viewport={"width": 1180, "height": 760}, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 780}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    """``shots(page, "name")``: a screenshot of the visible page (small PNGs)."""
    folder = ROOT / "docs" / "screenshots" if os.environ.get("GRIDGOV_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)

    def take(pg, name: str, full_page: bool = False) -> Path:
        from PIL import Image

        path = folder / f"{name}.png"
        pg.screenshot(path=str(path), full_page=full_page)
        with Image.open(path) as img:  # a 128-colour palette keeps the committed PNGs small
            small = img.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)
        return path

    return take


def sign_in(pg, username: str, password: str = PASSWORD) -> None:
    pg.goto("/login")
    pg.fill("input[name=login]", username)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state("domcontentloaded")
