"""The residents' report forms (#17 item 15): no category chosen for them, only leaf categories,
errors beside their fields, big phone photos shrunk instead of refused, a rating with no answer
chosen in advance, and a receipt that shows the staff's reply and the result photo once settled."""
from __future__ import annotations

import io
import os
import re

from PIL import Image
from sqlalchemy import select

from core.db import db
from core.tenancy import tenant_context
from plugins.incidents.models import Category, Incident, Photo
from tenants.modules import update_settings
from tests.core.residents.conftest import csrf_of
from tests.plugins.incidents.conftest import base, png_bytes


def _url(town):
    return f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"


def _ids(town, *codes):
    with tenant_context(town.tenant):
        return [db.session.scalar(select(Category.id).where(Category.code == c)) for c in codes]


def test_no_category_is_chosen_and_only_leaves_are_offered(town, client):
    html = client.get(_url(town)).get_data(as_text=True)
    select_html = html.split('name="category_id"')[1].split("</select>")[0]
    assert re.search(r'<option value="" selected disabled>请选择问题类别</option>', select_html)
    assert select_html.count(" selected") == 1  # the placeholder only
    road, facility, other = _ids(town, "facility_road", "facility", "other")
    assert f'value="{road}"' in select_html and f'value="{facility}"' not in select_html  # 基础设施 has subcategories
    assert '<optgroup label="基础设施">' in select_html
    assert "其他事项（不确定时选这里）" in select_html and select_html.rindex(f'value="{other}"') > select_html.index(f'value="{road}"')


def test_a_parent_category_or_none_is_refused_beside_the_field(town, client):
    facility, = _ids(town, "facility")
    token = csrf_of(client.get(_url(town)).data)
    resp = client.post(_url(town), data={"csrf_token": token, "category_id": str(facility), "description": "路面塌了"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert re.search(r'name="category_id".*?</select><span class="error" id="category_id-error"[^>]*>请选择具体的问题类别',
                     html, re.S)
    resp = client.post(_url(town), data={"csrf_token": token, "description": "路面塌了", "phone": "123"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="category_id-error"' in html and 'id="phone-error"' in html
    assert "路面塌了" in html  # what was typed stays


def test_a_big_phone_photo_is_shrunk_to_the_limit_not_refused(app, town, client, db_session):
    update_settings(town.tenant, "incidents", {"max_photo_kb": 60})
    db.session.commit()
    big = io.BytesIO()
    Image.frombytes("RGB", (1200, 900), os.urandom(1200 * 900 * 3)).save(big, format="JPEG", quality=95)
    assert len(big.getvalue()) > 60 * 1024 * 4
    road, = _ids(town, "facility_road")
    resp = client.post(_url(town), data={"csrf_token": csrf_of(client.get(_url(town)).data), "category_id": str(road),
                                         "description": "路面塌了", "photos": [(io.BytesIO(big.getvalue()), "IMG_0001.JPG")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    with tenant_context(town.tenant):
        photo = db.session.scalar(select(Photo).order_by(Photo.id.desc()))
        assert photo.size <= 60 * 1024 and photo.content_type == "image/jpeg"
        with Image.open(os.path.join(app.config["UPLOAD_DIR"], "incidents", photo.path)) as img:
            assert img.format == "JPEG" and max(img.size) >= 200


def test_the_receipt_shows_the_reply_and_the_result_photo_and_asks_without_a_default(town, client, api_as):
    road, = _ids(town, "facility_road")
    resp = client.post(_url(town), data={"csrf_token": csrf_of(client.get(_url(town)).data), "category_id": str(road),
                                         "description": "路灯不亮", "photos": [(io.BytesIO(png_bytes()), "mine.png")]},
                       content_type="multipart/form-data")
    receipt_url = resp.headers["Location"]
    with tenant_context(town.tenant):
        inc = db.session.scalar(select(Incident).order_by(Incident.id.desc()))
        incident_id, code = inc.id, inc.receipt
        own_photo = db.session.scalar(select(Photo.id).where(Photo.incident_id == incident_id))
    assert "办理结果" not in client.get(receipt_url).get_data(as_text=True)
    api = api_as(town.worker1)
    for action in ("accept", "start"):
        assert api.post(f"{base(town)}/{incident_id}/{action}", json={}).status_code == 200
    done = api.post(f"{base(town)}/{incident_id}/resolve", data={"note": "已更换灯泡", "photos": [
        (io.BytesIO(png_bytes((12, 12))), "fixed.png")]}, content_type="multipart/form-data")
    assert done.status_code == 200
    assert api.post(f"{base(town)}/{incident_id}/close", json={}).status_code == 200
    html = client.get(receipt_url).get_data(as_text=True)
    assert "办理结果" in html and "已更换灯泡" in html
    photo_url = re.search(r'src="(/r/[^"]+/photos/(\d+))"', html)
    assert photo_url and int(photo_url.group(2)) != own_photo
    got = client.get(photo_url.group(1))
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == png_bytes((12, 12))
    assert client.get(f"/r/{town.tenant.slug}/incidents/track/{code}/photos/{own_photo}").status_code == 404
    track = client.get(f"/r/{town.tenant.slug}/incidents/track/{code}").get_data(as_text=True)
    assert "已更换灯泡" in track and photo_url.group(1) in track
    rating = html.split('name="satisfaction"')
    assert len(rating) == 4 and "checked" not in html.split("</fieldset>")[0].split("<fieldset>")[1]
    assert "<select name=\"satisfaction\"" not in html
