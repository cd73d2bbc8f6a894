"""The uploads storage (core/storage.py): the same behaviour from the filesystem backend and from
an S3-compatible store (moto's server on 127.0.0.1), and the app's uploads going through it."""
from __future__ import annotations

import io
import os
import socket
import time

import pytest

from core.storage import LocalStorage, S3Storage, StoredFileMissing, check_key, from_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server of our own on loopback (moto), with a bucket ``gridgov``."""
    server_module = pytest.importorskip("moto.server", reason="moto is not installed (pip install -e .[dev])")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket="gridgov")
    yield endpoint
    server.stop()


S3_ENV = {"GRIDGOV_S3_REGION": "us-east-1", "GRIDGOV_S3_ACCESS_KEY": "test", "GRIDGOV_S3_SECRET_KEY": "test"}


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    if request.param == "filesystem":
        return from_config({"GRIDGOV_STORAGE": "", "UPLOAD_DIR": str(tmp_path / "uploads")})
    endpoint = request.getfixturevalue("s3_endpoint")
    prefix = f"run-{time.time_ns()}"
    return from_config({"GRIDGOV_STORAGE": f"s3://gridgov/{prefix}", "GRIDGOV_S3_ENDPOINT": endpoint, **S3_ENV})


def test_save_open_list_delete_by_key(store):
    store.save("incidents/7/a.png", b"\x89PNG one", "image/png")
    store.save("incidents/7/b.png", io.BytesIO(b"two"))
    store.save("incidents/8/c.png", b"three")
    store.save("incidents/7/a.png", b"replaced")
    assert store.read("incidents/7/a.png") == b"replaced"
    with store.open("incidents/7/b.png") as stream:
        assert stream.read() == b"two"
    assert store.keys("incidents/7") == ["incidents/7/a.png", "incidents/7/b.png"]
    assert store.keys() == ["incidents/7/a.png", "incidents/7/b.png", "incidents/8/c.png"]
    entry = next(store.entries("incidents/8"))
    assert entry.size == 5 and abs(entry.modified - time.time()) < 300
    assert store.exists("incidents/8/c.png") and not store.exists("incidents/8/none.png")
    store.delete("incidents/7/b.png")
    store.delete("incidents/7/b.png")  # already gone: no error
    with pytest.raises(StoredFileMissing):
        store.open("incidents/7/b.png")
    assert store.delete_prefix("incidents/7") == 1
    assert store.keys() == ["incidents/8/c.png"]
    with pytest.raises(ValueError):
        store.delete_prefix("")  # never everything at once


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "a/b/"])
def test_keys_that_escape_or_are_malformed_are_refused(store, key):
    with pytest.raises(ValueError):
        store.save(key, b"x")
    with pytest.raises(ValueError):
        check_key(key)


def test_filesystem_keys_are_files_under_upload_dir(tmp_path):
    store = LocalStorage(tmp_path)
    store.save("people-imports/3/x.csv", b"a,b")
    assert (tmp_path / "people-imports" / "3" / "x.csv").read_bytes() == b"a,b"
    assert not [p for p in (tmp_path / "people-imports" / "3").iterdir() if p.name.startswith(".tmp-")]
    assert store.url("people-imports/3/x.csv") is None


def test_s3_backend_gives_a_time_limited_address(s3_endpoint):
    store = from_config({"GRIDGOV_STORAGE": "s3://gridgov/signed", "GRIDGOV_S3_ENDPOINT": s3_endpoint, **S3_ENV})
    assert isinstance(store, S3Storage) and store.prefix == "signed"
    store.save("five_star/1/doc.pdf", b"%PDF-1.4", "application/pdf")
    url = store.url("five_star/1/doc.pdf", expires=60)
    assert url.startswith(s3_endpoint + "/gridgov/signed/five_star/1/doc.pdf?") and "Expires=" in url


def test_a_storage_setting_that_is_not_s3_is_refused():
    with pytest.raises(ValueError, match="GRIDGOV_STORAGE"):
        from_config({"GRIDGOV_STORAGE": "ftp://host/x", "UPLOAD_DIR": "/tmp"})
