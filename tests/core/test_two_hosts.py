"""Two stateless app hosts behind nginx, on 127.0.0.1 (issue #20).

Two ``gridgov run`` hosts (gunicorn) with instance folders of their own share one database (a
scratch SQLite file, or a scratch PostgreSQL database when DATABASE_URL names PostgreSQL), one
Redis database (rate limits and the task queue) and the uploads (one folder both mount, or an
S3-compatible store: moto's server on loopback); nginx, configured with
``deploy/nginx.conf``'s proxy block, is in front. Host A runs no queue consumer, so a job it starts
can only run on host B's. Every process is the test's own and is stopped at the end; every loop is
bounded in count and time.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image

from core.testing import scratch_database
from tests.core.test_storage import s3_endpoint  # noqa: F401 (the fixture)
from tests.core.scaleout import (ROOT, TOWN, Http, Proc, base_env, free_port, gridgov, multipart, redis_up, sign_in,
                                 wait_healthy)

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
REDIS_DB = 9  # the scale-out tests' own; keys are under a queue name of this run


def nginx_conf(folder: Path, port: int, upstreams: list[int]) -> Path:
    """An nginx.conf for loopback: deploy/nginx.conf's ``location /`` block as it is, an upstream
    of ``upstreams``, and every path nginx writes inside ``folder``."""
    deployed = (ROOT / "deploy" / "nginx.conf").read_text()
    proxy = re.search(r"\n    location / \{\n.*?\n    \}\n", deployed, re.S)
    assert proxy, "deploy/nginx.conf lost its `location /` block"
    limit = re.search(r"client_max_body_size \S+;", deployed).group(0)
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams)
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder / 'access.log'};
{temp}
    upstream gridgov {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        {limit}
{proxy.group(0).strip(chr(10))}
    }}
}}
""")
    return conf


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(params=["shared-folder", "s3"])
def hosts(request, tmp_path):
    """(host A, host B, nginx) as base URLs; A serves only, B also runs the queue's consumer.
    Uploads in one folder both hosts share, or in an S3-compatible store (moto's server on
    loopback) with each host's UPLOAD_DIR its own."""
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light); .ci/run installs it")
    if not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379 (the hosts share rate limits and the task queue through it)")
    url, drop = scratch_database("gridgov_twohosts", tmp_path)
    redis = f"redis://127.0.0.1:6379/{REDIS_DB}"
    queue = f"twohosts{uuid.uuid4().hex[:8]}"  # huey keeps only letters and digits
    shared = base_env(DATABASE_URL=url, REDIS_URL=redis, GRIDGOV_QUEUE_URL=redis, GRIDGOV_QUEUE_NAME=queue)
    if request.param == "s3":
        from tests.core.test_storage import S3_ENV

        endpoint = request.getfixturevalue("s3_endpoint")
        shared.update(GRIDGOV_STORAGE=f"s3://gridgov/twohosts-{queue}", GRIDGOV_S3_ENDPOINT=endpoint, **S3_ENV)
    else:
        shared["UPLOAD_DIR"] = str(tmp_path / "uploads")
    procs: list[Proc] = []
    try:
        gridgov("db", "upgrade", env={**shared, "GRIDGOV_INSTANCE": str(tmp_path / "setup")})
        gridgov("demo", env={**shared, "GRIDGOV_INSTANCE": str(tmp_path / "setup")})
        ports = {}
        for name, extra in (("a", ["--no-consumer"]), ("b", ["--queue-workers", "2"])):
            ports[name] = free_port()
            (tmp_path / f"host-{name}").mkdir()
            env = {**shared, "GRIDGOV_INSTANCE": str(tmp_path / f"host-{name}")}
            procs.append(Proc([sys.executable, "-m", "core.cli_main", "run", "--bind",
                               f"127.0.0.1:{ports[name]}", "--workers", "2", *extra], env))
        (tmp_path / "nginx").mkdir()
        front = free_port()
        conf = nginx_conf(tmp_path / "nginx", front, [ports["a"], ports["b"]])
        checked = subprocess.run([NGINX, "-t", "-e", str(tmp_path / "nginx" / "error.log"), "-p",
                                  str(tmp_path / "nginx"), "-c", str(conf)], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        procs.append(Proc([NGINX, "-e", str(tmp_path / "nginx" / "error.log"), "-p", str(tmp_path / "nginx"),
                           "-c", str(conf), "-g", "daemon off;"], shared))
        urls = [f"http://127.0.0.1:{p}" for p in (ports["a"], ports["b"], front)]
        for u, p in zip(urls, procs):
            wait_healthy(u, p)
        yield urls, procs
    finally:
        for proc in reversed(procs):
            proc.stop()
        drop()
        import redis as redis_client

        client = redis_client.Redis.from_url(redis)
        for key in client.scan_iter(f"*{queue}*"):  # this run's queue; rate-limit keys expire by themselves
            client.delete(key)
        client.close()


def test_two_hosts_share_writes_photos_jobs_and_survive_one_dying(hosts, reliability):
    (a_url, b_url, front_url), (host_a, host_b, _nginx) = hosts
    token = sign_in(Http(front_url))
    a, b, front = Http(a_url, token), Http(b_url, token), Http(front_url, token)
    api = f"/api/v1/t/{TOWN}"

    # a write through one host is read through the other
    status, grids, _ = a.get(f"{api}/grids?per_page=5")
    assert status == 200 and grids["items"], grids
    grid_id = grids["items"][-1]["id"]
    status, cats, _ = a.get(f"{api}/incidents/categories")
    assert status == 200, cats
    category_id = (cats["items"] if isinstance(cats, dict) else cats)[0]["id"]
    status, made, _ = a.post(f"{api}/incidents", {"category_id": category_id, "grid_id": grid_id,
                                                   "description": "两台主机：A 写入"})
    assert status == 201, made
    status, seen, _ = b.get(f"{api}/incidents/{made['id']}")
    assert status == 200 and seen["description"] == "两台主机：A 写入"

    # a photo uploaded through one is served by the other
    body, ctype = multipart({"category_id": str(category_id), "grid_id": str(grid_id), "description": "带照片"},
                            {"photos": ("wall.png", png(), "image/png")})
    status, with_photo, _ = a.call("POST", f"{api}/incidents", data=body, content_type=ctype)
    assert status == 201, with_photo
    status, detail, _ = b.get(f"{api}/incidents/{with_photo['id']}")
    photo_id = detail["steps"][0]["photos"][0]["id"]
    status, served, head = b.get(f"{api}/incidents/photos/{photo_id}")
    assert status == 200 and served == png() and head["Content-Type"] == "image/png"

    # a background job started on A (which runs no consumer) runs on B's consumer
    body, ctype = multipart({"mode": "dry_run"}, {"file": ("people.csv", "姓名,性别,身份证号,网格\n张三,男,11010119500102001X,某网格\n".encode(), "text/csv")})
    status, job, head = a.call("POST", f"{api}/people/imports", data=body, content_type=ctype)
    assert status == 202, job
    location = head["Location"].replace("http://localhost", "")
    location = location[location.index("/api/"):]
    deadline = time.monotonic() + 90
    while not job.get("finished") and time.monotonic() < deadline:
        time.sleep(0.3)
        status, job, _ = a.get(location)
    assert job.get("finished") and job["status"] == "succeeded", job
    assert job["report"]["total"] == 1, job
    assert "consumer" not in "".join(host_a.lines).lower()  # A serves only: the job ran on B

    # host B killed mid-load (three writers at once, bounded): no acknowledged write is lost, and
    # nginx routes the rest to A
    acknowledged, refused, lock = [], [], threading.Lock()
    killed = threading.Event()
    deadline = time.monotonic() + 120

    def writer(w: int) -> None:
        for n in range(15):
            if time.monotonic() > deadline:
                return
            text = f"负载 {w}-{n}"
            try:
                status, made, _ = front.post(f"{api}/incidents", {"category_id": category_id, "grid_id": grid_id,
                                                                   "description": text}, timeout=20)
            except OSError as error:  # a connection cut: not acknowledged
                status, made = type(error).__name__, None
            with lock:
                if status == 201:
                    acknowledged.append((text, made["id"], killed.is_set()))
                else:
                    refused.append((text, status, made))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    def served_by_b() -> int:  # B's access log, which may lag its answers a little
        return sum("POST /api/v1/t/gaohe/incidents " in line for line in list(host_b.lines))

    # kill B once it has carried some of the load, while plenty of writes are still to come
    while (len(acknowledged) < 9 or (served_by_b() < 2 and len(acknowledged) < 20)) \
            and time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.05)
    served_by_b = served_by_b()
    host_b.kill()
    killed.set()
    for thread in threads:
        thread.join(150)
    assert served_by_b >= 2, "nginx sent no load to B before it died"
    assert len(refused) <= 3, refused  # at most the writes in flight on B when it died
    assert sum(after for _, _, after in acknowledged) >= 20, (acknowledged, refused)
    for text, incident_id, _ in acknowledged:
        status, seen, _ = a.get(f"{api}/incidents/{incident_id}")
        assert status == 200 and seen["description"] == text, (text, status)
    status, listed, _ = a.get(f"{api}/incidents?per_page=200")
    assert status == 200
    descriptions = [i["description"] for i in listed["items"]]
    assert all(descriptions.count(text) == 1 for text, _, _ in acknowledged)  # none written twice
    assert Http(front_url).get("/healthz")[0] == 200
    reliability("fault", len(acknowledged), f"acknowledged writes while one of two hosts behind nginx was killed "
                f"({len(refused)} in flight refused)", lost=0, errors_5xx=len(refused))
