"""The mediation pages in English (``?lang=en``) from the plugin's own catalogue: no Chinese left
but what the township wrote (names, rooms, grids, summaries, terms)."""
from __future__ import annotations

from tests.plugins.mediation.conftest import base, to_agreement

WRITTEN = ["人民调解委员会调解室", "周一至周五 8:30-17:30", "查冲村调解室", "新安村调解室", "村部二楼", "周一至周五", "周法官", "吴警官", "张三妻", "张三", "李四", "王五",
           "查冲村", "第一网格", "第二网格", "新安村", "一组网格", "测试镇", "张三与李四因排水沟走向发生争执", "李四于十日内改道排水沟",
           "双方陈述", "张三、李四", "议事长廊", "村口路灯坏了", "综治办小王"]


def test_pages_in_english(api_as, town, take_in, english_only):
    case = to_agreement(api_as, town, take_in())
    staff = api_as(town.staff)
    staff.get(f"/t/{town.slug}/mediation/?lang=en")
    meeting = staff.post(f"{base(town)}/meetings", json={"grid_id": town.village, "held_on": "2026-11-20",
                                                         "place": "议事长廊", "topics": [{"title": "村口路灯坏了"}]}).get_json()
    p = f"/t/{town.slug}/mediation"
    expected = {
        f"{p}/": ["Mediation cases", "Case number", "Agreement", "Neighbours"],
        f"{p}/new": ["Take in a dispute", "Find in the register", "Party 1", "Amount at stake (yuan)"],
        f"{p}/{case['id']}": ["Record a follow-up visit", "The agreement holds", "Follow-up visits", "Sessions",
                              "mediation agreement (print)"],
        f"{p}/{case['id']}/agreement": ["mediation agreement", "Through mediation the parties freely agree",
                                        "(seal)"],
        f"{p}/numbers": ["Mediation numbers", "Success rate = agreements ÷ concluded cases", "By mediator", "100.0%"],
        f"{p}/followups": ["Follow-ups due", "No follow-up visits due today"],
        f"{p}/rooms": ["Rooms and mediators", "Register a mediator", "Retired judge", "Grids served"],
        f"{p}/meetings": ["meetings", "Record a meeting", "1 raised, 0 solved"],
        f"{p}/meetings/{meeting['id']}": ["1 problems raised, 0 solved", "Make it a mediation case", "Report as an incident"],
    }
    numbers = case["number"]
    for url, english in expected.items():
        html = staff.get(url).get_data(as_text=True)
        for text in english:
            assert text in html, (url, text)
        english_only(html, data=WRITTEN + [numbers])
