"""The account forms (new user, new token) keep what was typed after a refusal and show each
problem beside its field, in Chinese (issue 17, item 3)."""
from __future__ import annotations

import re

from tests.core.residents.conftest import csrf_of


def test_a_refused_new_user_keeps_the_form(create_tenant, create_user, api_as):
    town = create_tenant()
    api = api_as(create_user(roles=[(town, "township_admin")]))
    page = f"/t/{town.slug}/users"
    token = csrf_of(api.get(page).data)
    sent = api.post(page, data={"csrf_token": token, "username": "x", "display_name": "王小明", "mobile": "123",
                                "role": "township_admin"}, headers={"Referer": f"http://localhost{page}"})
    assert sent.status_code in (302, 303)
    again = api.get(page).get_data(as_text=True)
    assert 'value="王小明"' in again and 'value="123"' in again and 'value="x"' in again
    assert '<option value="township_admin" selected>' in again
    errors = dict(re.findall(r'id="err-(\w+)" role="alert">([^<]*)<', again))
    assert "username" in errors and "mobile" in errors, again
    assert all(re.search(r"[\u4e00-\u9fff]", m) and not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", m)
               for m in errors.values()), errors


def test_a_refused_token_keeps_its_name(create_tenant, create_user, api_as):
    town = create_tenant()
    api = api_as(create_user(roles=[(town, "township_admin")]))
    page = f"/t/{town.slug}/account/tokens"
    token = csrf_of(api.get(page).data)
    api.post(page, data={"csrf_token": token, "name": "夜间脚本", "expires_in_days": "999"},
             headers={"Referer": f"http://localhost{page}"})
    again = api.get(page).get_data(as_text=True)
    assert 'value="夜间脚本"' in again and 'value="999"' in again
    error = re.search(r'id="err-expires_in_days" role="alert">([^<]*)<', again)
    assert error and error.group(1) == "须在 1 到 365 之间", again
