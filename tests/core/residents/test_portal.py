"""The residents' portal over HTTP (群众端): the PIN once per phone, the household's page, locks,
limits and other townships' cards."""
from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select, update

from core.db import db, utcnow
from core.models import AuditEntry
from core.residents.models import HouseholdCard, ResidentDevice
from core.tenancy import tenant_context
from core.residents.cards import luhn_digit
from tests.core.residents.conftest import csrf_of, issue_card, make_village, sign_in

_addresses = itertools.count(10)


def _address() -> dict:
    """A network address of its own, so per-address counters of other tests do not add up here."""
    return {"REMOTE_ADDR": f"10.77.{next(_addresses)}.1"}


def _audit(village, prefix="residents.sign_in"):
    with tenant_context(village.tenant):
        rows = db.session.execute(select(AuditEntry.action, AuditEntry.after).where(AuditEntry.action.like(prefix + "%"))
                                  .order_by(AuditEntry.id)).all()
        db.session.rollback()
    return rows


def test_the_qr_code_asks_the_pin_once_then_shows_the_household(village, api_as, client):
    face = issue_card(api_as(village.admin), village)
    pin_page = client.get(face["path"])
    assert pin_page.status_code == 200 and face["number"][-4:] in pin_page.get_data(as_text=True)
    assert "东门路" not in pin_page.get_data(as_text=True)  # a photographed QR code tells nothing
    resp = client.post(face["path"], data={"csrf_token": csrf_of(pin_page.data), "pin": face["pin"]})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/r/{village.slug}/")
    cookie = resp.headers["Set-Cookie"]
    assert f"gridgov_resident_{village.tenant.id}=" in cookie
    for attribute in ("HttpOnly", "SameSite=Lax", "Max-Age=34560000", "Path=/"):
        assert attribute in cookie, attribute
    home = client.get(f"/r/{village.slug}/")
    html = home.get_data(as_text=True)
    assert home.status_code == 200 and home.headers["Cache-Control"] == "no-store"
    for text in ("张大爷", "李奶奶", "东门社区 › 第一网格", 'href="tel:13900001111"', "赵网格员", "东门路 8 号"):
        assert text in html, text
    assert "王邻居" not in html and "西门村 3 组" not in html  # the neighbour's household
    assert "340822" not in html and "*" in html  # ID numbers masked
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    # the QR code again on the same phone goes straight in; the PIN is not asked twice
    again = client.get(face["path"])
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/r/{village.slug}/")
    [(action, after)] = _audit(village)
    assert action == "residents.sign_in" and after["via"] == "qr" and after["household_id"] == village.household_id


def test_card_number_and_pin_typed_in(village, api_as, client):
    face = issue_card(api_as(village.admin), village)
    form = client.get(f"/r/{village.slug}/signin")
    token = csrf_of(form.data)
    typo = face["number"].replace(" ", "")[:-1] + str((int(face["number"][-1]) + 1) % 10)  # the check digit catches it
    for number in (typo, "12345", "abcdefgh"):
        bad = client.post(f"/r/{village.slug}/signin", data={"csrf_token": token, "number": number, "pin": face["pin"]})
        assert bad.status_code == 422 and "8 位数字" in bad.get_data(as_text=True), number
    resp = client.post(f"/r/{village.slug}/signin?next=/r/{village.slug}/",
                       data={"csrf_token": token, "number": face["number"], "pin": face["pin"]})
    assert resp.status_code == 303
    assert client.get(f"/r/{village.slug}/").status_code == 200
    assert _audit(village)[-1][1]["via"] == "number"
    assert client.post(f"/r/{village.slug}/signin", data={"number": face["number"], "pin": face["pin"]}).status_code == 400


def test_wrong_pins_lock_the_card_and_say_how_long_to_wait(village, api_as, client):
    face = issue_card(api_as(village.admin), village)
    wrong = "000001" if face["pin"] != "000001" else "000002"
    env = _address()
    token = csrf_of(client.get(face["path"]).data)
    for left in (4, 3, 2, 1):
        resp = client.post(face["path"], data={"csrf_token": token, "pin": wrong}, environ_base=env)
        assert resp.status_code == 401 and f"还可以再试 {left} 次" in resp.get_data(as_text=True)
    locked = client.post(face["path"], data={"csrf_token": token, "pin": wrong}, environ_base=env)
    assert locked.status_code == 429 and "15 分钟后再试" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) == 900
    # the right PIN does not open a locked card either, and nothing signs in
    still = client.post(face["path"], data={"csrf_token": token, "pin": face["pin"]}, environ_base=env)
    assert still.status_code == 429 and "分钟后再试" in still.get_data(as_text=True)
    assert "Set-Cookie" not in still.headers or "gridgov_resident" not in still.headers["Set-Cookie"]
    reasons = [after["reason"] for action, after in _audit(village, "residents.sign_in_failed")]
    assert reasons == ["wrong_pin"] * 4 + ["wrong_pin_locked", "locked"]
    with tenant_context(village.tenant):  # the lock runs out
        db.session.execute(update(HouseholdCard).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    assert client.post(face["path"], data={"csrf_token": token, "pin": face["pin"]}, environ_base=env).status_code == 303


def test_one_address_cannot_walk_through_cards(village, api_as, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESIDENT_LIMIT_ADDRESS", "3 per 15 minutes")
    face = issue_card(api_as(village.admin), village)
    env = _address()
    token = csrf_of(client.get(f"/r/{village.slug}/signin").data)
    for number in (body + luhn_digit(body) for body in ("1000000", "2000000", "3000000")):
        resp = client.post(f"/r/{village.slug}/signin", data={"csrf_token": token, "number": number, "pin": "135790"},
                           environ_base=env)
        assert resp.status_code == 404 and "卡号或二维码无效" in resp.get_data(as_text=True)
    limited = client.post(f"/r/{village.slug}/signin", data={"csrf_token": token, "number": face["number"],
                                                           "pin": face["pin"]}, environ_base=env)
    assert limited.status_code == 429 and "分钟后再试" in limited.get_data(as_text=True)
    assert [a["reason"] for _x, a in _audit(village, "residents.sign_in_failed")] == ["unknown_card"] * 3 + ["address_limited"]
    # another address is not held up
    assert client.post(f"/r/{village.slug}/signin", data={"csrf_token": token, "number": face["number"],
                                                         "pin": face["pin"]}, environ_base=_address()).status_code == 303


def test_another_townships_card_opens_nothing_here(village, api_as, client, create_county, create_user):
    other = make_village(create_county, create_user, name="新安镇")
    theirs = issue_card(api_as(other.admin), other)
    ours = issue_card(api_as(village.admin), village)
    # their QR token under our township's URL: the card-number form, as for any unknown card
    resp = client.get(f"/r/{village.slug}/card/{theirs['token']}")
    assert resp.status_code == 404 and "无效或已停用" in resp.get_data(as_text=True)
    token = csrf_of(client.get(f"/r/{village.slug}/signin").data)
    typed = client.post(f"/r/{village.slug}/signin", data={"csrf_token": token, "number": theirs["number"],
                                                          "pin": theirs["pin"]}, environ_base=_address())
    assert typed.status_code == 404 and "新安镇" not in typed.get_data(as_text=True)
    # a phone signed in over there is a stranger here
    assert sign_in(client, theirs).status_code == 303
    assert client.get(f"/r/{other.slug}/").status_code == 200
    home = client.get(f"/r/{village.slug}/")
    assert home.status_code == 303 and home.headers["Location"].startswith(f"/r/{village.slug}/signin")
    # and a forged cookie of ours with their device token finds nothing
    client.set_cookie(f"gridgov_resident_{village.tenant.id}", client.get_cookie(f"gridgov_resident_{other.tenant.id}").value)
    assert client.get(f"/r/{village.slug}/").status_code == 303
    assert sign_in(client, ours).status_code == 303 and "张大爷" in client.get(f"/r/{village.slug}/").get_data(as_text=True)
    assert client.get("/r/no-such-town/").status_code == 404


def test_signing_out_forgets_this_phone(village, api_as, client):
    face = issue_card(api_as(village.admin), village)
    assert sign_in(client, face).status_code == 303
    home = client.get(f"/r/{village.slug}/")
    assert client.post(f"/r/{village.slug}/signout", data={}).status_code == 400  # no CSRF token
    resp = client.post(f"/r/{village.slug}/signout", data={"csrf_token": csrf_of(home.data)})
    assert resp.status_code == 303
    with tenant_context(village.tenant):
        assert db.session.scalar(select(ResidentDevice.revoked_at)) is not None
        db.session.rollback()
    assert client.get(f"/r/{village.slug}/").status_code == 303
    page = api_as(village.admin).get(f"/t/{village.slug}/people/households/{village.household_id}")
    assert "已登录手机 0 部" in page.get_data(as_text=True)


def test_the_portal_in_english(village, api_as, client, english_only):
    face = issue_card(api_as(village.admin), village)
    assert sign_in(client, face).status_code == 303
    html = client.get(f"/r/{village.slug}/?lang=en").get_data(as_text=True)
    assert "Household members" in html
    english_only(html, ["城关镇", "东门路 8 号", "张大爷", "李奶奶", "户主", "配偶", "东门社区", "第一网格", "赵网格员"])
    english_only(client.get(f"/r/{village.slug}/signin?lang=en").get_data(as_text=True), ["城关镇"])
