"""Every five-star console form that is refused comes back (422) with what was typed and each
problem beside its field, in Chinese (in English on an English page), and nothing is saved
(issue 17, item 3): evidence, household stars, the scoring of a household, returning a plan, and
withdrawing a star at the township and at the county."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context
from tests.plugins.five_star.conftest import YEAR, star
from tests.plugins.five_star.test_county_withdraw import _publish


CJK = re.compile(r"[\u4e00-\u9fff]")


def _count(tenant, model) -> int:
    with tenant_context(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def _evidence(town, api_as, request):
    from plugins.five_star.models import Evidence

    task = star(request.getfixturevalue("standard"), "party")["tasks"][1]["id"]
    return (api_as(town.leader1), f"/t/{town.tenant.slug}/five_star/branches/{town.b1}/evidence?year={YEAR}",
            {"task_id": str(task), "kind": "photo", "title": "", "note": "三会一课记录，共三页"},
            [f'<option value="{task}" selected>', '<option value="photo" selected>', ">三会一课记录，共三页</textarea>"],
            ("title", "必填"), town.tenant, Evidence)


def _household_star(town, api_as, request):
    from plugins.five_star.models import HouseholdStar

    return (api_as(town.staff), f"/t/{town.tenant.slug}/five_star/households/stars/?year={YEAR}",
            {"name": "勤俭节约星", "category": "移风易俗", "description": "红白事简办", "max_score": "一百", "pass_score": "80"},
            ['value="勤俭节约星"', 'value="移风易俗"', 'value="红白事简办"', 'value="一百"'],
            ("max_score", "须为数字"), town.tenant, HouseholdStar)


def _household_score(town, api_as, request):
    from plugins.five_star.models import HouseholdRating

    h = api_as(town.admin).post(f"/api/v1/t/{town.tenant.slug}/households",
                                json={"grid_id": town.g1, "address": "查冲村一组8号", "head_name": "赵四"}).get_json()
    return (api_as(town.scorer), f"/t/{town.tenant.slug}/five_star/households/score?month={YEAR}-06",
            {"household_id": str(h["id"]), "star_codes": ["patriotic", "filial"], "score_patriotic": "90",
             "score_filial": "八十五"},
            ['name="household_id" inputmode="numeric" required value="%s"' % h["id"], 'value="patriotic" checked',
             'value="filial" checked', 'value="90"', 'value="八十五"'],
            ("score_filial", "须为数字"), town.tenant, HouseholdRating)


def _withdraw(town, api_as, request):
    from plugins.five_star.models import Award

    award = _publish(town, api_as, request.getfixturevalue("standard"), request.getfixturevalue("at_county"))
    task = award_task(request)
    return (api_as(town.staff), f"/t/{town.tenant.slug}/five_star/awards/{award['id']}/withdraw",
            {"reason": "", "redo_task_ids": str(task)}, [f'value="{task}" checked'],
            ("reason", "必填"), town.tenant, _withdrawn(Award))


def _county_withdraw(town, api_as, request):
    from plugins.five_star.models import Award

    award = _publish(town, api_as, request.getfixturevalue("standard"), request.getfixturevalue("at_county"))
    return (api_as(town.county_admin),
            f"/t/{town.county.slug}/five_star/county/townships/{town.tenant.slug}/awards/{award['id']}/withdraw?year={YEAR}",
            {"reason": "群众满意度测评不达标"}, [">群众满意度测评不达标</textarea>"],
            ("redo_task_ids", "必填"), town.tenant, _withdrawn(Award))


def _return_plan(town, api_as, request):
    from plugins.five_star.models import Plan

    party = star(request.getfixturevalue("standard"), "party")
    leader = api_as(town.leader1)
    plan = leader.post(f"/api/v1/t/{town.tenant.slug}/five_star/plans", json={
        "org_id": town.b1, "year": YEAR, "star_codes": ["party"],
        "actions": [{"task_id": party["tasks"][0]["id"], "action": "调整充实两委班子", "owner": "张书记"}]}).get_json()
    assert leader.post(f"/api/v1/t/{town.tenant.slug}/five_star/plans/{plan['id']}/submit", json={}).status_code == 200
    returned = select(Plan).where(Plan.state == "returned").subquery()
    return (api_as(town.staff), f"/t/{town.tenant.slug}/five_star/plans/{plan['id']}/return",
            {"comment": "  "}, ['name="comment" required maxlength="2000" value="  "'], ("comment", "必填"), town.tenant,
            returned)


def award_task(request) -> int:
    return star(request.getfixturevalue("standard"), "party")["tasks"][0]["id"]


def _withdrawn(award_model):
    """A stand-in "model" counting withdrawn awards: the form writes none."""
    return select(award_model).where(award_model.withdrawn_at.is_not(None)).subquery()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", [_evidence, _household_star, _household_score, _return_plan, _withdraw,
                                  _county_withdraw])
def test_a_refused_form_keeps_what_was_typed_with_the_reason_beside_the_field(town, api_as, request, form, lang):
    api, url, data, kept, (field, zh), tenant, model = form(town, api_as, request)
    before = _count(tenant, model)
    if lang == "en":
        url += ("&" if "?" in url else "?") + "lang=en"
    resp = api.post(url, data=data)
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
    assert _count(tenant, model) == before
