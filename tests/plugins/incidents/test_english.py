"""The incidents pages in English (``?lang=en``), from the plugin's own catalogue
(``plugins/incidents/translations``): no Chinese left but what the township wrote (grid, category,
department and people's names, descriptions); the API keeps its Chinese."""
from __future__ import annotations

import re

import pytest

from plugins.incidents import DEFAULT_DEPARTMENTS
from tests.plugins.incidents.conftest import base


@pytest.fixture
def township_words(town, api_as):
    """What the township wrote, legitimately Chinese on an English page."""
    names = [c["name"] for c in api_as(town.staff).get(f"{base(town)}/categories").get_json()]
    grids = [g.name for g in (town.village, town.g1, town.g2, town.other_village, town.g3)]
    return [*names, *grids, *DEFAULT_DEPARTMENTS, "测试镇", "网格员甲", "道路出现坑洼", "村口"]


def test_console_pages_in_english(town, api_as, report, township_words, english_only):
    inc = report()
    report(description="道路出现坑洼")  # a possible duplicate, so the detail page offers to merge
    staff = api_as(town.staff)
    p = f"/t/{town.tenant.slug}/incidents"
    staff.post(f"{base(town)}/{inc['id']}/accept", json={})
    expected = {
        f"{p}/?lang=en": ["<h1>Incidents</h1>", "Report an incident", "All states", ">Awaiting acceptance</option>",
                          "<th>Reported at</th>", ">Accepted</td>"],
        f"{p}/new": ["Category", "Normal (72 hours)", "Urgent (2 hours)", "Description of the problem",
                     "<button>Report</button>"],
        f"{p}/{inc['id']}": [f"Incident #{inc['id']} · Accepted", "now at <strong>第一网格</strong>", "Escalate to",
                             ">Escalate to the township grid office</button>", ">Decline</button>",
                             "Possible duplicates", "Merge into this one", "<h2>Timeline</h2>", "<strong>Report</strong>"],
        f"{p}/overdue": ["Overdue incidents", "By handler", "No overdue incidents"],
        f"{p}/numbers": ["Incident numbers", "<h3>Reported</h3>", "Settled in the grid", "Escalated to the township office",
                         "Closure rate", "<button>Show</button>", "By grid worker"],
        f"{p}/categories": ["Grid item list", "Time limit (hours)", "Escalate when overdue", "<th>Active</th>"],
        f"{p}/grids/qr": ["Snap-and-report QR codes", "One per grid", "<button type=\"button\" data-print>Print</button>"],
    }
    for url, english in expected.items():
        html = staff.get(url).get_data(as_text=True)
        for text in english:
            assert text in html, (url, text)
        english_only(html, data=township_words)


def test_actions_flash_in_english_and_the_api_keeps_its_chinese(town, api_as, report, township_words, english_only):
    inc = report()
    w1 = api_as(town.worker1)
    p = f"/t/{town.tenant.slug}/incidents"
    w1.get(f"{p}/?lang=en")
    assert w1.post(f"{p}/{inc['id']}/act/accept", data={"note": "马上去"}).status_code == 302
    w1.post(f"{p}/{inc['id']}/act/escalate", data={"to": "office", "note": "请网格办协调"})
    html = w1.get(f"{p}/{inc['id']}").get_data(as_text=True)
    assert 'role="status">Escalated</div>' in html and "第一网格 → Township grid office" in html
    english_only(html, data=township_words + ["马上去", "请网格办协调"])
    from core.auth.tokens import create_token
    from core.db import db

    _, key = create_token(town.worker1, town.tenant, "hotline")
    db.session.commit()
    [row] = w1.client.get(f"{base(town)}/open311/requests/{inc['id']}.json?lang=en", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert (row["status_notes"], row["agency_responsible"]) == ("待受理", "乡镇网格办")


def test_resident_form_and_receipt_in_english(app, town, category_id, township_words, english_only):
    client = app.test_client()
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}?lang=en"
    html = client.get(url).get_data(as_text=True)
    assert "<h1>Snap and report</h1>" in html and "Kind of problem" in html and "Your name (optional)" in html
    english_only(html, data=township_words)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    sent = client.post(url, data={"csrf_token": token, "category_id": str(category_id), "description": "路灯坏了"})
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "We have received your report" in html and "Current state: <strong>Awaiting acceptance</strong>" in html
    english_only(html, data=township_words)


def test_grid_page_section_in_english(town, api_as, report):
    report()
    html = api_as(town.staff).get(f"/t/{town.tenant.slug}/grids/{town.g1.id}?lang=en").get_data(as_text=True)
    assert "<h2>Incidents</h2>" in html and "<th>Open incidents</th><td>1</td>" in html
    assert "Snap-and-report poster for residents (printable)" in html and "事件流转" not in html


def test_the_person_pages_incidents_heading_follows_the_language(app, town, report, api_as):
    """The person page's panel of incidents is headed in the page's language (was always 涉及事件)."""
    from core.db import db
    from core.people.services import create_person
    from core.tenancy import tenant_context

    with tenant_context(town.tenant):
        person_id = create_person({"name": "王大爷", "grid_id": town.g1.id}).id
        db.session.commit()
    report(person_id=person_id, description="王大爷家屋顶漏雨")
    staff = api_as(town.staff)
    url = f"/t/{town.tenant.slug}/people/{person_id}"
    chinese, english = (staff.get(url + lang).get_data(as_text=True) for lang in ("?lang=zh_Hans_CN", "?lang=en"))
    assert "<h2>涉及事件</h2>" in chinese and "王大爷家屋顶漏雨" in chinese
    assert "<h2>Incidents</h2>" in english and "涉及事件" not in english and "王大爷家屋顶漏雨" in english
