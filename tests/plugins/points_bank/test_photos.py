"""Evidence photos (照片佐证): a rule asking for a photo refuses an entry without one and takes
it as a multipart upload; the photo shows in the passbook and the review page and is served only
to those who may see the account; a wrong type or too many is refused naming ``photos``, with nothing
recorded; a photo over the township's limit is shrunk to fit."""
from __future__ import annotations

import io

from PIL import Image

from tests.photos import big_jpeg, metadata_of


def png(size=(8, 8), color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def _ask_for_photo(books, key: str = "eco") -> dict:
    rule = books.rule(key)
    resp = books.api.patch(f"{books.town.base}/rules/{rule['id']}", json={"photo_required": True})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["photo_required"] is True
    return resp.get_json()


def _multipart(books, rule: dict, household: str, files=(), **fields):
    data = {"scheme_id": str(rule["scheme_id"]), "rule_id": str(rule["id"]),
            "household_id": str(books.town.households[household]), **fields}
    if files:
        data["photos"] = [(io.BytesIO(content), name) for name, content in files]
    return books.api.post(f"{books.town.base}/entries", data=data, content_type="multipart/form-data")


def test_a_rule_asking_for_a_photo_takes_one_and_shows_it(town, books):
    rule = _ask_for_photo(books)
    without = books.api.post(f"{town.base}/entries", json={"scheme_id": rule["scheme_id"], "rule_id": rule["id"],
                                                           "household_id": town.households["张三"]})
    assert without.status_code == 422 and "photos" in without.get_json()["error"]["fields"]
    resp = _multipart(books, rule, "张三", [("yard.png", png())], note="庭院整洁")
    assert resp.status_code == 201, resp.get_json()
    txn = resp.get_json()
    assert txn["state"] == "pending" and txn["note"] == "庭院整洁"
    assert len(txn["photos"]) == 1 and txn["photos"][0]["content_type"] == "image/png"
    photo_url = f"/t/{town.slug}/points_bank/photos/{txn['photos'][0]['id']}"
    review = books.api.get(f"/t/{town.slug}/points_bank/review").get_data(as_text=True)
    assert photo_url in review
    passbook = books.api.get(f"/t/{town.slug}/points_bank/accounts/{txn['account_id']}").get_data(as_text=True)
    assert photo_url in passbook
    served = books.api.get(photo_url)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png()
    listed = books.api.get(f"{town.base}/entries/{txn['id']}").get_json()
    assert listed["photos"] == txn["photos"]


def test_photo_is_served_only_within_reach(town, books, build_town, api_as):
    rule = _ask_for_photo(books)
    txn = _multipart(books, rule, "王五", [("a.png", png())]).get_json()  # 王五 lives in grid 2
    url = f"/t/{town.slug}/points_bank/photos/{txn['photos'][0]['id']}"
    assert api_as(town.worker2).get(url).status_code == 200
    assert api_as(town.worker1).get(url).status_code == 404  # another grid's household
    other = build_town()
    assert api_as(other.admin).get(url).status_code == 404


def test_bad_files_are_refused_naming_the_field_and_nothing_is_recorded(town, books):
    rule = _ask_for_photo(books)
    not_image = _multipart(books, rule, "李四", [("notes.png", b"this is not a picture")])
    assert not_image.status_code == 422 and "photos" in not_image.get_json()["error"]["fields"]
    assert "notes.png" in not_image.get_json()["error"]["fields"]["photos"][0]
    too_many = _multipart(books, rule, "李四", [(f"{i}.png", png()) for i in range(5)])
    assert too_many.status_code == 422 and "photos" in too_many.get_json()["error"]["fields"]
    bad_id = _multipart(books, {**rule, "id": "abc"}, "李四", [("a.png", png())])
    assert bad_id.status_code == 422 and "rule_id" in bad_id.get_json()["error"]["fields"]
    assert books.api.get(f"{town.base}/entries").get_json()["items"] == []


def test_a_photo_larger_than_the_township_allows_is_shrunk_to_fit_without_its_gps(build_town, api_as):
    """A phone photo over the township's max_photo_kb is stored shrunk (JPEG, within the limit),
    not refused (issue #17 item 15); the GPS position it carried is gone."""
    from tests.plugins.points_bank.conftest import Books

    town = build_town(settings={"max_photo_kb": 50})
    books = Books(town, api_as(town.admin))
    rule = _ask_for_photo(books)
    big = big_jpeg((600, 450))
    assert len(big) > 50 * 1024 * 3 and metadata_of(big)["gps"]
    resp = _multipart(books, rule, "张三", [("IMG_2001.JPG", big)])
    assert resp.status_code == 201, resp.get_json()
    photo = resp.get_json()["photos"][0]
    assert photo["content_type"] == "image/jpeg" and photo["size"] <= 50 * 1024
    served = books.api.get(f"/t/{town.slug}/points_bank/photos/{photo['id']}")
    assert served.status_code == 200 and len(served.data) == photo["size"]
    seen = metadata_of(served.data)
    assert seen["format"] == "JPEG" and max(seen["size"]) >= 200 and seen["gps"] == {} and seen["exif"] == {}


def test_record_page_uploads_a_photo_for_a_batch(town, books):
    rule = _ask_for_photo(books, "health")
    ids = [str(town.households[n]) for n in ("张三", "李四")]
    url = f"/t/{town.slug}/points_bank/record"
    form = {"rule_id": str(rule["id"]), "household_id": ids, "csrf_token": books.api.headers["X-CSRFToken"]}
    refused = books.api.client.post(url, data=form, content_type="multipart/form-data")
    assert refused.status_code == 422 and "须上传照片" in refused.get_data(as_text=True)
    bad = books.api.client.post(url, data={**form, "photos": [(io.BytesIO(b"GIF89a..."), "x.gif")]},
                                content_type="multipart/form-data")
    assert bad.status_code == 422 and "不是 JPEG/PNG/WebP 图片" in bad.get_data(as_text=True)
    ok = books.api.client.post(url, data={**form, "photos": [(io.BytesIO(png()), "clean.png")]},
                               content_type="multipart/form-data")
    assert ok.status_code == 302
    rows = books.api.get(f"{town.base}/entries?state=pending").get_json()["items"]
    assert len(rows) == 2 and all(len(r["photos"]) == 1 for r in rows)
    assert rows[0]["photos"][0]["id"] != rows[1]["photos"][0]["id"]
