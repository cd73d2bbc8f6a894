"""Follow-up visits (回访): scheduled after an agreement, refused before one, and an agreement
that does not hold reopens the case or refers it on."""
from __future__ import annotations

import datetime as dt

from tests.plugins.mediation.conftest import base, step, to_agreement


def _visit(api, town, case_id, **body):
    return api.post(f"{base(town)}/cases/{case_id}/followups", json=body)


def test_follow_up_before_the_agreement_is_refused(api_as, town, take_in):
    case = take_in()
    api = api_as(town.med_a)
    resp = _visit(api, town, case["id"], holds=True)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "no_agreement"
    step(api, town, case["id"], "accept")
    step(api, town, case["id"], "assign", mediator_ids=[town.mediators["med_a"]])
    step(api, town, case["id"], "session", notes="谈")
    assert _visit(api, town, case["id"], holds=True).status_code == 409
    assert api.get(f"{base(town)}/cases/{case['id']}").get_json()["followups"] == []


def test_visits_are_scheduled_at_the_townships_intervals(api_as, town, take_in):
    from core.toolkit import local_today

    case = to_agreement(api_as, town, take_in())
    today = local_today()
    assert [f["due_on"] for f in case["followups"]] == [(today + dt.timedelta(days=d)).isoformat() for d in (7, 30, 90)]
    resp = _visit(api_as(town.med_a), town, case["id"], holds=True, note="已改道")
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["state"] == "agreement" and body["followups"][0]["holds"] is True
    assert body["followups"][0]["done_at"] and body["followups"][1]["done_at"] is None


def test_agreement_not_holding_reopens_the_case(api_as, town, take_in):
    case = to_agreement(api_as, town, take_in())
    api = api_as(town.med_a)
    resp = _visit(api, town, case["id"], holds=False)
    assert resp.status_code == 422 and "then" in resp.get_json()["error"]["fields"]
    assert _visit(api, town, case["id"], holds=True, then="reopen").status_code == 422
    resp = _visit(api, town, case["id"], holds=False, then="reopen", note="李四未改道")
    body = resp.get_json()
    assert resp.status_code == 201 and body["state"] == "in_session" and body["reopen_count"] == 1
    assert body["outcome"] is None and [f["cancelled"] for f in body["followups"]] == [False, True, True]
    assert step(api, town, case["id"], "session", notes="第二次调解").status_code == 200


def test_agreement_not_holding_is_referred_on(api_as, town, take_in):
    case = to_agreement(api_as, town, take_in())
    api = api_as(town.med_a)
    resp = _visit(api, town, case["id"], holds=False, then="refer")
    assert resp.status_code == 422 and "referral_kind" in resp.get_json()["error"]["fields"]
    assert api.get(f"{base(town)}/cases/{case['id']}").get_json()["followups"][0]["done_at"] is None  # nothing saved
    resp = _visit(api, town, case["id"], holds=False, then="refer", referral_kind="court", referral_body="县人民法院")
    body = resp.get_json()
    assert body["state"] == "referred" and body["referral_body"] == "县人民法院"


def test_due_list_and_cli(app, api_as, town, take_in):
    from core.toolkit import local_today

    case = to_agreement(api_as, town, take_in())
    assert api_as(town.med_a).get(f"{base(town)}/followups/due").get_json()["items"] == []
    runner = app.test_cli_runner()
    out = runner.invoke(args=["--lang", "en", "mediation", "followups-due", "--tenant", town.slug])
    assert out.exit_code == 0 and f"{town.slug}: 0 due" in out.output
    from core.db import db
    from core.tenancy import tenant_context
    from plugins.mediation.models import FollowUp

    with tenant_context(town.tenant):
        for row in db.session.query(FollowUp).filter(FollowUp.case_id == case["id"]):
            row.due_on = local_today() - dt.timedelta(days=1)
        db.session.commit()
    items = api_as(town.med_a).get(f"{base(town)}/followups/due").get_json()["items"]
    assert [i["case_id"] for i in items] == [case["id"]] * 3
    assert api_as(town.med_b).get(f"{base(town)}/followups/due").get_json()["items"] == []  # not their case
    out = runner.invoke(args=["--lang", "en", "mediation", "followups-due", "--tenant", town.slug])
    assert f"{town.slug}: 3 due" in out.output and f"case {case['id']} due" in out.output


def test_the_daily_schedule_counts_due_visits(app, api_as, town, take_in):
    from core.db import db
    from core.schedules import declared, run_now
    from core.tenancy import tenant_context
    from core.toolkit import local_today
    from plugins.mediation.models import FollowUp

    assert declared()["mediation.followups_due"].schedule.cron == "0 8 * * *"
    case = to_agreement(api_as, town, take_in())
    [outcome] = run_now("mediation.followups_due", town.tenant)
    assert outcome.result == {"due": 0}
    with tenant_context(town.tenant):
        row = db.session.query(FollowUp).filter(FollowUp.case_id == case["id"]).order_by(FollowUp.id).first()
        row.due_on = local_today() - dt.timedelta(days=2)
        db.session.commit()
    [outcome] = run_now("mediation.followups_due", town.tenant)
    assert outcome.result == {"due": 1}
