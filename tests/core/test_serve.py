"""`gridgov run` serves the app with gunicorn beside the task queue's consumer, and the app refuses
to start without a secret."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gridgov(*args, env, timeout=120):
    return subprocess.run([sys.executable, "-m", "core.cli_main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "GRIDGOV_ENV")}
    # the output is read below in English (gridgov --lang en); Chinese is the default
    env.update({"GRIDGOV_INSTANCE": str(tmp_path), "PYTHONPATH": str(ROOT), "GRIDGOV_LANG": "en"}, **extra)
    return env


def test_gunicorn_serves_a_fresh_database(tmp_path):
    env = _env(tmp_path, SECRET_KEY="serve-test-secret")
    upgraded = _gridgov("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "migrated: core" in upgraded.stdout
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "core.cli_main", "run", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        body, deadline = None, time.monotonic() + 90  # a loaded 2-core CI machine starts slowly
        while body is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    body = resp.read().decode()
            except OSError:
                time.sleep(0.2)
        assert body is not None and '"ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5) as resp:
            assert resp.status == 200
        # the consumer starts beside gunicorn; on a loaded machine it may come up after the web workers
        while not any("Huey consumer started" in line for line in list(lines)) and time.monotonic() < deadline + 60:
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        reader.join(10)
    output = "".join(lines)
    assert proc.returncode == 0, output[-3000:]
    # the consumer ran beside gunicorn (one command, as scripts/demo.sh uses it) and stopped with it
    assert "and a consumer" in output and "gridgov worker: 2 threads, schedules on" in output
    assert "Huey consumer started" in output and "Consumer exiting" in output


def test_app_refuses_to_start_without_secret_key_in_production(tmp_path):
    env = _env(tmp_path, GRIDGOV_ENV="production")
    result = subprocess.run([sys.executable, "-c", "from core import create_app; create_app()"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
