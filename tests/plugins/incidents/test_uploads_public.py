"""Photos (checked with Pillow, stored under UPLOAD_DIR) and residents' QR reports (随手拍)."""
from __future__ import annotations

import io
import os
import re

from sqlalchemy import func, select

from core.db import db, utcnow
from tenants.modules import update_settings
from core.tenancy import tenant_context
from plugins.incidents.models import Incident, Photo, PublicQuota
from tests.photos import metadata_of, phone_jpeg
from tests.plugins.incidents.conftest import base, png_bytes


def _count(town, model=Incident):
    with tenant_context(town.tenant):
        return db.session.scalar(select(func.count()).select_from(model))


def _multipart(town, category_id, files):
    return {"category_id": str(category_id), "grid_id": str(town.g1.id), "description": "墙体开裂", "photos": files}


def test_photo_is_stored_and_served(app, town, api_as, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), data=_multipart(town, category_id, [(io.BytesIO(png_bytes()), "crack.png")]),
                    content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    detail = api.get(f"{base(town)}/{resp.get_json()['id']}").get_json()
    photo = detail["steps"][0]["photos"][0]
    assert photo["content_type"] == "image/png"
    with tenant_context(town.tenant):
        path = db.session.get(Photo, photo["id"]).path
    stored = os.path.join(app.config["UPLOAD_DIR"], "incidents", path)
    assert open(stored, "rb").read() == png_bytes()
    got = api.get(f"{base(town)}/photos/{photo['id']}")
    assert got.status_code == 200 and got.data == png_bytes() and got.mimetype == "image/png"
    assert api_as(town.worker2).get(f"{base(town)}/photos/{photo['id']}").status_code == 404
    os.remove(stored)  # a file lost on disk is a 404, not a 500
    assert api.get(f"{base(town)}/photos/{photo['id']}").status_code == 404


def test_a_phone_photo_is_stored_upright_without_its_exif_or_gps(app, town, api_as, category_id):
    """A photo under the township's limit is kept at its size, but the phone's EXIF (where the
    resident's house is, the phone) is gone; the pixels are turned as the orientation said."""
    api = api_as(town.worker1)
    resp = api.post(base(town), data=_multipart(town, category_id, [(io.BytesIO(phone_jpeg((64, 48), 6)), "IMG_1.JPG")]),
                    content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    photo = api.get(f"{base(town)}/{resp.get_json()['id']}").get_json()["steps"][0]["photos"][0]
    served = api.get(f"{base(town)}/photos/{photo['id']}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert metadata_of(served.data) == {"format": "JPEG", "size": (48, 64), "exif": {}, "gps": {}, "info": []}


def test_non_image_and_oversized_uploads_are_refused_with_reason(app, town, api_as, category_id, db_session, monkeypatch):
    """Not an image: 422. Over the township's max_photo_kb: shrunk to fit (see test_public_form);
    over what is read of an upload at all (``PHOTO_UPLOAD_MAX_MB``, made small here): 413."""
    api = api_as(town.worker1)
    resp = api.post(base(town), data=_multipart(town, category_id, [(io.BytesIO(b"MZ\x90\x00 not an image"), "virus.jpg")]),
                    content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "virus.jpg" in resp.get_json()["error"]["fields"]["photos"][0]
    monkeypatch.setitem(app.config, "PHOTO_UPLOAD_MAX_MB", 2)
    noisy = io.BytesIO()
    from PIL import Image

    Image.frombytes("RGB", (1000, 1000), os.urandom(1000 * 1000 * 3)).save(noisy, format="PNG")
    assert len(noisy.getvalue()) > 2 * 1024 * 1024
    resp = api.post(base(town), data=_multipart(town, category_id, [(io.BytesIO(noisy.getvalue()), "big.png")]),
                    content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "2 MB" in resp.get_json()["error"]["fields"]["photos"][0]
    assert _count(town) == 0 and _count(town, Photo) == 0


def _csrf(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def test_resident_reports_through_the_grids_qr_code(app, town, api_as, category_id, client):
    qr = api_as(town.worker1).get(f"/t/{town.tenant.slug}/incidents/grids/{town.g1.token}/qr.png")
    assert qr.status_code == 200 and qr.data[:8] == b"\x89PNG\r\n\x1a\n"
    page = api_as(town.worker1).get(f"/t/{town.tenant.slug}/incidents/grids/{town.g1.token}/qr")
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    assert url in page.get_data(as_text=True)
    assert api_as(town.worker2).get(f"/t/{town.tenant.slug}/incidents/grids/{town.g1.token}/qr.png").status_code == 404
    sheet = api_as(town.worker1).get(f"/t/{town.tenant.slug}/incidents/grids/qr").get_data(as_text=True)
    assert f"grids/{town.g1.token}/qr.png" in sheet and f"grids/{town.g2.token}/qr.png" not in sheet
    staff_sheet = api_as(town.staff).get(f"/t/{town.tenant.slug}/incidents/grids/qr").get_data(as_text=True)
    assert all(f"grids/{g.token}/qr.png" in staff_sheet for g in (town.village, town.g1, town.g2, town.g3))

    form = client.get(url)
    assert form.status_code == 200 and "随手拍" in form.get_data(as_text=True)
    resp = client.post(url, data={"csrf_token": _csrf(form.data), "category_id": str(category_id),
                                  "description": "小区东门门禁坏了", "phone": "13800138000",
                                  "photos": [(io.BytesIO(png_bytes()), "gate.png")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    receipt = client.get(resp.headers["Location"])
    assert receipt.status_code == 200 and "待受理" in receipt.get_data(as_text=True)
    with tenant_context(town.tenant):
        row = db.session.scalar(select(Incident))
        assert (row.grid_id, row.source, row.reporter_phone, row.reporter_user_id) == (town.g1.id, "resident", "13800138000", None)
        token, incident_id = row.public_token, row.id
    # the grid worker closes it; the resident rates it from the receipt page and asks to reopen
    api = api_as(town.worker1)
    for action in ("accept", "start", "resolve", "close"):
        assert api.post(f"{base(town)}/{incident_id}/{action}", json={}).status_code == 200
    receipt = client.get(f"/t/{town.tenant.slug}/incidents/r/{token}")
    assert "满意" in receipt.get_data(as_text=True)
    resp = client.post(f"/t/{town.tenant.slug}/incidents/r/{token}/rate",
                       data={"csrf_token": _csrf(receipt.data), "satisfaction": "dissatisfied", "reopen": "1", "note": "门还是坏的"})
    assert resp.status_code == 302
    assert api.get(f"{base(town)}/{incident_id}").get_json()["state"] == "reported"


def test_resident_form_refuses_bad_input_and_is_spam_limited(town, client, category_id, db_session):
    update_settings(town.tenant, "incidents", {"public_reports_per_hour": 2})
    with tenant_context(town.tenant):
        db.session.add(PublicQuota(address="10.0.0.9", bucket="2020010100", count=5))  # an old hour
        db.session.commit()  # inside the township: row-level security checks the insert against it
    url = f"/t/{town.tenant.slug}/incidents/q/{town.g1.token}"
    token = _csrf(client.get(url).data)
    bad = client.post(url, data={"csrf_token": token, "category_id": str(category_id), "description": "x", "phone": "123"})
    assert bad.status_code == 422 and "11 位手机号" in bad.get_data(as_text=True)
    not_image = client.post(url, data={"csrf_token": token, "category_id": str(category_id), "description": "路灯坏了",
                                       "photos": [(io.BytesIO(b"hello"), "a.png")]}, content_type="multipart/form-data")
    assert not_image.status_code == 422 and "a.png" in not_image.get_data(as_text=True)
    assert client.post(url, data={"category_id": str(category_id), "description": "无令牌"}).status_code == 400
    ok = {"csrf_token": token, "category_id": str(category_id), "description": "路灯坏了"}
    assert client.post(url, data=ok).status_code == 302
    assert client.post(url, data=ok).status_code == 302
    limited = client.post(url, data=ok)
    assert limited.status_code == 429 and "每小时最多" in limited.get_data(as_text=True)
    assert _count(town) == 2
    with tenant_context(town.tenant):  # counters of past hours are dropped as new hours start
        assert db.session.scalars(select(PublicQuota.bucket)).all() == [utcnow().strftime("%Y%m%d%H")]
    assert client.get(f"/t/{town.tenant.slug}/incidents/q/nosuchtoken").status_code == 404
    assert client.get(f"/t/{town.tenant.slug}/incidents/report/nosuchcode").status_code == 404


def test_any_step_may_carry_photos(town, api_as, report):
    inc = report()
    api = api_as(town.worker1)
    resp = api.post(f"{base(town)}/{inc['id']}/escalate", data={"to": "parent", "note": "现场照片见附件",
                                                                  "photos": [(io.BytesIO(png_bytes()), "site.png")]},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    step = resp.get_json()["steps"][-1]
    assert step["action"] == "escalate" and len(step["photos"]) == 1
    bad = api_as(town.leader).post(f"{base(town)}/{inc['id']}/accept", data={"photos": [(io.BytesIO(b"x"), "x.png")]},
                                   content_type="multipart/form-data")
    assert bad.status_code == 422
    assert api.get(f"{base(town)}/{inc['id']}").get_json()["state"] == "reported"

