"""docs/reliability.md is written from what the tests noted, and says what was lost."""
from __future__ import annotations

import json

from core.reliability_report import main, render


def test_the_report_adds_up_what_the_tests_noted(tmp_path):
    lines = [{"test": "tests/a.py::test_probe", "kind": "probe", "count": 300, "what": "routes", "lost": 0, "errors_5xx": 0},
             {"test": "tests/b.py::test_race", "kind": "concurrency", "count": 16, "what": "registrations", "lost": 0},
             {"test": "tests/c.py::test_down", "kind": "fault", "count": 2, "what": "database down", "errors_5xx": 1}]
    text = render(lines, "abc123", "2026-12-01 00:00 UTC")
    assert "**Lost: 0**" in text and "**5xx answers: 1**" in text and "318 operations in 3 measurements" in text
    assert "| `test_race` | registrations | 16 | 0 | 0 |" in text
    assert text.index("## Cross-township probes") < text.index("## Concurrent operations") < text.index("## Faults injected")
    log, out = tmp_path / "log.jsonl", tmp_path / "reliability.md"
    log.write_text("\n".join(json.dumps(l) for l in lines))
    assert main([str(log), str(out)]) == 0 and "test_probe" in out.read_text()
    (tmp_path / "empty.jsonl").write_text("")
    assert main([str(tmp_path / "empty.jsonl"), str(out)]) == 1


def test_the_fixture_writes_only_when_asked(reliability, monkeypatch, tmp_path):
    monkeypatch.delenv("GRIDGOV_RELIABILITY_LOG", raising=False)
    reliability("probe", 1, "nothing written")  # no log named: a no-op
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("GRIDGOV_RELIABILITY_LOG", str(log))
    reliability("fault", 3, "worker killed", lost=0)
    noted = json.loads(log.read_text())
    assert noted["kind"] == "fault" and noted["count"] == 3 and noted["test"].endswith("test_the_fixture_writes_only_when_asked")
