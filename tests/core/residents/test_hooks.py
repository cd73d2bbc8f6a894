"""The portal's hooks: ``resident_sections`` and ``resident_actions`` (docs/plugins.md)."""
from __future__ import annotations

from markupsafe import Markup

from core.plugins import hookimpl
from tests.core.residents.conftest import issue_card, sign_in


class NoticeBoard:
    """A plugin showing the household its own notices and a button to its page."""

    seen: list = []

    @staticmethod
    @hookimpl
    def resident_sections(tenant, household, card):
        NoticeBoard.seen.append((tenant.id, household.id, card.household_id))
        return [{"key": "notices.latest", "title": "村务公开", "order": 20,
                 "html": Markup("<p>本户 {} 的通知</p>").format(household.address)},
                {"key": "notices.first", "title": "置顶通知", "order": 10, "html": Markup("<p>置顶</p>")},
                {"title": "缺少 key 的回答被丢弃"}]

    @staticmethod
    @hookimpl
    def resident_actions(tenant, household, card):
        return [{"key": "notices.ask", "title": "我要咨询", "url": f"/r/{tenant.slug}/notices/ask", "order": 5},
                {"key": "notices.bad", "title": "no url"}]


def _home(village, api_as, client):
    face = issue_card(api_as(village.admin), village)
    assert sign_in(client, face).status_code == 303
    return client.get(f"/r/{village.slug}/").get_data(as_text=True)


def test_hook_resident_sections(village, api_as, client, register_plugin):
    NoticeBoard.seen = []
    register_plugin(NoticeBoard, "notice_board")
    html = _home(village, api_as, client)
    assert NoticeBoard.seen == [(village.tenant.id, village.household_id, village.household_id)]
    assert "<p>本户 东门路 8 号 的通知</p>" in html  # the module's own html, not escaped
    assert html.index("置顶通知") < html.index("村务公开")  # by order
    assert 'data-key="notices.latest"' in html and "缺少 key" not in html


def test_hook_resident_actions(village, api_as, client, register_plugin):
    register_plugin(NoticeBoard, "notice_board")
    html = _home(village, api_as, client)
    assert f'href="/r/{village.slug}/notices/ask"' in html and "我要咨询" in html
    assert "no url" not in html


def test_a_portal_without_modules_shows_the_household_alone(village, api_as, client):
    html = _home(village, api_as, client)
    assert "张大爷" in html and "r-section" not in html
