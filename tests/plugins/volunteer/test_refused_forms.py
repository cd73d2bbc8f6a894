"""Every volunteer console form that is refused comes back (422) with what was typed (selects and
multiple selects keep their choice) and each problem beside its field, in Chinese (in English on
an English page), never a field's machine name, and nothing is saved (issue 17, item 3): the
service menu, a post, a team, a leader's sign-in by hand, a correction and an order's "done" (its
hours)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.volunteer.conftest import local_iso, utc_now

CJK = re.compile(r"[\u4e00-\u9fff]")


def _count(tenant, model) -> int:
    with tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def _menu(town, api_as, request):
    from plugins.volunteer.models import ServiceItem

    post = request.getfixturevalue("post_id")
    return (api_as(town.admin), f"{town.pages}/menu", {"name": "理", "description": "每月一次", "post_id": str(post)},
            ['value="理"', 'value="每月一次"', f'<option value="{post}" selected>'], ("name", "长度须在 2 到 100 之间"),
            ServiceItem)


def _post(town, api_as, request):
    from plugins.volunteer.models import Post

    return (api_as(town.admin), f"{town.pages}/posts", {"kind": "post", "name": "", "description": "陪老人聊天"},
            ['value="陪老人聊天"'], ("name", "必填"), Post)


def _team(town, api_as, request):
    from plugins.volunteer.models import Team

    people = [request.getfixturevalue("volunteer")(name=n) for n in ("队长甲", "队员乙", "队员丙")]
    return (api_as(town.admin), f"{town.pages}/posts",
            {"kind": "team", "name": "", "leader_id": str(people[0]["id"]),
             "member_ids": [str(people[1]["id"]), str(people[2]["id"])]},
            [f'<option value="{people[0]["id"]}" selected>', f'<option value="{people[1]["id"]}" selected>',
             f'<option value="{people[2]["id"]}" selected>'], ("name", "必填"), Team)


def _signed_up(town, request):
    act = request.getfixturevalue("activity")(hours=2)
    vol = request.getfixturevalue("volunteer")(name="手机没电的")
    ph = request.getfixturevalue("phone")(vol)
    assert ph.post("/signups", json={"activity_id": act["id"]}).status_code in (200, 201)
    return act, vol, ph


def _by_hand(town, api_as, request):
    from plugins.volunteer.models import Attendance

    act, vol, _ph = _signed_up(town, request)
    start = local_iso(utc_now() - dt.timedelta(minutes=20))[:16]
    return (api_as(town.leader), f"{town.pages}/activities/{act['id']}/attendance",
            {"volunteer_id": str(vol["id"]), "checked_in_at": start, "reason": "没"},
            [f'<option value="{vol["id"]}" selected>', f'value="{start}"', 'value="没"'],
            ("reason", "长度须在 2 到 200 之间"), Attendance)


def _correction(town, api_as, request):
    from plugins.volunteer.models import Attendance

    act, _vol, ph = _signed_up(town, request)
    att = ph.post("/scan", json={"code": request.getfixturevalue("code")(act["id"])}).get_json()
    now = utc_now()
    start, end = local_iso(now - dt.timedelta(hours=1))[:16], local_iso(now)[:16]
    corrected = select(Attendance).where(Attendance.corrected.is_(True)).subquery()
    return (api_as(town.leader), f"{town.pages}/attendance/{att['id']}/correct",
            {"checked_in_at": start, "checked_out_at": end}, [f'value="{start}"', f'value="{end}"'],
            ("reason", "必填"), corrected)


def _done(town, api_as, request):
    """An order's "done" with its hours, from the orders page (the 8-hour cap refuses 30)."""
    from plugins.volunteer.models import Order
    from tests.plugins.volunteer.test_menu import _order

    order = _order(town, api_as)
    vol = request.getfixturevalue("volunteer")(name="上门的")
    api = api_as(town.admin)
    assert api.post(f"{town.pages}/orders/{order['id']}/claim", data={"volunteer_id": str(vol["id"])}).status_code == 302
    done = select(Order).where(Order.status == "done").subquery()
    return (api, f"{town.pages}/orders/{order['id']}/done", {"hours": "30"}, ['name="hours" type="number" step="0.5" '
            'min="0.5" value="30"'], ("hours", "服务时长须在 0 到 8 小时之间"), done)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", [_menu, _post, _team, _by_hand, _correction, _done])
def test_a_refused_form_keeps_what_was_typed_with_the_reason_beside_the_field(town, api_as, request, form, lang):
    api, url, data, kept, (field, zh), model = form(town, api_as, request)
    before = _count(town.tenant, model)
    resp = api.post(url + ("?lang=en" if lang == "en" else ""), data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page
    for snippet in kept:
        assert snippet in page, snippet
    error = re.search(rf'id="err-{field}" role="alert">([^<]*)<', page)
    assert error, page
    if lang == "zh":
        assert zh in error.group(1) and "Not a valid" not in page and "Missing data" not in page
    else:
        assert error.group(1).strip() and not CJK.search(error.group(1)), error.group(1)
    assert "['" not in page and f"{field}:" not in page
    assert _count(town.tenant, model) == before
