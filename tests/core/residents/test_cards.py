"""Household cards from the staff side (户码卡): issue, reissue, revoke, print one or a grid's."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import AuditEntry
from core.residents.models import HouseholdCard
from core.tenancy import tenant_context
from tests.core.residents.conftest import faces, issue_card, sign_in


def _cards(village):
    with tenant_context(village.tenant):
        rows = db.session.scalars(select(HouseholdCard).order_by(HouseholdCard.id)).all()
        out = [(c.household_id, c.status, c.revoke_reason, c.number, c.pin_hash) for c in rows]
        db.session.rollback()
        return out


def test_issue_prints_the_card_once_with_its_pin_and_keeps_only_a_hash(village, api_as):
    api = api_as(village.admin)
    page = api.get(f"/t/{village.slug}/people/households/{village.household_id}").get_data(as_text=True)
    assert "一户一码" in page and "发放户码卡" in page
    resp = api.post(f"/t/{village.slug}/people/households/{village.household_id}/card")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    face = faces(html)[0]
    assert len(face["pin"]) == 6 and face["pin"].isdigit() and face["path"] == f"/r/{village.slug}/card/{face['token']}"
    # the card names the township, the village, the grid and the household number; the QR is inline SVG
    for text in ("城关镇", "东门社区", "第一网格", "0008", "东门路 8 号", "<svg", "card_sheet.css"):
        assert text in html, text
    [(household_id, status, _reason, number, pin_hash)] = _cards(village)
    assert (household_id, status) == (village.household_id, "active") and face["pin"] not in pin_hash
    assert number.replace(" ", "") == face["number"].replace(" ", "") and pin_hash.startswith("$argon2id$")
    # the household page now shows the card (its number, no PIN) and offers reprint, reissue, revoke
    page = api.get(f"/t/{village.slug}/people/households/{village.household_id}").get_data(as_text=True)
    assert face["number"] in page and face["pin"] not in page and "补办新卡" in page and "停用此卡" in page
    reprint = api.get(f"/t/{village.slug}/people/households/{village.household_id}/card/print").get_data(as_text=True)
    again = faces(reprint)[0]
    assert again["token"] == face["token"] and again["pin"] == "见原卡"
    with tenant_context(village.tenant):
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("residents.%"))
                                     .order_by(AuditEntry.id)).all()
    assert actions == ["residents.card.issue", "residents.card.print"]


def test_reissue_stops_the_old_card_and_its_phones(village, api_as, client):
    api = api_as(village.admin)
    old = issue_card(api, village)
    assert sign_in(client, old).status_code == 303
    assert client.get(f"/r/{village.slug}/").status_code == 200
    new = issue_card(api, village)
    assert new["token"] != old["token"] and new["number"] != old["number"]
    assert [(s, r) for _h, s, r, _n, _p in _cards(village)] == [("revoked", "reissued"), ("active", None)]
    # the phone signed in with the old card is back at the PIN page; the old QR opens nothing
    resp = client.get(f"/r/{village.slug}/")
    assert resp.status_code == 303 and "/signin" in resp.headers["Location"]
    assert client.get(old["path"]).status_code == 404
    assert sign_in(client, new).status_code == 303 and client.get(f"/r/{village.slug}/").status_code == 200
    page = api.get(f"/t/{village.slug}/people/households/{village.household_id}").get_data(as_text=True)
    assert "已补办" in page and old["number"] in page


def test_revoke_stops_the_card(village, api_as, client):
    api = api_as(village.admin)
    face = issue_card(api, village)
    assert sign_in(client, face).status_code == 303
    resp = api.post(f"/t/{village.slug}/people/households/{village.household_id}/card/revoke")
    assert resp.status_code == 303
    assert [s for _h, s, *_ in _cards(village)] == ["revoked"]
    assert client.get(f"/r/{village.slug}/").status_code == 303
    assert api.post(f"/t/{village.slug}/people/households/{village.household_id}/card/revoke").status_code == 409
    assert api.get(f"/t/{village.slug}/people/households/{village.household_id}/card/print").status_code == 404


def test_grid_workers_issue_for_their_grids_only(village, api_as, create_user):
    worker, other = api_as(village.worker), api_as(village.other_worker)
    assert worker.post(f"/t/{village.slug}/people/households/{village.household_id}/card").status_code == 200
    # the other grid's worker does not even see the household; a reader without people.cards gets 403
    assert other.post(f"/t/{village.slug}/people/households/{village.household_id}/card").status_code == 404
    reader = api_as(create_user(roles=[(village.tenant, "info_officer", village.grid_id)]))
    assert reader.post(f"/t/{village.slug}/people/households/{village.household_id}/card").status_code == 403
    page = reader.get(f"/t/{village.slug}/people/households/{village.household_id}").get_data(as_text=True)
    assert "一户一码" not in page
    assert len(_cards(village)) == 1


def test_batch_prints_a_grids_cards_on_a4(village, api_as):
    api = api_as(village.admin)
    form = api.get(f"/t/{village.slug}/people/cards").get_data(as_text=True)
    assert "东门社区" in form and "西门村" in form
    sheet = api.post(f"/t/{village.slug}/people/cards/print", data={"grid_id": str(village.village_id), "mode": "missing"})
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    printed = faces(sheet.get_data(as_text=True))
    assert len(printed) == 1 and printed[0]["pin"].isdigit()  # 东门社区's one household; 西门村's is not under it
    again = api.post(f"/t/{village.slug}/people/cards/print", data={"grid_id": str(village.village_id), "mode": "missing"})
    assert faces(again.get_data(as_text=True)) == []  # every household there has a card now
    reprint = faces(api.post(f"/t/{village.slug}/people/cards/print",
                             data={"grid_id": str(village.village_id), "mode": "reprint"}).get_data(as_text=True))
    assert [f["token"] for f in reprint] == [printed[0]["token"]] and reprint[0]["pin"] == "见原卡"
    renewed = faces(api.post(f"/t/{village.slug}/people/cards/print",
                             data={"grid_id": str(village.village_id), "mode": "all"}).get_data(as_text=True))
    assert len(renewed) == 1 and renewed[0]["token"] != printed[0]["token"]
    css = api.get("/static/card_sheet.css").get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css
    bad = api.post(f"/t/{village.slug}/people/cards/print", data={"grid_id": "999999", "mode": "missing"})
    assert bad.status_code == 422 and "网格不存在" in bad.get_data(as_text=True)
    assert api.post(f"/t/{village.slug}/people/cards/print",
                    data={"grid_id": str(village.village_id), "mode": "burn"}).status_code == 422
    # a grid worker prints only inside their grid
    assert api_as(village.other_worker).post(f"/t/{village.slug}/people/cards/print",
                                             data={"grid_id": str(village.grid_id)}).status_code == 422


def test_card_pages_in_english(village, api_as, english_only):
    api = api_as(village.admin)
    data = ["城关镇", "东门社区", "第一网格", "西门村", "东门路 8 号", "张大爷", "李奶奶", "户主", "配偶"]
    sheet = api.post(f"/t/{village.slug}/people/households/{village.household_id}/card?lang=en").get_data(as_text=True)
    assert "Household card" in sheet and "PINs are shown this once" in sheet
    english_only(sheet, data)
    page = api.get(f"/t/{village.slug}/people/households/{village.household_id}?lang=en").get_data(as_text=True)
    assert "Reissue the card" in page
    english_only(page, data)
    english_only(api.get(f"/t/{village.slug}/people/cards?lang=en").get_data(as_text=True), data)


def test_two_staff_issuing_at_once_leave_one_active_card(village, api_as, create_user):
    """Both get a printable card (the later one reissues), never a 500, and one card stays active."""
    import threading

    staff = [api_as(village.admin), api_as(create_user(roles=[(village.tenant, "township_staff")]))]
    url = f"/t/{village.slug}/people/households/{village.household_id}/card"
    barrier = threading.Barrier(len(staff))
    answers, errors = [], []

    def press(api):
        try:
            barrier.wait()
            answers.append(api.post(url).status_code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(api,)) for api in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and all(status in (200, 409) for status in answers) and 200 in answers, (answers, errors)
    assert [s for _h, s, *_ in _cards(village)].count("active") == 1
