"""A resident's mobile copied into their volunteer record follows the register's masking: the
volunteer office sees it unmasked only where core would show that resident's number unmasked
(``people.read_sensitive``); an outsider's number stays the office's to see."""
from __future__ import annotations

import io
import zipfile


def test_township_staff_see_a_residents_mobile_masked_everywhere(town, api_as, create_user, volunteer):
    admin = api_as(town.admin)
    base = f"/api/v1/t/{town.tenant.slug}"
    person = admin.post(f"{base}/people", json={"name": "王居民", "grid_id": town.g1.id,
                                               "mobile": "13712345678"}).get_json()
    resident = admin.post(f"{town.api}/volunteers", json={"person_id": person["id"], "confirm": True}).get_json()
    outsider = volunteer(name="外来志愿者", mobile="13598761234")
    staff = api_as(create_user(roles=[(town.tenant, "township_staff")]))  # the volunteer office, no read_sensitive
    assert staff.get(f"{base}/people/{person['id']}").get_json()["mobile"] == "137****5678"
    listed = {v["id"]: v["mobile"] for v in staff.get(f"{town.api}/volunteers").get_json()["items"]}
    assert listed[resident["id"]] == "137****5678" and listed[outsider["id"]] == "13598761234"
    assert staff.get(f"{town.api}/volunteers/{resident['id']}").get_json()["mobile"] == "137****5678"
    for url in (f"{town.pages}/volunteers", f"{town.pages}/volunteers/{resident['id']}"):
        page = staff.get(url)
        assert page.status_code == 200 and "13712345678" not in page.get_data(as_text=True), url
    export = staff.get(f"{town.pages}/exports/volunteers.xlsx")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.data)) as book:
        text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert "13712345678" not in text and "137****5678" in text and "13598761234" in text
    # the township admin reads sensitive data: unmasked
    assert admin.get(f"{town.api}/volunteers/{resident['id']}").get_json()["mobile"] == "13712345678"
