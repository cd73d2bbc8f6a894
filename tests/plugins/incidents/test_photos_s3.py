"""Incident photos kept in an S3-compatible store (moto's server on loopback) instead of UPLOAD_DIR:
stored under their key, served to those who may see them, a lost object a 404."""
from __future__ import annotations

import io
import os

import pytest

from core.db import db
from core.storage import storage
from core.tenancy import tenant_context
from plugins.incidents.models import Photo
from tests.core.test_storage import S3_ENV, s3_endpoint  # noqa: F401 (the fixture)
from tests.plugins.incidents.conftest import base, png_bytes


@pytest.fixture
def on_s3(app, s3_endpoint):  # noqa: F811
    before = {key: app.config.get(key) for key in ("GRIDGOV_STORAGE", "GRIDGOV_S3_ENDPOINT", *S3_ENV)}
    app.config.update(GRIDGOV_STORAGE="s3://gridgov/incidents-test", GRIDGOV_S3_ENDPOINT=s3_endpoint, **S3_ENV)
    app.extensions.pop("gridgov.storage", None)
    yield
    app.config.update(before)
    app.extensions.pop("gridgov.storage", None)


def test_photo_goes_to_the_object_store_and_is_served_from_it(app, on_s3, town, api_as, category_id):
    api = api_as(town.worker1)
    resp = api.post(base(town), data={"category_id": str(category_id), "grid_id": str(town.g1.id),
                                      "description": "墙体开裂", "photos": [(io.BytesIO(png_bytes()), "crack.png")]},
                    content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    photo = api.get(f"{base(town)}/{resp.get_json()['id']}").get_json()["steps"][0]["photos"][0]
    with app.app_context(), tenant_context(town.tenant):
        key = "incidents/" + db.session.get(Photo, photo["id"]).path
        store = storage()
        assert store.kind == "s3" and store.read(key) == png_bytes()
    assert not os.path.exists(os.path.join(app.config["UPLOAD_DIR"], key))
    got = api.get(f"{base(town)}/photos/{photo['id']}")
    assert got.status_code == 200 and got.data == png_bytes() and got.mimetype == "image/png"
    assert api_as(town.worker2).get(f"{base(town)}/photos/{photo['id']}").status_code == 404
    with app.app_context():
        storage().delete(key)
    assert api.get(f"{base(town)}/photos/{photo['id']}").status_code == 404
