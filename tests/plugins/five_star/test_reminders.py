"""Reminders to file the plan (催报) reach people: the township queues them, the
``five_star.send_reminders`` schedule delivers them to the inbox of the people on the village's
grid (shown on their start page until read), records when and to whom for the township, and
announces ``five_star_reminder_sent`` for other channels."""
from __future__ import annotations

from core.db import db
from core.plugins import hookimpl
from tests.plugins.five_star.conftest import YEAR, base


def _send(town) -> list:
    from core.toolkit import run_schedule

    outcomes = run_schedule("five_star.send_reminders", town.tenant)
    db.session.commit()
    assert [o.status for o in outcomes] == ["succeeded"], outcomes
    return outcomes


class Channel:
    """Another channel (an SMS module, say) answering the announcement."""

    def __init__(self):
        self.calls = []
        self.fail = False

    @hookimpl(optionalhook=True)
    def five_star_reminder_sent(self, tenant, org, year, text, recipients):
        if self.fail:
            raise RuntimeError("短信网关不可用")
        self.calls.append((tenant.slug, org.name, year, text, [r["name"] for r in recipients]))


def test_hook_five_star_reminder_sent(town, api_as, create_user, register_plugin):
    sms = register_plugin(Channel(), "sms_for_test")
    staff = api_as(town.staff)
    helper = create_user(roles=[(town.tenant, "grid_leader", town.v2)], display_name="新安村文书")
    assert staff.post(f"{base(town)}/filing/remind", json={"year": YEAR}).get_json() == {"reminded": [town.b1, town.b2]}
    assert sms.calls == []  # queued, not sent yet
    rows = {r["org_id"]: r for r in staff.get(f"{base(town)}/filing?year={YEAR}").get_json()["branches"]}
    assert rows[town.b1]["last_reminder"]["sent_at"] is None
    [outcome] = _send(town)
    assert outcome.result == {"sent": 2, "no_recipient": 0, "filed": 0}
    assert sorted(sms.calls) == sorted([
        (town.tenant.slug, "查冲村党支部", YEAR, f"党建办干事提醒：查冲村党支部尚未报送{YEAR}年度五星支部创建计划表，请尽快填报并报送。",
         ["查冲村书记"]),
        (town.tenant.slug, "新安村党总支", YEAR, f"党建办干事提醒：新安村党总支尚未报送{YEAR}年度五星支部创建计划表，请尽快填报并报送。",
         [town.leader2.display_name or town.leader2.username, "新安村文书"])])
    # sent once: the next run has nothing to send
    assert _send(town)[0].result == {"sent": 0, "no_recipient": 0, "filed": 0}
    assert len(sms.calls) == 2
    assert helper.id


def test_a_failing_channel_rolls_the_delivery_back_and_it_is_tried_again(town, api_as, register_plugin):
    from core.toolkit import run_schedule

    sms = register_plugin(Channel(), "sms_failing")
    sms.fail = True
    staff = api_as(town.staff)
    staff.post(f"{base(town)}/filing/remind", json={"year": YEAR, "org_ids": [town.b1]})
    [outcome] = run_schedule("five_star.send_reminders", town.tenant)
    db.session.commit()
    assert outcome.status == "failed" and "短信网关不可用" in outcome.error
    assert api_as(town.leader1).get(f"{base(town)}/inbox").get_json()["unread"] == 0
    sms.fail = False
    assert _send(town)[0].result["sent"] == 1
    assert api_as(town.leader1).get(f"{base(town)}/inbox").get_json()["unread"] == 1


def test_the_secretary_sees_the_reminder_on_the_start_page_and_the_township_sees_to_whom(town, api_as):
    from tests.plugins.five_star.test_pages import Browser

    staff = Browser(api_as(town.staff))
    staff.get(f"/t/{town.tenant.slug}/five_star/filing?year={YEAR}")
    assert staff.post(f"/t/{town.tenant.slug}/five_star/filing?year={YEAR}", data={}).status_code == 302
    html = staff.get(f"/t/{town.tenant.slug}/five_star/filing?year={YEAR}").get_data(as_text=True)
    assert "已排队，待发送" in html
    _send(town)
    html = staff.get(f"/t/{town.tenant.slug}/five_star/filing?year={YEAR}").get_data(as_text=True)
    assert "已发送给：查冲村书记" in html
    sent = {r["org_id"]: r["last_reminder"] for r in api_as(town.staff).get(f"{base(town)}/filing?year={YEAR}")
            .get_json()["branches"]}
    assert sent[town.b1]["outcome"] == "sent" and sent[town.b1]["sent_at"].endswith("+08:00")
    assert [r["name"] for r in sent[town.b1]["recipients"]] == ["查冲村书记"]
    # the secretary's start page shows it, with a link to the inbox
    leader = Browser(api_as(town.leader1))
    home = leader.get(f"/t/{town.tenant.slug}/").get_data(as_text=True)
    assert "五星创建提醒" in home and "查冲村党支部尚未报送" in home and "/five_star/inbox/" in home
    assert "新安村党总支" not in home  # the other village's reminder is not theirs
    inbox = leader.get(f"/t/{town.tenant.slug}/five_star/inbox/").get_data(as_text=True)
    assert "查冲村党支部尚未报送" in inbox and "未读" in inbox
    # nobody else gets it: the township staff, the other village; the grid worker has no inbox here
    for user in (town.staff, town.leader2, town.admin):
        body = api_as(user).get(f"{base(town)}/inbox").get_json()
        assert all("查冲村" not in n["text"] for n in body["items"]), user
    assert api_as(town.worker).get(f"{base(town)}/inbox").status_code == 403
    assert leader.post(f"/t/{town.tenant.slug}/five_star/inbox/read", data={"all": "1"}).status_code == 302
    assert "五星创建提醒" not in leader.get(f"/t/{town.tenant.slug}/").get_data(as_text=True)
    assert api_as(town.leader1).get(f"{base(town)}/inbox").get_json()["unread"] == 0


def test_nobody_to_tell_and_filed_meanwhile_are_shown(town, api_as, standard):
    from tests.plugins.five_star.conftest import star

    staff, leader = api_as(town.staff), api_as(town.leader1)
    staff.post(f"{base(town)}/filing/remind", json={"year": YEAR})
    # 查冲村 files before the reminder goes out; 新安村's secretary has no account any more
    task = star(standard, "party")["tasks"][0]["id"]
    plan = leader.post(f"{base(town)}/plans", json={"org_id": town.b1, "year": YEAR, "star_codes": ["party"],
                                                     "actions": [{"task_id": task, "action": "建强班子", "owner": "张"}]})
    leader.post(f"{base(town)}/plans/{plan.get_json()['id']}/submit", json={})
    town.leader2.active = False
    db.session.commit()
    assert _send(town)[0].result == {"sent": 0, "no_recipient": 1, "filed": 1}
    rows = {r["org_id"]: r["last_reminder"] for r in staff.get(f"{base(town)}/filing?year={YEAR}").get_json()["branches"]}
    assert (rows[town.b1]["outcome"], rows[town.b2]["outcome"]) == ("filed", "no_recipient")
    assert leader.get(f"{base(town)}/inbox").get_json()["items"] == []
    html = api_as(town.staff).client.get(f"/t/{town.tenant.slug}/five_star/filing?year={YEAR}").get_data(as_text=True)
    assert "请电话通知" in html and "发送前已报送" in html
    assert html.index("新安村党总支") < html.index("查冲村党支部")  # the one still missing comes first


def test_a_user_marks_only_their_own_notices_read(town, api_as, create_user):
    other = create_user(roles=[(town.tenant, "grid_leader", town.v1)], display_name="查冲村委员")
    api_as(town.staff).post(f"{base(town)}/filing/remind", json={"year": YEAR, "org_ids": [town.b1]})
    _send(town)
    mine = api_as(town.leader1).get(f"{base(town)}/inbox").get_json()
    theirs = api_as(other).get(f"{base(town)}/inbox").get_json()
    assert mine["unread"] == theirs["unread"] == 1
    resp = api_as(town.leader1).post(f"{base(town)}/inbox/read", json={"notice_ids": [theirs["items"][0]["id"]]})
    assert resp.get_json() == {"marked": 0}
    assert api_as(other).get(f"{base(town)}/inbox").get_json()["unread"] == 1
    assert api_as(town.leader1).post(f"{base(town)}/inbox/read", json={"notice_ids": ["x"]}).status_code == 422
    assert api_as(town.leader1).post(f"{base(town)}/inbox/read", json={}).get_json() == {"marked": 1}


def test_a_reminder_waiting_to_go_out_is_not_queued_twice(town, api_as):
    staff = api_as(town.staff)
    assert staff.post(f"{base(town)}/filing/remind", json={"year": YEAR}).get_json() == {"reminded": [town.b1, town.b2]}
    assert staff.post(f"{base(town)}/filing/remind", json={"year": YEAR}).get_json() == {"reminded": []}
    assert staff.post(f"{base(town)}/filing/remind", json={"year": YEAR, "org_ids": [town.b1, town.b1]}).get_json() == {
        "reminded": []}
    _send(town)
    assert api_as(town.leader1).get(f"{base(town)}/inbox").get_json()["unread"] == 1
    # once sent, the township may remind again
    assert staff.post(f"{base(town)}/filing/remind", json={"year": YEAR, "org_ids": [town.b1]}).get_json() == {
        "reminded": [town.b1]}
    _send(town)
    assert api_as(town.leader1).get(f"{base(town)}/inbox").get_json()["unread"] == 2
    rows = {r["org_id"]: r for r in staff.get(f"{base(town)}/filing?year={YEAR}").get_json()["branches"]}
    assert rows[town.b1]["reminders"] == 2


def test_the_inbox_speaks_the_pages_language(town, api_as, english_only):
    api_as(town.staff).post(f"{base(town)}/filing/remind", json={"year": YEAR, "org_ids": [town.b1]})
    _send(town)
    leader = api_as(town.leader1).client
    for url in (f"/t/{town.tenant.slug}/five_star/inbox/?lang=en", f"/t/{town.tenant.slug}/?lang=en"):
        html = leader.get(url).get_data(as_text=True)
        assert f"has not filed its {YEAR} five-star creation plan" in html, url
    english_only(leader.get(f"/t/{town.tenant.slug}/five_star/inbox/?lang=en").get_data(as_text=True),
                 ["党建办干事", "查冲村党支部", "查冲村书记", town.tenant.name])
    # the stored text, for other channels, stays Chinese
    assert "尚未报送" in api_as(town.leader1).get(f"{base(town)}/inbox").get_json()["items"][0]["text"]
