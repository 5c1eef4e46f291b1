"""Peak memory of one training step of one library, in this fresh process (Linux).

    python -m benchmarks.memprobe WORKLOAD LIBRARY [--quick]

prints one JSON line {"peak_mib": ...}. Method, identical for every library: set up
(data, parameters) and run one warm-up step (one-time lazy initialisation of the library),
discard that model, set up a fresh one, drop garbage and return free memory to the OS, read
the resident size (VmRSS), reset the high-water mark (writing "5" to /proc/self/clear_refs),
run one step, and report VmHWM − VmRSS: the extra memory the step needed at its peak
(activations, saved tensors, gradients — allocated by every library in its first step —
and temporaries).
The parent sets fixed glibc mmap/trim thresholds so freed large blocks leave the process.
"""
from __future__ import annotations

import ctypes
import gc
import json
import sys

from .harness import Skip, pin_threads, with_variants


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def _release_free_memory() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> dict:
    workload, lib = argv[0], argv[1]
    quick = "--quick" in argv
    pin_threads(2)
    from .workloads import WORKLOADS
    module = WORKLOADS[workload]
    builders = with_variants(module.BUILDERS)
    if lib not in builders:
        return {"error": "not defined"}
    spec = module.make_spec(quick)
    try:
        step = builders[lib](spec)
        step()  # warm-up: the library's one-time lazy initialisation happens here
        del step  # and its parameters, gradients and optimizer state go
        _release_free_memory()
        step = builders[lib](spec)  # fresh: the measured step allocates its gradients, as a first step does
    except ImportError:
        return {"error": "not installed"}
    except Skip:
        return {"error": "unsupported"}
    except RecursionError:
        return {"error": "RecursionError"}
    except Exception as e:
        return {"error": f"{type(e).__name__}"}
    _release_free_memory()
    base = _status_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return {"error": "no /proc/self/clear_refs"}
    step()
    peak = _status_kib("VmHWM")
    return {"peak_mib": (peak - base) / 1024.0}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
