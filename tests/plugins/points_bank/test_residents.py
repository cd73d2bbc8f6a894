"""The residents' portal part as a service (until core's portal hooks land): a household sees
its own balance, passbook lines, tier, goods at its price, and may object to its published entries."""
from __future__ import annotations

import datetime as dt

import pytest

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.points_bank.test_periods import _last_month_local, _period


def test_a_household_sees_only_its_own_points(town, books):
    from plugins.points_bank.residents import resident_summary

    books.record("张三", "public_good", note="河道清理")
    books.record("李四", "filial")
    books.api.post(f"{town.base}/items", json={"name": "毛巾", "price": 10, "stock": 2})
    with tenant_context(town.tenant):
        mine = resident_summary(town.tenant, town.households["张三"])
        theirs = resident_summary(town.tenant, town.households["王五"])
        db.session.rollback()
    assert [a["balance"] for a in mine["accounts"]] == [5]
    assert mine["accounts"][0]["lines"][0]["note"] == "河道清理" and mine["accounts"][0]["rank"] == 1
    assert mine["tier"]["code"] == "gold" and mine["items"][0]["price"] == 8  # 20% off for the gold tier
    assert theirs["accounts"] == [] and theirs["items"][0]["price"] == 10


def test_a_household_objects_to_its_own_published_entry_only(town, books):
    from core.toolkit import ApiError
    from plugins.points_bank.residents import resident_object, resident_summary

    when = _last_month_local()
    own = books.record("张三", "public_good", occurred_at=when).get_json()
    other = books.record("李四", "public_good", occurred_at=when).get_json()
    books.api.post(f"{town.base}/periods/{_period(books, when[:7])['id']}/publish", json={})
    with tenant_context(town.tenant):
        summary = resident_summary(town.tenant, town.households["张三"])
        assert [o["id"] for o in summary["objectable"]] == [own["id"]]
        assert summary["objectable"][0]["until"] > dt.datetime.now(dt.timezone.utc)
        with pytest.raises(ApiError) as refused:
            resident_object(town.tenant, town.households["张三"], other["id"], "", "不是我家的")
        assert refused.value.status == 404
        row = resident_object(town.tenant, town.households["张三"], own["id"], "", "那天我家没人参加")
        db.session.commit()
        assert row.by_name == "张三" and row.by_household_id == town.households["张三"]
    assert books.api.get(f"{town.base}/objections").get_json()["total"] == 1


def test_hook_answer_resident_sections_shows_this_household_only(app, town, books):
    from core.modules import hooks
    from core.people.models import Household

    books.record("张三", "public_good", note="河道清理")
    books.record("李四", "filial")
    books.api.post(f"{town.base}/items", json={"name": "毛巾", "price": 10, "stock": 2})
    with app.test_request_context(f"/r/{town.slug}/"), tenant_context(town.tenant):
        from flask import g

        g.tenant = town.tenant
        household = db.session.get(Household, town.households["张三"])
        answers = hooks(town.tenant).resident_sections(tenant=town.tenant, household=household, card=None)
        db.session.rollback()
    section = next(s for answer in answers for s in answer if s["key"] == "points_bank.points")
    assert section["title"] == "我家的积分" and section["order"] == 300
    assert "农户十星积分" in section["html"] and "<strong>5</strong>" in section["html"] and "毛巾" in section["html"]
    assert "孝老爱亲" not in section["html"] and "李四" not in section["html"]
