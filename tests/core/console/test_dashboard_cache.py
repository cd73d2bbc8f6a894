"""Dashboard widgets kept a short time in the app's cache (in-process, or Redis), with the time
they were counted shown, and filed under the tenant, the user and the user's roles: nobody sees
another township's or another person's cached numbers."""
from __future__ import annotations

import re
import uuid

import pytest

from core import cache

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def cached_dashboard(app, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, cache.EXTENSION, cache.MemoryCache())


def members(html: str) -> int:
    block = html.split('data-key="core.members"', 1)[1].split("</section>", 1)[0]
    return int(re.search(r'class="number">(\d+)<', block).group(1))


def test_numbers_are_kept_for_a_minute_with_their_time_shown(page_as, town_admin, create_user, cached_dashboard):
    town, admin = town_admin
    viewer = page_as(admin)
    first = viewer.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert members(first) == 1 and "统计于" in first and re.search(r'<time datetime="[^"]+">\d\d:\d\d</time>', first)
    create_user(roles=[(town, "grid_worker")])
    again = viewer.get(f"/t/{town.slug}/").get_data(as_text=True)
    assert members(again) == 1  # from the cache, counted at the time shown
    assert re.findall(r'<time datetime="([^"]+)"', again) == re.findall(r'<time datetime="([^"]+)"', first)
    assert "As of" in viewer.get(f"/t/{town.slug}/?lang=en").get_data(as_text=True)


def test_the_cache_is_off_when_the_setting_is_zero(app, page_as, town_admin, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 0)
    town, admin = town_admin
    viewer = page_as(admin)
    assert members(viewer.get(f"/t/{town.slug}/").get_data(as_text=True)) == 1
    create_user(roles=[(town, "grid_worker")])
    assert members(viewer.get(f"/t/{town.slug}/").get_data(as_text=True)) == 2


def test_another_user_another_role_and_another_township_never_get_someone_else_s_entry(
        page_as, town_admin, create_tenant, create_user, cached_dashboard):
    from core.auth.service import assign_role
    from core.db import db

    town, admin = town_admin
    assert members(page_as(admin).get(f"/t/{town.slug}/").get_data(as_text=True)) == 1
    colleague = create_user(roles=[(town, "township_admin")])
    assert members(page_as(colleague).get(f"/t/{town.slug}/").get_data(as_text=True)) == 2  # their own entry
    # a new role is a new key at once (the widgets count within the viewer's reach)
    assign_role(admin, town, "township_staff")
    db.session.commit()
    assert members(page_as(admin).get(f"/t/{town.slug}/").get_data(as_text=True)) == 2
    # another township, its first user given the same id-free setup: its own numbers
    other = create_tenant(name="新城镇")
    other_admin = create_user(roles=[(other, "township_admin")])
    html = page_as(other_admin).get(f"/t/{other.slug}/").get_data(as_text=True)
    assert members(html) == 1 and "新城镇 工作台" in html


def test_redis_holds_the_entries_when_configured(app, page_as, town_admin, create_user, monkeypatch):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    namespace = f"test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, cache.EXTENSION, cache.RedisCache(REDIS_URL, namespace))
    town, admin = town_admin
    viewer = page_as(admin)
    try:
        assert members(viewer.get(f"/t/{town.slug}/").get_data(as_text=True)) == 1
        keys = [k.decode() for k in client.scan_iter(match=f"gridgov:cache:{namespace}:*")]
        assert len(keys) == 1 and keys[0].startswith(f"gridgov:cache:{namespace}:t{town.id}:dashboard:{admin.id}:")
        assert 0 < client.pttl(keys[0]) <= 60_000
        create_user(roles=[(town, "grid_worker")])
        assert members(viewer.get(f"/t/{town.slug}/").get_data(as_text=True)) == 1
        with app.app_context():
            cache.forget_tenant(town.id)
        assert members(viewer.get(f"/t/{town.slug}/").get_data(as_text=True)) == 2
    finally:
        for key in client.scan_iter(match=f"gridgov:cache:{namespace}:*"):
            client.delete(key)


def test_an_unreachable_redis_leaves_the_page_working(app, page_as, town_admin, monkeypatch):
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.extensions, cache.EXTENSION, cache.RedisCache("redis://127.0.0.1:1/0", "down"))
    town, admin = town_admin
    resp = page_as(admin).get(f"/t/{town.slug}/")
    assert resp.status_code == 200 and members(resp.get_data(as_text=True)) == 1
