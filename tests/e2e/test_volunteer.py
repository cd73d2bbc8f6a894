"""Volunteer check-in in a real browser: the leader shows the rotating QR code (refreshed by the
static script), a volunteer on a 390 px phone opens their personal link, scans, signs in, scans
the refreshed code and signs out; the leader sees the attendance."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


def _seed(app, town_slug: str) -> dict:
    """The township runs the module; a leader with an account, a volunteer with a place at an
    activity starting in half an hour, led by the leader."""
    from sqlalchemy import select

    from core.auth.service import assign_role, create_user
    from tenants.modules import enable_module
    from core.toolkit import Grid, Tenant, db, tenant_context, utcnow
    from plugins.volunteer import activities, registration

    with app.app_context():
        town = db.session.scalar(select(Tenant).where(Tenant.slug == town_slug))
        enable_module(town, "volunteer", {"min_minutes_before_checkout": 0})
        leader = create_user("vol_leader", PASSWORD, display_name="队长老王")
        assign_role(leader, town, "volunteer_leader")
        db.session.commit()
        with tenant_context(town):
            grid = db.session.scalar(select(Grid).where(Grid.name == "第一网格"))
            from plugins.volunteer.models import Post

            post = db.session.scalar(select(Post).where(Post.name == "疫情防控"))
            vol = registration.register(town, {"name": "李志愿", "mobile": "13955550001"})
            token = registration.confirm_volunteer(town, vol)
            start = utcnow() + dt.timedelta(minutes=30)
            act = activities.create_activity(town, {"title": "疫苗接种点秩序维护", "post_id": post.id, "grid_id": grid.id,
                                                    "place": "卫生院门口", "starts_at": start,
                                                    "ends_at": start + dt.timedelta(hours=2), "slots": 5},
                                             leader.id)
            activities.sign_up(town, act, vol)
            db.session.commit()
            return {"token": token, "activity_id": act.id}


def _no_horizontal_scroll(pg) -> bool:
    return pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_leader_shows_the_qr_and_a_volunteer_checks_in_and_out_on_a_phone(page, phone, live_server, shots):
    seeded = _seed(live_server.app, live_server.town)
    base = f"/t/{live_server.town}/volunteer"
    sign_in(page, "vol_leader")
    page.goto(f"{base}/activities/{seeded['activity_id']}")
    page.locator("#show-qr").click()
    expect(page.locator("#qr-image")).to_be_visible()
    page.wait_for_function("document.getElementById('qr-image').naturalWidth > 100")  # the PNG loaded
    first_link = page.locator("#scan-link").get_attribute("href")
    assert re.search(r"/volunteer/scan\?c=", first_link)
    shots(page, "volunteer-leader-qr")

    phone.goto(f"{base}/me/{seeded['token']}")
    expect(phone.locator("h1")).to_have_text("我的志愿服务")
    expect(phone.locator("body")).to_contain_text("疫苗接种点秩序维护")
    assert _no_horizontal_scroll(phone)
    shots(phone, "volunteer-phone-home")
    phone.goto(first_link)  # what the phone's camera app opens from the QR code
    expect(phone.locator("#scan-button")).to_have_text("签到")
    assert _no_horizontal_scroll(phone)
    phone.locator("#scan-button").click()
    expect(phone.locator(".vol-message")).to_contain_text("签到成功")
    shots(phone, "volunteer-phone-checked-in")

    # the leader's screen asks for a fresh code by itself (static/qr.js, every 20 seconds)
    page.wait_for_function("(old) => document.getElementById('scan-link').href !== old", arg=page.locator(
        "#scan-link").evaluate("a => a.href"), timeout=45000)
    second_link = page.locator("#scan-link").get_attribute("href")
    assert second_link != first_link
    phone.goto(second_link)
    expect(phone.locator("#scan-button")).to_have_text("签退")
    phone.locator("#scan-button").click()
    expect(phone.locator(".vol-message")).to_contain_text("签退成功")

    page.goto(f"{base}/activities/{seeded['activity_id']}")
    expect(page.locator("table.cards").nth(1)).to_contain_text("李志愿")
    # and the leader's own pages work on a phone too
    sign_in(phone, "vol_leader")
    phone.goto(f"{base}/activities/{seeded['activity_id']}/qr")
    expect(phone.locator("#qr-image")).to_be_visible()
    assert _no_horizontal_scroll(phone)
    shots(phone, "volunteer-phone-leader-qr")
