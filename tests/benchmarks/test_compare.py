"""``benchmarks/compare.py`` flags a scenario whose ratio to its floor got more than 20 % worse."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def results(path: Path, ratios: dict[str, float]) -> Path:
    path.write_text(json.dumps({"engine": "sqlite", "scenarios": [
        {"bench": "pages", "scenario": name, "p50": ratio, "p95": ratio, "p99": ratio, "floor": "sql",
         "floor_p50": 1.0, "ratio": ratio} for name, ratio in ratios.items()]}))
    return path


def compare(old: Path, new: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "compare.py"), str(old), str(new)],
                          capture_output=True, text=True, timeout=60)


def test_a_ratio_more_than_20_percent_worse_is_flagged(tmp_path):
    old = results(tmp_path / "old.json", {"dashboard": 2.0, "grid tree": 10.0, "person page": 3.0, "gone": 1.0})
    new = results(tmp_path / "new.json", {"dashboard": 2.5, "grid tree": 11.9, "person page": 1.5, "added": 9.0})
    proc = compare(old, new)
    assert proc.returncode == 1, proc.stdout
    flagged = [line for line in proc.stdout.splitlines() if "REGRESSED" in line]
    assert flagged == ["  pages: dashboard (floor: sql): ratio 2.00x -> 2.50x (+25%)  REGRESSED"]
    assert "pages: gone (floor: sql): only in old" in proc.stdout and "pages: added (floor: sql): only in new" in proc.stdout
    assert "1 regressed beyond 20%" in proc.stdout


def test_no_regression_exits_0(tmp_path):
    old = results(tmp_path / "old.json", {"dashboard": 2.0, "grid tree": 10.0})
    new = results(tmp_path / "new.json", {"dashboard": 2.39, "grid tree": 4.0})
    proc = compare(old, new)
    assert proc.returncode == 0, proc.stdout
    assert "REGRESSED" not in proc.stdout and "no regression" in proc.stdout
