"""Helpers for the scale-out tests (two app hosts behind nginx, PgBouncer): real processes on
127.0.0.1, each started and stopped by the test, every wait bounded."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from tenants.demo import DEMO_PASSWORD  # noqa: E402

ADMIN = {"login": "gaohe_admin", "password": DEMO_PASSWORD}  # from `gridgov demo`
TOWN = "gaohe"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_up(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def base_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GRIDGOV_", "DATABASE_URL", "REDIS_URL", "UPLOAD_DIR", "SECRET_KEY"))}
    env.update({"PYTHONPATH": str(ROOT), "GRIDGOV_ENV": "production", "GRIDGOV_INSECURE_COOKIES": "1",
                "SECRET_KEY": "scale-out-test-secret", "GRIDGOV_PROXY_FIX": "1"})
    env.update(extra)
    return env


def gridgov(*args, env, timeout=300) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "core.cli_main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


class Proc:
    """A child process in its own session (so it and its children are stopped together), its
    output kept for the failure message."""

    def __init__(self, args, env, cwd=ROOT):
        self.popen = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(iter(self.popen.stdout.readline, "")),
                                       daemon=True)
        self.reader.start()

    def output(self, tail: int = 3000) -> str:
        return "".join(self.lines)[-tail:]

    def kill(self) -> None:
        """SIGKILL to the whole group: a host that dies, not one that shuts down."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        # children that outlived their parent (gunicorn workers, a consumer) go too
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.reader.join(5)


class Http:
    """JSON over HTTP with a bearer token (urllib; no cookies)."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body=None, *, data: bytes | None = None, content_type=None,
             timeout: float = 15) -> tuple[int, dict | bytes, dict]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if body is not None:
            data, content_type = json.dumps(body).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                status, raw, head = resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as error:
            status, raw, head = error.code, error.read(), dict(error.headers)
        if head.get("Content-Type", "").startswith("application/json"):
            return status, json.loads(raw), head
        return status, raw, head

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, ctype) in files.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                   f'Content-Type: {ctype}\r\n\r\n'.encode() + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def wait_healthy(url: str, proc: Proc | None = None, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.popen.poll() is not None:
            raise AssertionError(f"{url} exited: {proc.output()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} not healthy within {seconds}s: {proc.output() if proc else ''}")


def sign_in(http: Http) -> str:
    status, body, _ = http.post(f"/api/v1/t/{TOWN}/tokens/issue", {**ADMIN, "name": "scale-out", "expires_in_days": 1})
    assert status == 201, body
    return body["token"]
