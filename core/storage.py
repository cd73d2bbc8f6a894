"""Uploaded files (上传文件存储): one interface for photos, evidence and import files, by a
relative key such as ``incidents/<tenant id>/<random>.jpg``, so that no app host keeps a file
another host needs.

Two backends, chosen by ``GRIDGOV_STORAGE``:

* empty (the default): the filesystem under ``UPLOAD_DIR``. Several app hosts share it (NFS or
  the like) and ``gridgov backup`` and the township archive copy it as before;
* ``s3://bucket/prefix``: an S3-compatible object store through boto3, with
  ``GRIDGOV_S3_ENDPOINT`` (e.g. ``http://minio.local:9000``; empty for AWS),
  ``GRIDGOV_S3_REGION`` and the credentials ``GRIDGOV_S3_ACCESS_KEY``/``GRIDGOV_S3_SECRET_KEY``
  (boto3's own ``AWS_*`` variables and files are used when those are unset). ``gridgov backup``
  then covers the database only: back the bucket up with the store's own tools.

Keys are relative, ``/``-separated, without ``..``; :func:`check_key` refuses anything else with
:class:`ValueError`. A key that names no stored file is :class:`StoredFileMissing` on ``open``.
Files are served by the app (``open`` gives a readable binary stream for ``send_file``), so the
permission checks of the route that serves them stay in one place.
"""
from __future__ import annotations

import io
from abc import ABC, abstractmethod
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlparse

from flask import current_app

KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class StoredFileMissing(LookupError):
    """No stored file under that key."""


@dataclass(frozen=True)
class Entry:
    key: str
    size: int
    modified: float  # seconds since the epoch


def check_key(key: str) -> str:
    """``key`` when it is a safe relative key; ``ValueError`` otherwise."""
    if not isinstance(key, str) or not KEY.match(key) or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    if prefix:
        check_key(prefix)
    return prefix


class Storage(ABC):
    """What every backend does. ``data`` is bytes or a readable binary stream. The filesystem and
    S3 backends below implement the abstract methods; the rest is built on them."""

    kind = ""

    @abstractmethod
    def save(self, key: str, data, content_type: str | None = None) -> None:
        ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        ...

    def read(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    @abstractmethod
    def exists(self, key: str) -> bool:
        ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; a key already gone is no error (another host may have swept it)."""

    @abstractmethod
    def entries(self, prefix: str = "") -> Iterator[Entry]:
        """The stored files under folder ``prefix``, in key order."""

    def keys(self, prefix: str = "") -> list[str]:
        return [e.key for e in self.entries(prefix)]

    def delete_prefix(self, prefix: str) -> int:
        """Remove every file under folder ``prefix`` (not empty); returns how many."""
        if not _prefix(prefix):
            raise ValueError("delete_prefix needs a folder, not the whole storage")
        removed = 0
        for entry in list(self.entries(prefix)):
            self.delete(entry.key)
            removed += 1
        return removed

    def url(self, key: str, expires: int = 3600) -> str | None:
        """A time-limited address a client may fetch ``key`` from directly, or ``None`` when the
        app must serve it (the filesystem)."""
        return None


class LocalStorage(Storage):
    """Files under one folder (``UPLOAD_DIR``)."""

    kind = "filesystem"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key, data, content_type=None):
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # written beside the target and renamed, so a reader on another host never sees half a file
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    def open(self, key):
        try:
            return open(self.path(key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StoredFileMissing(key) from None

    def exists(self, key):
        return self.path(key).is_file()

    def delete(self, key):
        try:
            os.remove(self.path(key))
        except FileNotFoundError:
            pass

    def delete_prefix(self, prefix):
        """Remove the folder ``prefix`` with everything in it (never the whole root)."""
        prefix = _prefix(prefix)
        if not prefix:
            raise ValueError("delete_prefix needs a folder, not the whole storage")
        found = len(list(self.entries(prefix)))
        shutil.rmtree(self.root / prefix, ignore_errors=True)
        return found

    def entries(self, prefix=""):
        prefix = _prefix(prefix)
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return iter(())
        found = []
        for folder, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                path = Path(folder) / name
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                found.append(Entry(path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime))
        return iter(sorted(found, key=lambda e: e.key))


class S3Storage(Storage):
    """Objects in one bucket under one prefix, through boto3 (any S3-compatible store)."""

    kind = "s3"

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                   aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                                   config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                                 s3={"addressing_style": "path"}))

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, error) -> bool:
        return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")

    def save(self, key, data, content_type=None):
        body = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else data.read()
        extra = {"ContentType": content_type} if content_type else {}
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=body, **extra)

    def open(self, key):
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                raise StoredFileMissing(key) from None
            raise
        return io.BytesIO(answer["Body"].read())

    def exists(self, key):
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def entries(self, prefix=""):
        prefix = _prefix(prefix)
        parts = [p for p in (self.prefix, prefix) if p]
        start = "/".join(parts) + "/" if parts else ""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) + 1:] if self.prefix else item["Key"]
                found.append(Entry(key, item["Size"], item["LastModified"].timestamp()))
        return iter(sorted(found, key=lambda e: e.key))

    def url(self, key, expires=3600):
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": self._name(key)},
                                                  ExpiresIn=expires)


def from_config(config) -> Storage:
    """The backend ``config`` names (``GRIDGOV_STORAGE``, see the module docstring)."""
    spec = (config.get("GRIDGOV_STORAGE") or "").strip()
    if not spec:
        return LocalStorage(config["UPLOAD_DIR"])
    url = urlparse(spec)
    if url.scheme != "s3" or not url.netloc:
        raise ValueError(f"GRIDGOV_STORAGE must be empty (files under UPLOAD_DIR) or s3://bucket/prefix, not {spec!r}")
    return S3Storage(url.netloc, url.path, endpoint_url=config.get("GRIDGOV_S3_ENDPOINT"),
                     region=config.get("GRIDGOV_S3_REGION"), access_key=config.get("GRIDGOV_S3_ACCESS_KEY"),
                     secret_key=config.get("GRIDGOV_S3_SECRET_KEY"))


def storage(app=None) -> Storage:
    """The app's storage (an S3 client is made on first use from its configuration)."""
    app = app or current_app
    if not app.config.get("GRIDGOV_STORAGE"):
        return LocalStorage(app.config["UPLOAD_DIR"])  # cheap, and follows a test's UPLOAD_DIR
    found = app.extensions.get("gridgov.storage")
    if found is None:
        found = app.extensions["gridgov.storage"] = from_config(app.config)
    return found
