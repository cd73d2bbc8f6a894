"""Evidence files and notes over HTTP: a photo is kept and served back to the township only, a
wrong file type or a note without text is refused with nothing kept."""
from __future__ import annotations

import io

from PIL import Image

from tests.photos import big_jpeg, metadata_of, phone_jpeg
from tests.plugins.five_star.conftest import YEAR, base, make_town, star


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, format="PNG")
    return buf.getvalue()


def test_photo_and_note_evidence(town, api_as, standard, create_tenant, create_grid, create_user, enable_module):
    task = star(standard, "ecology")["tasks"][0]["id"]
    leader = api_as(town.leader1)
    resp = leader.post(f"{base(town)}/evidence", data={"org_id": str(town.b1), "task_id": str(task), "year": str(YEAR),
                                                       "kind": "photo", "title": "垃圾分类亭建成",
                                                       "file": (io.BytesIO(_png()), "ting.png", "image/png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    photo = resp.get_json()
    note = leader.post(f"{base(town)}/evidence", json={"org_id": town.b1, "task_id": task, "year": YEAR, "kind": "note",
                                                       "title": "村民代表会议", "note": "通过垃圾分类积分办法"})
    assert note.status_code == 201
    items = leader.get(f"{base(town)}/evidence?org_id={town.b1}&year={YEAR}").get_json()["items"]
    assert [i["title"] for i in items] == ["垃圾分类亭建成", "村民代表会议"]
    got = api_as(town.staff).get(f"{base(town)}/evidence/{photo['id']}/file")
    assert got.status_code == 200 and got.data == _png()
    other = make_town(create_tenant, create_grid, create_user, api_as, enable_module)
    assert api_as(other.admin).get(f"{base(other)}/evidence/{photo['id']}/file").status_code == 404
    page = api_as(town.staff).get(f"/t/{town.tenant.slug}/five_star/branches/{town.b1}?year={YEAR}").get_data(as_text=True)
    assert "垃圾分类亭建成" in page and "通过垃圾分类积分办法" in page


def test_bad_evidence_is_refused_and_nothing_kept(town, api_as, standard):
    task = star(standard, "ecology")["tasks"][0]["id"]
    leader = api_as(town.leader1)
    cases = [
        ({"kind": "photo", "title": "x", "file": (io.BytesIO(b"MZ\x90\x00"), "a.exe", "application/x-msdownload")}, "file"),
        # the browser's type is not believed: the content is read
        ({"kind": "photo", "title": "x", "file": (io.BytesIO(b"MZ\x90\x00 not a png"), "a.png", "image/png")}, "file"),
        ({"kind": "document", "title": "x", "file": (io.BytesIO(b"%PDF-1.4"), "scan.jpg", "image/jpeg")}, "file"),
        ({"kind": "document", "title": "x"}, "file"),
        ({"kind": "note", "title": "x"}, "note"),
        ({"kind": "video", "title": "x"}, "kind"),
    ]
    for extra, field in cases:
        data = {"org_id": str(town.b1), "task_id": str(task), "year": str(YEAR), **extra}
        resp = leader.post(f"{base(town)}/evidence", data=data, content_type="multipart/form-data")
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], (extra, resp.get_json())
    resp = api_as(town.leader2).post(f"{base(town)}/evidence", json={"org_id": town.b1, "task_id": task, "year": YEAR,
                                                                     "kind": "note", "title": "x", "note": "y"})
    assert resp.status_code == 403
    assert leader.get(f"{base(town)}/evidence?org_id={town.b1}&year={YEAR}").get_json()["items"] == []


def test_a_photo_is_kept_without_its_gps_and_a_big_one_shrunk(app, town, api_as, standard, monkeypatch):
    """Evidence photos go through the toolkit's image check: the phone's EXIF (GPS, maker) is
    dropped, and one over ``PHOTO_MAX_KB`` (made small here) is stored shrunk, not refused."""
    monkeypatch.setitem(app.config, "PHOTO_MAX_KB", 60)
    task = star(standard, "ecology")["tasks"][0]["id"]
    leader = api_as(town.leader1)

    def upload(content, name):
        resp = leader.post(f"{base(town)}/evidence", data={"org_id": str(town.b1), "task_id": str(task), "year": str(YEAR),
                                                           "kind": "photo", "title": name,
                                                           "file": (io.BytesIO(content), name, "image/jpeg")},
                           content_type="multipart/form-data")
        assert resp.status_code == 201, resp.get_json()
        got = leader.get(f"{base(town)}/evidence/{resp.get_json()['id']}/file")
        assert got.status_code == 200 and got.mimetype == "image/jpeg"
        return got.data

    small = upload(phone_jpeg(), "IMG_1.JPG")
    assert metadata_of(small) == {"format": "JPEG", "size": (64, 48), "exif": {}, "gps": {}, "info": []}
    big = big_jpeg((800, 600))
    assert len(big) > 60 * 1024 * 4
    shrunk = upload(big, "IMG_2.JPG")
    seen = metadata_of(shrunk)
    assert len(shrunk) <= 60 * 1024 and seen["format"] == "JPEG" and seen["gps"] == {} and max(seen["size"]) >= 200
