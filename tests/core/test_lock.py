"""requirements.lock stays in step with setup.cfg: every dependency declared there (runtime and
dev) is pinned in the lock, at a version its lower bound admits. scripts/lock.sh regenerates it."""
from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> list[Requirement]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = cfg["options"]["install_requires"].splitlines()
    lines += cfg["options.extras_require"]["dev"].splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def _locked() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"([A-Za-z0-9._-]+)==([^\s#;]+)", line)
        if m:
            pins[_key(m.group(1))] = Version(m.group(2))
    return pins


def test_every_declared_dependency_is_pinned_within_its_bounds():
    pins = _locked()
    problems = []
    for req in _declared():
        pinned = pins.get(_key(req.name))
        if pinned is None:
            problems.append(f"{req.name}: not in requirements.lock")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}: locked {pinned} is outside {req.specifier}")
    assert not problems, "run scripts/lock.sh:\n" + "\n".join(problems)


def test_the_lock_pins_exact_versions_only():
    body = [l for l in (ROOT / "requirements.lock").read_text().splitlines()
            if l.strip() and not l.startswith("#")]
    assert body
    loose = [l for l in body if not re.match(r"[A-Za-z0-9._-]+==\S+", l)]
    assert not loose, loose
