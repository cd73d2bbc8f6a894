"""The example configuration in deploy/ is valid: nginx accepts deploy/nginx.conf (``nginx -t``,
with a throwaway certificate), gunicorn loads deploy/gunicorn.conf.py, and every systemd unit
names commands that exist. Skipped where nginx/openssl are not installed (.ci/run installs them)."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
                    reason="nginx or openssl not installed")
def test_nginx_accepts_the_example_site(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=gridgov.test", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx.conf").read_text().replace("/etc/ssl/gridgov", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; client_body_temp_path {tmp_path}; include {tmp_path}/site.conf; }}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_gunicorn_loads_the_example_settings():
    code = ("from gunicorn.config import Config; import runpy; c = Config(); "
            f"ns = runpy.run_path({str(DEPLOY / 'gunicorn.conf.py')!r}); "
            "[c.set(k, v) for k, v in ns.items() if k in c.settings]; "
            "print(c.bind, c.workers, c.timeout)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "gunicorn.sock" in done.stdout


def test_systemd_units_run_installed_commands():
    bindir = Path(sys.executable).parent
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.stem for u in units} >= {"gridgov-web", "gridgov-worker", "gridgov-backup"}
    for unit in units:
        cfg = configparser.ConfigParser(strict=False, interpolation=None)
        cfg.read(unit)
        start = cfg["Service"]["ExecStart"].split()
        assert start[0].startswith("/opt/gridgov/.venv/bin/"), unit
        local = bindir / Path(start[0]).name
        assert local.exists(), f"{unit.name}: {local.name} is not installed with gridgov"
        if local.name == "gridgov":
            # the sub-command and its options exist: ask it for --help
            args = [a for a in start[1:] if not a.startswith("/")]
            done = subprocess.run([str(local), *args[:1], "--help"], capture_output=True, text=True,
                                  timeout=120, env={**os.environ, "GRIDGOV_ENV": "testing"})
            assert done.returncode == 0, done.stderr
            for option in (a for a in args if a.startswith("--")):
                assert option in done.stdout, f"{unit.name}: {option} unknown to gridgov {args[0]}"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "systemd" / "gridgov-backup.timer")
    assert timer["Timer"]["OnCalendar"]
