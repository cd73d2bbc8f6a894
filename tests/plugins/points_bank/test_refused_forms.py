"""Every points-bank console form that is refused comes back (422) with what was typed and each
problem beside its field, in Chinese (in English on an English page), never a field's machine
name, and nothing is saved (issue 17, item 3): a rule, a recording (its photos must be chosen
again), goods, restocking, an objection and its resolution."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.points_bank.test_periods import _last_month_local, _period

CJK = re.compile(r"[\u4e00-\u9fff]")


def _count(tenant, model) -> int:
    with tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def _rule(town, books, api_as):
    from plugins.points_bank.models import Rule

    scheme = books.scheme()
    return (books.api, f"/t/{town.slug}/points_bank/schemes/{scheme['id']}/rules",
            {"category": "乡风文明", "name": "义务打扫村道", "points": "五分", "evidence": "照片"},
            ['value="乡风文明"', 'value="义务打扫村道"', 'value="照片"'], ("points", "须为整数"), Rule)


def _recording(town, books, api_as):
    from plugins.points_bank.models import Txn

    rule = books.rule("public_good")
    return (books.api, f"/t/{town.slug}/points_bank/record",
            {"rule_id": str(rule["id"]), "household_id": str(town.households["张三"]), "note": "村民大会",
             "occurred_at": "上周五", "photos": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"0" * 100), "a.jpg")},
            [f'<option value="{rule["id"]}" selected>', f'value="{town.households["张三"]}" checked', 'value="村民大会"',
             "照片未保存：请重新选择照片"], ("occurred_at", "如 2026-11-05T09:30"), Txn)


def _goods(town, books, api_as):
    from plugins.points_bank.models import Item

    return (books.api, f"/t/{town.slug}/points_bank/shop/items",
            {"name": "食用油", "price": "三十", "stock": "10", "unit": "桶", "kind": "service"},
            ['value="食用油"', 'value="10"', 'value="桶"', '<option value="service" selected>'], ("price", "须为整数"), Item)


def _restock(town, books, api_as):
    from plugins.points_bank.models import StockMove

    item = books.api.post(f"{town.base}/items", json={"name": "食用油", "price": 3, "stock": 1}).get_json()
    return (api_as(town.clerk), f"/t/{town.slug}/points_bank/shop/items/{item['id']}/stock",
            {"action": "restock", "quantity": "0"}, ['value="0"'], ("quantity", "须在 1 到 1000000 之间"), StockMove)


def _published(town, books):
    when = _last_month_local()
    award = books.record("张三", "public_good", occurred_at=when).get_json()
    period = _period(books, when[:7])
    assert books.api.post(f"{town.base}/periods/{period['id']}/publish", json={"days": 7}).status_code == 200
    return award


def _objection(town, books, api_as):
    from plugins.points_bank.models import Objection

    award = _published(town, books)
    return (api_as(town.worker1), f"/t/{town.slug}/points_bank/objections",
            {"txn_id": str(award["id"]), "by_name": "", "reason": "当天他不在村里"}, ['value="当天他不在村里"'],
            ("by_name", "必填"), Objection)


def _resolution(town, books, api_as):
    from plugins.points_bank.models import Objection

    award = _published(town, books)
    objection = api_as(town.worker1).post(f"{town.base}/objections", json={
        "txn_id": award["id"], "by_name": "邻居王", "reason": "当天他不在村里"}).get_json()
    resolved = select(Objection).where(Objection.state != "open").subquery()
    return (books.api, f"/t/{town.slug}/points_bank/objections/{objection['id']}/resolve",
            {"decision": "upheld", "resolution": "查"}, ['<option value="upheld" selected>', 'value="查"'],
            ("resolution", "必填"), resolved)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", [_rule, _recording, _goods, _restock, _objection, _resolution])
def test_a_refused_form_keeps_what_was_typed_with_the_reason_beside_the_field(town, books, api_as, form, lang):
    api, url, data, kept, (field, zh), model = form(town, books, api_as)
    before = _count(town.tenant, model)
    resp = api.post(url + ("?lang=en" if lang == "en" else ""), data=data,
                    content_type="multipart/form-data" if "photos" in data else None)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page
    for snippet in kept:
        if lang == "zh" or not snippet.startswith("照片未保存"):  # a sentence of the page's, in its language
            assert snippet in page, snippet
    error = re.search(rf'id="err-{field}" role="alert">([^<]*)<', page)
    assert error, page
    if lang == "zh":
        assert zh in error.group(1) and "Not a valid" not in page
    else:
        assert error.group(1).strip() and not CJK.search(error.group(1)), error.group(1)
    assert "['" not in page and f"{field}:" not in page and f">{field}</a>" not in page
    assert _count(town.tenant, model) == before
