"""``benchmarks/run.py`` runs benchmarks as their own processes and gathers their figures into one
JSON file that ``benchmarks/compare.py`` reads."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_runner_gathers_each_benchmarks_scenarios(tmp_path):
    out = tmp_path / "suite-{engine}.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--engine", "sqlite", "--only", "relay",
                           "--out", str(out)], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "suite-sqlite.json").read_text())
    assert data["engine"] == "sqlite" and data["benchmarks"] == {"relay": "ok"}
    assert "commit" in data["machine"] and "load average" in data["machine"]["uptime"]  # commit: empty outside git
    [row] = data["scenarios"]
    assert row["bench"] == "relay" and row["scenario"].startswith("hook through the relay")
    assert 0 < row["p50"] <= row["p95"] <= row["p99"] and row["floor_p50"] > 0
    assert row["floor"] == "the same functions called" and row["ratio"] > 0
    assert "relay: hook through the relay" in proc.stdout  # and the table is printed
    again = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "compare.py"), str(tmp_path / "suite-sqlite.json"),
                            str(tmp_path / "suite-sqlite.json")], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "no regression" in again.stdout


def test_a_failing_benchmark_is_reported_and_fails_the_run(tmp_path):
    out = tmp_path / "suite.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", "people", "--out", str(out),
                           "--timeout", "0.5"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert json.loads(out.read_text())["benchmarks"] == {"people": "timed out after 0.5 s"}
    assert "people: timed out after 0.5 s" in proc.stdout
