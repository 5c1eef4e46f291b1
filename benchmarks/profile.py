"""Profile one workload's autograd_lite step next to its NumPy baseline (the floor).

    python -m benchmarks.profile two_layer [--steps 20] [--threads 1] [--top 15]

Prints the time per step of both, then cProfile's top functions by own time for autograd_lite
and for the baseline: the difference is where the engine loses time.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

from .harness import pin_threads


def _per_step(step, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    p.add_argument("workload")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    pin_threads(args.threads)
    from .workloads import WORKLOADS
    module = WORKLOADS[args.workload]
    spec = module.make_spec(args.quick)
    for lib in ("numpy", "autograd_lite"):
        step = module.BUILDERS[lib](spec)
        for _ in range(3):
            step()
        plain = _per_step(step, args.steps)
        profiler = cProfile.Profile()
        profiler.enable()
        _per_step(step, args.steps)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        print(f"===== {lib}: {1e3 * plain:.3f} ms per step (unprofiled), {args.steps} steps profiled =====")
        print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))


if __name__ == "__main__":
    main(sys.argv[1:])
