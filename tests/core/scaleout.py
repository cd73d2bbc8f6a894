"""Helpers for the scale-out tests (two app hosts behind nginx, PgBouncer, a streaming replica): real processes on
127.0.0.1, each started and stopped by the test, every wait bounded."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


PG_BIN = Path(os.environ.get("GRIDGOV_PG_BIN", "/usr/lib/postgresql/15/bin"))


def pg_cluster_missing() -> str | None:
    """Why a PostgreSQL primary and streaming replica cannot be started here, or None."""
    for tool in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"{PG_BIN / tool} is missing (Debian: postgresql-15); GRIDGOV_PG_BIN names another folder"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the servers as"
        if not shutil.which("runuser"):
            return "running as root and runuser is missing"
    return None


class PgCluster:
    """A PostgreSQL primary and a streaming replica of it (pg_basebackup -R) on 127.0.0.1, on
    free ports, in a temporary folder; as the postgres user when we are root. Every wait bounded;
    :meth:`stop` stops both and removes the folder."""

    def __init__(self, shared_buffers: str = "32MB") -> None:
        self.shared_buffers = shared_buffers
        self.folder = Path(tempfile.mkdtemp(prefix="gridgov-pg-"))
        self.primary_port, self.replica_port = free_port(), free_port()
        self.primary, self.replica = self.folder / "primary", self.folder / "replica"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")

    def _run(self, *args: str, timeout: float = 120) -> str:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    def _options(self, port: int) -> str:
        return (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                "-c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c shared_buffers={self.shared_buffers} "
                "-c max_connections=60 -c wal_receiver_status_interval=1")

    def start(self) -> "PgCluster":
        self._run("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        self.start_server(self.primary, self.primary_port)
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                  "-D", str(self.replica), "-R", "-X", "stream", "-c", "fast")
        self.start_server(self.replica, self.replica_port)
        return self

    def start_server(self, data: Path, port: int) -> None:
        self._run("pg_ctl", "-D", str(data), "-o", self._options(port), "-l", str(data) + ".log", "-w", "-t", "60",
                  "start")

    def stop_server(self, data: Path) -> None:
        if (data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, port: int, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{port}/{database}"

    def sql(self, port: int, statement: str, database: str = "postgres"):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, dbname=database, user="postgres", autocommit=True,
                             connect_timeout=5) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else None

    def wait_caught_up(self, seconds: float = 60) -> None:
        """Until the replica has replayed everything the primary wrote so far."""
        target = self.sql(self.primary_port, "SELECT pg_current_wal_insert_lsn()")[0][0]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            done = self.sql(self.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]
            if done:
                return
            time.sleep(0.2)
        raise AssertionError(f"the replica did not catch up within {seconds}s")

    def stop(self) -> None:
        for data in (self.replica, self.primary):
            try:
                self.stop_server(data)
            except Exception:  # already stopped, or never started
                pass
        shutil.rmtree(self.folder, ignore_errors=True)
