"""Regression check between two suite results (回归检查): flags every scenario whose ratio to its
floor got more than 20 % worse.

    .venv/bin/python benchmarks/compare.py OLD.json NEW.json [--tolerance 0.2]

Ratios, not milliseconds, are compared: the machine is shared, and a floor measured in the same
run moves with the load as the scenario does. Scenarios are matched by benchmark, name and floor; one
present in only one file is listed, not flagged. Exit status 1 when anything regressed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def load(path: str) -> dict[tuple[str, str], dict]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    # one scenario may stand beside two floors (volunteer: healthz and the bare insert)
    return {(row.get("bench", ""), row["scenario"], str(row.get("floor", ""))): row for row in data["scenarios"]}


def compare(old: dict, new: dict, tolerance: float = 0.2) -> tuple[list[str], list[str]]:
    """Lines for every matched scenario and the subset that regressed."""
    lines, regressed = [], []
    for key in sorted(old.keys() | new.keys()):
        name = ": ".join(k for k in key[:2] if k) + (f" (floor: {key[2]})" if key[2] else "")
        if key not in old or key not in new:
            lines.append(f"  {name}: only in {'new' if key in new else 'old'}")
            continue
        before, after = old[key]["ratio"], new[key]["ratio"]
        change = after / before - 1 if before else 0.0
        line = f"  {name}: ratio {before:.2f}x -> {after:.2f}x ({change:+.0%})"
        if change > tolerance:
            line += "  REGRESSED"
            regressed.append(line)
        lines.append(line)
    return lines, regressed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--tolerance", type=float, default=0.2, help="allowed worsening of the ratio (0.2 = 20 %%)")
    args = parser.parse_args(argv)
    lines, regressed = compare(load(args.old), load(args.new), args.tolerance)
    print("\n".join(lines))
    print(f"{len(regressed)} regressed beyond {args.tolerance:.0%}" if regressed else "no regression")
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
