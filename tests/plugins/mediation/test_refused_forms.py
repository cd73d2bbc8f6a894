"""Every mediation console form that is refused comes back (422) with what was typed (checkboxes
and multiple selects too) and each problem beside its field, in Chinese (in English on an English
page), and nothing is saved (issue 17, item 3): rooms, mediators, a village meeting, a session
record, a new party."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.mediation.conftest import step

CJK = re.compile(r"[\u4e00-\u9fff]")
LONG = "1" * 30  # a phone number longer than 20


def _count(tenant, model) -> int:
    with tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def _room(town, api_as, take_in):
    from plugins.mediation.models import Room

    return (api_as(town.staff), f"/t/{town.slug}/mediation/rooms",
            {"name": "镇调解中心", "grid_ids": [str(town.g1), str(town.g2)], "address": "镇政府一楼", "phone": LONG},
            [f'<option value="{town.g1}" selected>', f'<option value="{town.g2}" selected>', 'value="镇政府一楼"'],
            ("room-phone", "长度不能超过 20"), Room)


def _mediator(town, api_as, take_in):
    from plugins.mediation.models import Mediator

    return (api_as(town.staff), f"/t/{town.slug}/mediation/mediators",
            {"name": "郑律师", "background": "lawyer", "specialities": ["neighbours", "family"],
             "room_ids": [str(town.room_b)], "phone": LONG},
            ['value="郑律师"', '<option value="lawyer" selected>', 'value="neighbours" checked', 'value="family" checked',
             f'value="{town.room_b}" checked'],
            ("mediator-phone", "长度不能超过 20"), Mediator)


def _meeting(town, api_as, take_in):
    from plugins.mediation.models import Meeting

    return (api_as(town.staff), f"/t/{town.slug}/mediation/meetings",
            {"grid_id": str(town.g2), "held_on": "2026-11-20", "place": "村部" * 150, "host": "李主任",
             "topics": "排水沟改道\n广场舞噪音"},
            [f'<option value="{town.g2}" selected>', 'value="李主任"', ">排水沟改道\n广场舞噪音</textarea>"],
            ("place", "长度不能超过 200"), Meeting)


def _session(town, api_as, take_in):
    from plugins.mediation.models import CaseSession

    case = take_in()
    api = api_as(town.med_a)
    assert step(api, town, case["id"], "accept").status_code == 200
    assert step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]]).status_code == 200
    return (api, f"/t/{town.slug}/mediation/{case['id']}/act/session",
            {"held_on": "2026-11-21", "place": "村部", "attendees": "张三、李四", "notes": "双方陈述了排水沟的走向",
             "next_step": "x" * 600},
            ['value="2026-11-21"', 'value="张三、李四"', ">双方陈述了排水沟的走向</textarea>"],
            ("session-next_step", "长度不能超过 500"), CaseSession)


def _party(town, api_as, take_in):
    from plugins.mediation.models import Party

    case = take_in()
    return (api_as(town.staff), f"/t/{town.slug}/mediation/{case['id']}/parties",
            {"role": "respondent", "name": "王六", "phone": "13912345678", "address": "查" * 201},
            ['<option value="respondent" selected>', 'value="王六"', 'value="13912345678"'],
            ("party-address", "长度不能超过 200"), Party)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", [_room, _mediator, _meeting, _session, _party])
def test_a_refused_form_keeps_what_was_typed_with_the_reason_beside_the_field(town, api_as, take_in, form, lang):
    api, url, data, kept, (field, zh), model = form(town, api_as, take_in)
    before = _count(town.tenant, model)
    resp = api.post(url + ("?lang=en" if lang == "en" else ""), data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page
    for snippet in kept:
        assert snippet in page, snippet
    error = re.search(rf'id="err-{field}" role="alert">([^<]*)<', page)
    assert error, page
    if lang == "zh":
        assert zh in error.group(1) and "Longer than" not in page and "Not a valid" not in page
    else:
        assert error.group(1).strip() and not CJK.search(error.group(1)), error.group(1)
    assert "['" not in page
    assert _count(town.tenant, model) == before
