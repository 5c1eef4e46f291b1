"""Profile one workload's autograd_lite step next to its NumPy baseline (the floor).

    python -m benchmarks.profile two_layer [--steps 20] [--threads 1] [--top 15] [--by-op]

Prints the time per step of both, then cProfile's top functions by own time for autograd_lite
and for the baseline: the difference is where the engine loses time. With --by-op: the time per
step inside each op's `forward`, `backward` and `backward_arrays` (the raw-array backward the engine
calls when no graph is recorded) instead: a timer around each; nested ops, e.g. the Functions a backward
applies, count in both.
"""
from __future__ import annotations

import argparse
import collections
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


def by_op(step, steps: int) -> list[tuple[str, float]]:
    """(Op.forward / Op.backward / Op.backward_arrays, seconds per step) for every Function subclass the step
    runs, slowest first."""
    import autograd_lite.nn.functional  # noqa: F401 (every op family imported, so every subclass is wrapped)
    from autograd_lite.engine import Function
    spent: dict[str, float] = collections.defaultdict(float)
    classes, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in classes:
                classes.add(sub)
                stack.append(sub)
    originals = []
    for cls in classes:
        for name in ("forward", "backward", "backward_arrays"):
            if callable(vars(cls).get(name)):  # backward_arrays is None on ops without a raw-array backward
                method = vars(cls)[name]

                def timed(self, *args, _method=method, _key=f"{cls.__name__}.{name}"):
                    t0 = time.perf_counter()
                    try:
                        return _method(self, *args)
                    finally:
                        spent[_key] += time.perf_counter() - t0
                originals.append((cls, name, method))
                setattr(cls, name, timed)
    try:
        _per_step(step, steps)
    finally:
        for cls, name, method in originals:
            setattr(cls, name, method)
    return sorted(((k, v / steps) for k, v in spent.items()), key=lambda kv: -kv[1])


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    p.add_argument("workload")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--by-op", action="store_true", help="time inside each op's forward/backward/backward_arrays instead")
    args = p.parse_args(argv)
    pin_threads(args.threads)
    from .workloads import WORKLOADS
    module = WORKLOADS[args.workload]
    spec = module.make_spec(args.quick)
    for lib in [lib for lib in ("numpy", "autograd_lite") if lib in module.BUILDERS]:
        step = module.BUILDERS[lib](spec)
        for _ in range(3):
            step()
        plain = _per_step(step, args.steps)
        if args.by_op and lib == "autograd_lite":
            print(f"===== {lib}: {1e3 * plain:.3f} ms per step (untimed); inside each op, per step =====")
            for key, seconds in by_op(step, args.steps)[:args.top]:
                print(f"  {key:36s} {1e3 * seconds:8.3f} ms")
            continue
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
