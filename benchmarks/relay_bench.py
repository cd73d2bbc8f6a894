"""Hook dispatch benchmark (not a unit test): a hook called through a tenant's relay (pluggy's
``subset_hook_caller`` over core and the enabled modules) against calling the same
implementations as plain functions, so the ratio is what dispatch itself costs.

    .venv/bin/python benchmarks/relay_bench.py          # no database work; SQLite scratch file

The hook is ``register_permissions`` (every component answers it with a constant list, so the
implementations cost the same on both sides). Each sample is ``--calls`` calls; figures are ms per
call. Options: ``--calls N`` (default 200), ``--repeat N`` (default 50).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.testing import bench_app, print_results  # noqa: E402


def per_call(fn, calls: int, repeat: int, warmup: int = 3) -> list[float]:
    """``repeat`` samples of the mean time of one call of ``fn`` over ``calls`` calls, in ms."""
    out = []
    for i in range(warmup + repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if i >= warmup:
            out.append((time.perf_counter() - start) * 1000 / calls)
    return out


def measure(app, calls: int, repeat: int) -> list[tuple[str, list[float], str, list[float]]]:
    from core.modules import registry

    with app.app_context():
        reg = registry()
        relay = reg.relay(reg.modules)  # every module switched on: the longest list of implementations
        caller = relay.register_permissions
        impls = [impl.function for impl in caller.get_hookimpls()]

        def plain():
            return [fn() for fn in impls]

        def flat(results):
            return sorted(repr(x) for result in results for x in result)

        assert flat(relay.register_permissions()) == flat(plain())
        return [(f"hook through the relay ({len(impls)} impls)", per_call(lambda: relay.register_permissions(), calls, repeat),
                 "the same functions called", per_call(plain, calls, repeat))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with bench_app() as app:
        print_results(measure(app, args.calls, args.repeat), width=40)


if __name__ == "__main__":
    main()
