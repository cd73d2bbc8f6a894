"""Every assessment console form that is refused comes back (422) with what was typed (selects
keep their choice) and each problem beside its field, in Chinese (in English on an English page),
never a field's machine name, and nothing is saved (issue 17, item 3): a new quarter, a rule, a
rule's edit form, an inspection's deduction and its withdrawal."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.toolkit import db, tenant_context

CJK = re.compile(r"[\u4e00-\u9fff]")


def _count(tenant, rows) -> int:
    with tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(rows))


def _quarter(town, api_as, rule_by_code, deduct):
    from gridgov_assessment.models import Quarter

    return (api_as(town.admin), f"{town.pages}/quarters", {"period": "2026年三季度"}, ['value="2026年三季度"'],
            ("period", "须为 2026-Q3 这样的季度"), Quarter)


def _rule(town, api_as, rule_by_code, deduct):
    from gridgov_assessment.models import ChecklistRule

    return (api_as(town.admin), f"{town.pages}/quarters/{town.period}/rules",
            {"code": "clean_roads", "item": "环境卫生", "title": "村道每周清扫", "max_points": "五", "method": "抽查三次"},
            ['value="clean_roads"', 'value="环境卫生"', 'value="村道每周清扫"', 'value="五"', 'value="抽查三次"'],
            ("max_points", "须为数字"), ChecklistRule)


def _rule_edit(town, api_as, rule_by_code, deduct):
    from gridgov_assessment.models import ChecklistRule

    admin = api_as(town.admin)
    rule = rule_by_code(admin, town, "party_meeting")
    edited = select(ChecklistRule).where(ChecklistRule.title == "每月按时召开主题党日").subquery()
    return (admin, f"{town.pages}/quarters/{town.period}/rules/{rule['id']}",
            {"item": rule["item"], "title": "每月按时召开主题党日", "max_points": "200", "method": "查会议记录"},
            ['value="每月按时召开主题党日"', 'value="200"', ">查会议记录</textarea>"],
            ("max_points", "须在 0.5 到 100 之间"), edited)


def _deduction(town, api_as, rule_by_code, deduct):
    from gridgov_assessment.models import Deduction

    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")
    return (staff, f"{town.pages}/quarters/{town.period}/deductions",
            {"grid_id": str(town.g2), "rule_id": str(rule["id"]), "points": "两分", "reason": "门前堆放杂物",
             "evidence": "照片 IMG_0012"},
            [f'<option value="{town.g2}" selected>', f'<option value="{rule["id"]}" selected>', 'value="两分"',
             'value="门前堆放杂物"', 'value="照片 IMG_0012"'], ("points", "须为数字"), Deduction)


def _withdrawal(town, api_as, rule_by_code, deduct):
    from gridgov_assessment.models import Deduction

    staff = api_as(town.staff)
    rule = rule_by_code(staff, town, "party_meeting")
    assert deduct(staff, town, town.g2, rule["id"], 1).status_code == 201
    deduction = staff.get(f"{town.api}/quarters/{town.period}/deductions").get_json()["items"][0]
    return (staff, f"{town.pages}/quarters/{town.period}/deductions/{deduction['id']}/withdraw",
            {"reason": "复" * 201}, ['value="' + "复" * 201 + '"'], ("reason", "长度须在 1 到 200 之间"), Deduction)  # withdrawing deletes the row


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", [_quarter, _rule, _rule_edit, _deduction, _withdrawal])
def test_a_refused_form_keeps_what_was_typed_with_the_reason_beside_the_field(town, api_as, rule_by_code, deduct,
                                                                              form, lang):
    api, url, data, kept, (field, zh), rows = form(town, api_as, rule_by_code, deduct)
    before = _count(town.tenant, rows)
    resp = api.post(url + ("?lang=en" if lang == "en" else ""), data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page
    for snippet in kept:
        assert snippet in page, snippet
    error = re.search(rf'id="err-{field}" role="alert">([^<]*)<', page)
    assert error, page
    if lang == "zh":
        assert zh in error.group(1) and "Not a valid" not in page
    else:
        assert error.group(1).strip() and not CJK.search(error.group(1)), error.group(1)
    assert "['" not in page and f"{field}:" not in page
    assert _count(town.tenant, rows) == before
