"""A refused report keeps what the grid worker typed and says beside each field, in Chinese, what
is wrong (issue 17, item 3); the chosen photos cannot be kept, and the page says so."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from core.db import db
from core.tenancy import tenant_context


def _setup(create_tenant, create_user, api_as):
    from plugins.incidents.models import Category

    town = create_tenant(modules=["incidents"], levels=["村", "网格"])
    admin = api_as(create_user(roles=[(town, "township_admin")]))
    grids = [admin.post(f"/api/v1/t/{town.slug}/grids", json={"name": n}).get_json() for n in ("一组", "二组")]
    with tenant_context(town):
        categories = db.session.scalars(select(Category.id).order_by(Category.id)).all()
    return town, admin, grids, categories


def _count(town) -> int:
    from plugins.incidents.models import Incident

    with tenant_context(town):
        return db.session.scalar(select(func.count()).select_from(Incident))


def test_a_refused_report_shows_what_was_typed_and_each_error_in_chinese(create_tenant, create_user, api_as):
    town, api, grids, categories = _setup(create_tenant, create_user, api_as)
    form = {"grid_id": str(grids[1]["id"]), "category_id": str(categories[-1]), "urgency": "urgent",
            "description": "路灯坏了三天", "place": "村口", "person_id": "abc",
            "photos": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"0" * 100), "lamp.jpg")}
    resp = api.post(f"/t/{town.slug}/incidents/new", data=form, content_type="multipart/form-data")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'<option value="{grids[1]["id"]}" selected>' in page
    assert f'<option value="{categories[-1]}" selected>' in page
    assert '<option value="urgent" selected>' in page
    assert ">路灯坏了三天</textarea>" in page and 'value="村口"' in page and 'value="abc"' in page
    error = re.search(r'id="err-person_id" role="alert">([^<]*)<', page)
    assert error and error.group(1) == "须为整数", page
    assert 'name="person_id" inputmode="numeric" value="abc" aria-invalid="true"' in page
    assert "照片未保存：请重新选择照片后再上报" in page
    assert "Not a valid" not in page and "person_id:" not in page
    assert _count(town) == 0


def test_a_too_short_description_is_named_beside_its_field_in_the_pages_language(create_tenant, create_user, api_as):
    town, api, grids, categories = _setup(create_tenant, create_user, api_as)
    form = {"grid_id": str(grids[0]["id"]), "category_id": str(categories[0]), "description": "坏"}
    zh = api.post(f"/t/{town.slug}/incidents/new", data=form).get_data(as_text=True)
    assert re.search(r'id="err-description" role="alert">长度须在 2 到 2000 之间<', zh), zh
    assert ">坏</textarea>" in zh and "照片未保存" not in zh
    en = api.post(f"/t/{town.slug}/incidents/new?lang=en", data=form).get_data(as_text=True)
    assert re.search(r'id="err-description" role="alert">Length must be between 2 and 2000\.<', en)
    assert _count(town) == 0
    # and once right, it is reported
    ok = api.post(f"/t/{town.slug}/incidents/new", data={**form, "description": "路灯坏了"})
    assert ok.status_code == 302 and _count(town) == 1
