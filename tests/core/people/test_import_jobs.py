"""Residents import in the background: POST /people/imports → 202, a consumer of the task queue runs
it, poll the job for progress and the row report; tenant and user isolation; jobs read from the
queue's store only; work queued while no consumer runs is done when one starts; old uploads swept."""
from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from core import jobs
from core.db import db
from core.models.audit import AuditEntry
from core.tenancy import tenant_context

from .conftest import grid_of, new_id
from .test_import_export import count, good_rows, xlsx

ROOT = Path(__file__).resolve().parents[3]
BAD_ROW = ["坏", "男", "", "123", "", "东一网格", "", "", "", "", "", ""]


def imports_url(town) -> str:
    return f"/api/v1/t/{town.slug}/people/imports"


def start(api, town, data, mode="dry_run", name="people.xlsx", **form):
    return api.post(imports_url(town), data={"file": (io.BytesIO(data), name), "mode": mode, **form},
                    content_type="multipart/form-data")


def poll(api, url, seconds: float = 120) -> list[dict]:
    """Every answer of the status endpoint until the job has finished (bounded, short sleeps)."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        resp = api.get(url)
        assert resp.status_code == 200, resp.get_json()
        seen.append(resp.get_json())
        if seen[-1]["finished"]:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"{url} did not finish: {seen[-1]}")


def run(api, town, data, mode="dry_run", **kw) -> dict:
    resp = start(api, town, data, mode, **kw)
    assert resp.status_code == 202, resp.get_json()
    return poll(api, resp.headers["Location"])[-1]


def big_csv(rows: int, bad_every: int = 0) -> bytes:
    lines = ["姓名,身份证号,网格,住址,标签"]
    for i in range(rows):
        number = "123" if bad_every and i % bad_every == 0 else new_id(dt.date(1950, 1, 1) + dt.timedelta(days=i))
        lines.append(f"张{i},{number},东一网格,幸福路{i // 2}号,{'残疾人' if i % 100 == 0 else ''}")
    return "\n".join(lines).encode()


def test_check_then_import_in_the_background_with_progress(town, admin, api_as, consumer):
    api = api_as(admin)
    resp = start(api, town, big_csv(2500), name="big.csv")
    assert resp.status_code == 202
    body = resp.get_json()
    assert resp.headers["Location"].endswith(f"/api/v1/t/{town.slug}/people/imports/{body['id']}")
    assert body["status"] in ("queued", "running", "succeeded") and body["mode"] == "dry_run"
    seen = poll(api, resp.headers["Location"])
    final = seen[-1]
    assert final["status"] == "succeeded" and final["percent"] == 100 and final["error"] is None
    report = final["report"]
    assert (report["total"], report["good"], report["bad"], report["imported"]) == (2500, 2500, 0, False)
    assert count(town) == 0
    for answer in seen:
        assert {"status", "phase", "done", "total", "percent", "started_at", "finished_at"} <= set(answer)
    checks = [a["done"] for a in seen if a["phase"] == "check"]
    assert checks == sorted(checks) and checks[-1] == 2500
    written = poll(api, start(api, town, big_csv(2500), "all", name="big.csv").headers["Location"])
    phases = [a["phase"] for a in written if a["phase"]]
    assert phases == sorted(phases, key=["check", "write"].index) and phases[-1] == "write"
    writes = [a["done"] for a in written if a["phase"] == "write"]
    assert writes == sorted(writes) and writes[-1] == 2500
    report = written[-1]["report"]
    assert report["imported"]
    assert (report["created"], report["households_created"], report["tags_added"]) == (2500, 1250, 25)
    assert count(town) == 2500
    with tenant_context(town):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.import")).one()
        assert entry.user_id == admin.id  # the job acted for the user who started it


def test_all_or_nothing_with_bad_rows_fails_keeps_the_report_and_writes_nothing(town, admin, api_as, consumer):
    api = api_as(admin)
    rejected = run(api, town, xlsx(good_rows() + [BAD_ROW]), "all")
    assert rejected["status"] == "failed" and rejected["error"]["code"] == "import_rejected"
    assert rejected["report"]["bad"] == 1 and rejected["report"]["imported"] is False
    assert {"row": 5, "field": "id_number", "column": "身份证号"}.items() <= rejected["report"]["errors"][0].items()
    assert count(town) == 0
    good = run(api, town, xlsx(good_rows() + [BAD_ROW]), "good")
    assert good["status"] == "succeeded" and good["report"]["created"] == 3 and count(town) == 3


def test_mapping_and_an_unreadable_file(town, admin, api_as, consumer):
    api = api_as(admin)
    text = f"名字,证件,所属网格\n周九,{new_id()},东二网格\n"
    done = run(api, town, text.encode("gb18030"), "all", name="x.csv", mapping='{"名字": "name", "证件": "id_number"}')
    assert done["status"] == "succeeded" and done["report"]["created"] == 1
    missing = run(api, town, xlsx([["张三"]], headers=["姓名"]), "dry_run")
    assert missing["status"] == "failed" and missing["error"]["code"] == "invalid_file"
    assert "身份证号" in missing["error"]["fields"]["file"][0] and missing["report"] is None
    assert run(api, town, b"not a zip", "dry_run")["error"]["fields"]["file"]


def test_bad_input_is_a_4xx_naming_the_field(town, admin, api_as):
    api = api_as(admin)
    url = imports_url(town)
    no_file = api.post(url, data={"mode": "dry_run"}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["error"]["fields"]
    assert start(api, town, b"x", name="a.pdf").get_json()["error"]["fields"]["file"]
    assert start(api, town, b"x", name="noextension").status_code == 422
    bad_mode = start(api, town, xlsx([]), "bogus")
    assert bad_mode.status_code == 422 and bad_mode.get_json()["error"]["fields"]["mode"]
    assert start(api, town, xlsx([]), mapping="[1]").get_json()["error"]["fields"]["mapping"]
    unknown = start(api, town, xlsx([]), mapping='{"姓名": "nosuchfield"}')
    assert unknown.status_code == 422 and "nosuchfield" in unknown.get_json()["error"]["fields"]["mapping"][0]
    for job_id in ("0" * 32, "not-a-job", "A" * 32):
        missing = api.get(f"{url}/{job_id}")
        assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_an_import_job_is_seen_only_in_its_tenant_by_its_starter(town, admin, api_as, consumer, create_tenant, create_user):
    api = api_as(admin)
    location = start(api, town, xlsx(good_rows())).headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    poll(api, location)
    outsider = api_as(create_user(roles=[(create_tenant(), "township_admin")]))
    assert outsider.get(location).status_code == 404
    colleague = api_as(create_user(roles=[(town, "township_admin")]))
    assert colleague.get(location).status_code == 404  # another user's report stays theirs
    reader = api_as(create_user(roles=[(town, "info_officer", grid_of(town, "西村"))]))  # no people.import
    assert reader.get(location).status_code == 403
    assert start(reader, town, xlsx(good_rows())).status_code == 403
    for path in (f"/t/{town.slug}/people/import/{job_id}", f"/t/{town.slug}/people/import/{job_id}/progress"):
        assert outsider.client.get(path).status_code == 404
        assert colleague.client.get(path).status_code == 404
        assert reader.client.get(path).status_code == 403
    confirm = f"/t/{town.slug}/people/import/{job_id}/confirm"
    assert outsider.post(confirm, data={"mode": "all"}).status_code == 404
    assert reader.post(confirm, data={"mode": "all"}).status_code == 403
    assert count(town) == 0


def test_a_finished_job_reads_the_same_from_a_fresh_app(app, town, admin, api_as, consumer):
    """Nothing in process memory: another app (gunicorn worker) on the same queue store and database."""
    from core import create_app
    from tests.conftest import ApiClient

    api = api_as(admin)
    location = start(api, town, xlsx(good_rows() + [BAD_ROW])).headers["Location"]
    final = poll(api, location)[-1]
    other = create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_PATH": app.instance_path, "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                        "SECRET_KEY": "test-secret"})
    try:
        again = ApiClient(other, admin).get(location)
        assert again.status_code == 200 and again.get_json() == final
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_job_whose_worker_died_reads_as_failed(town, admin, api_as):
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)).isoformat()
    job = jobs.Job(id="d" * 32, kind="people.import", tenant_id=town.id, user_id=admin.id, status=jobs.RUNNING,
                   phase="write", done=4000, total=100000, params={"mode": "all", "filename": "a.csv"},
                   created_at=old, started_at=old, heartbeat_at=old)
    jobs.save(job)
    body = api_as(admin).get(f"{imports_url(town)}/{job.id}").get_json()
    assert body["status"] == "failed" and body["finished"] and body["error"]["code"] == "worker_lost"
    assert body["done"] == 4000 and body["report"] is None


def test_old_uploads_are_removed_when_an_import_starts(app, town, admin, api_as, consumer):
    day_ago = time.time() - jobs.KEEP_FOR - 60
    folder = os.path.join(app.config["UPLOAD_DIR"], "people-imports", "999999")
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for age in ("old", "new"):
        paths[age] = os.path.join(folder, f"{age}.csv")
        with open(paths[age], "w") as fh:
            fh.write("x")
    os.utime(paths["old"], (day_ago, day_ago))
    photo = os.path.join(app.config["UPLOAD_DIR"], "old-photo.jpg")  # others' uploads are not ours to sweep
    with open(photo, "w") as fh:
        fh.write("x")
    os.utime(photo, (day_ago, day_ago))
    assert run(api_as(admin), town, xlsx(good_rows()))["status"] == "succeeded"
    assert not os.path.exists(paths["old"]) and os.path.exists(paths["new"]) and os.path.exists(photo)


def test_an_import_queued_while_no_consumer_runs_is_done_when_a_worker_starts(app, town, admin, api_as):
    """Work survives a restart: the job waits in the queue's store (no consumer in this process),
    then a real ``gridgov worker`` process on the same instance picks it up and imports."""
    api = api_as(admin)
    resp = start(api, town, xlsx(good_rows()), "all")
    assert resp.status_code == 202
    time.sleep(0.5)  # nothing runs it meanwhile
    assert api.get(resp.headers["Location"]).get_json()["status"] == "queued" and count(town) == 0
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "GRIDGOV_INSTANCE": app.instance_path,
           "UPLOAD_DIR": app.config["UPLOAD_DIR"], "GRIDGOV_ENV": "development", "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen([sys.executable, "-m", "core.cli_main", "worker", "--workers", "1", "--no-periodic"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        final = poll(api, resp.headers["Location"], seconds=120)[-1]
    finally:
        worker.send_signal(signal.SIGINT)  # graceful: lets a running job finish
        try:
            output = worker.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0]
    assert final["status"] == "succeeded", (final, output[-3000:])
    assert final["report"]["created"] == 3 and count(town) == 3


def test_a_repeated_start_with_one_idempotency_key_is_one_job(town, admin, api_as, consumer):
    api = api_as(admin)
    data = xlsx(good_rows())

    def post():
        return api.post(imports_url(town), data={"file": (io.BytesIO(data), "people.xlsx"), "mode": "all"},
                        content_type="multipart/form-data; boundary=fixed-boundary-1",
                        headers={"Idempotency-Key": "import-once-1"})

    first, again = post(), post()
    assert first.status_code == again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Location"] == first.headers["Location"]
    assert poll(api, first.headers["Location"])[-1]["report"]["created"] == 3 and count(town) == 3
