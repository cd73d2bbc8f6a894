"""The township archive with uploads in an S3-compatible store (moto's server on loopback): the
township's files are read from the store into the archive, written to the other installation's
store on import, and removed from the store on deletion."""
from __future__ import annotations

import tarfile
import time

from core.storage import storage
from tests.core.test_storage import S3_ENV, s3_endpoint  # noqa: F401 (the fixture)
from tests.tenants.test_archive import installations  # noqa: F401 (the fixture)


def _on_s3(inst, endpoint, prefix):
    inst.app.config.update(GRIDGOV_STORAGE=f"s3://gridgov/{prefix}", GRIDGOV_S3_ENDPOINT=endpoint, **S3_ENV)
    with inst.app.app_context():
        return storage()


def test_a_township_s_files_move_through_the_object_store(installations, s3_endpoint, tmp_path):  # noqa: F811
    run = time.time_ns()
    a = installations("a")
    a.cli("demo")
    tid = a.tenant_id("gushu")
    store_a = _on_s3(a, s3_endpoint, f"archive-a-{run}")
    key, photo = f"incidents/{tid}/evidence.jpg", b"\xff\xd8 photo " * 50
    store_a.save(key, photo, "image/jpeg")
    store_a.save("incidents/999/other-township.jpg", b"not gushu's")
    archive = tmp_path / "gushu.tar.gz"
    assert "已导出 gushu" in a.cli("tenants", "export", "gushu", archive).output
    with tarfile.open(archive, "r:gz") as tar:
        assert tar.extractfile("uploads/" + key).read() == photo
        assert "uploads/incidents/999/other-township.jpg" not in tar.getnames()
    assert not (a.uploads / "incidents" / str(tid)).exists()  # nothing went through UPLOAD_DIR

    b = installations("b")
    store_b = _on_s3(b, s3_endpoint, f"archive-b-{run}")
    b.cli("tenants", "create-county", "xinxian", "新县")
    assert "已导入 gushu" in b.cli("tenants", "import", archive, "--county", "xinxian").output
    assert store_b.read(key) == photo

    out = a.cli("tenants", "delete", "gushu", "--archive", tmp_path / "final.tar.gz", "--yes").output
    assert "已删除 gushu" in out
    assert store_a.keys() == ["incidents/999/other-township.jpg"]
