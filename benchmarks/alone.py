"""Step time of one library alone in this fresh process: no other library loaded, glibc's malloc as the
user's process has it (the interleaved timings share one process, and with it one heap).

    python -m benchmarks.alone WORKLOAD LIBRARY [--quick] [--repeats N] [--threads N]

prints one JSON line {"median": s, "best": s, "faults_per_step": n}: the timing of `time_interleaved`
with one library, and the minor page faults per timed step (memory the step touched afresh).
"""
from __future__ import annotations

import json
import sys

from .harness import Skip, pin_threads, pin_torch_threads, time_interleaved, with_variants


def main(argv: list[str]) -> dict:
    workload, lib = argv[0], argv[1]
    quick = "--quick" in argv
    repeats = int(argv[argv.index("--repeats") + 1]) if "--repeats" in argv else (3 if quick else 15)
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 1
    pin_threads(threads)
    if lib == "torch":
        pin_torch_threads(threads)
    from .workloads import WORKLOADS
    module = WORKLOADS[workload]
    builders = with_variants(module.BUILDERS)
    if lib not in builders:
        return {"error": "not defined"}
    try:
        timing = time_interleaved({lib: builders[lib]}, module.make_spec(quick), repeats, 1 if quick else 3,
                                  0.0 if quick else 0.05)[lib]
    except Skip as e:
        return {"error": f"skipped: {e}"}
    if timing.error:
        return {"error": timing.error}
    return {"median": timing.median, "best": timing.best, "faults_per_step": timing.faults_per_step}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
