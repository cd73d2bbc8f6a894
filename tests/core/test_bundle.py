"""The offline bundle (scripts/bundle.sh) installs gridgov on a machine with no index at all: every
runtime dependency is in it, pinned as requirements.lock says. Runs once, on the SQLite pass (it
touches no database)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="no database involved: the SQLite pass covers it")


def test_bundle_installs_gridgov_without_an_index(tmp_path):
    bundle = tmp_path / "bundle"
    subprocess.run(["bash", str(ROOT / "scripts" / "bundle.sh"), str(bundle)], cwd=ROOT, check=True,
                   capture_output=True, timeout=600)
    wheels = {p.name.split("-")[0].lower() for p in bundle.glob("*.whl")}
    assert {"gridgov", "flask", "sqlalchemy", "psycopg_binary"} <= wheels
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # no index, no find-links but the bundle: what a machine on the intranet has
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1")
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-index", "--find-links", str(bundle),
                    "gridgov"], check=True, env=env, capture_output=True, timeout=600)
    out = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import core.app, plugins.incidents, tenants; "
                          "from importlib.metadata import version; print(version('flask'))"],
                         check=True, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    locked = [l.split("==")[1].split()[0] for l in (ROOT / "requirements.lock").read_text().splitlines()
              if l.lower().startswith("flask==")]
    assert out.stdout.strip() == locked[0]
