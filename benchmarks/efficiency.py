"""Workload 7: the physical limit. NumPy's measured peak float32 matmul throughput sets an ideal time
for a workload's matmul FLOPs; efficiency = ideal time / measured time (100% = nothing but peak-speed BLAS)."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


def peak_matmul_gflops(quick: bool, repeats: int = 5) -> float:
    """Best GFLOP/s of square float32 matmuls (2n³ FLOPs) over a few sizes and repeats."""
    best = 0.0
    r = np.random.default_rng(7)
    for n in ((128,) if quick else (1024, 2048)):
        a, b = r.standard_normal((n, n), dtype=np.float32), r.standard_normal((n, n), dtype=np.float32)
        out = np.empty((n, n), np.float32)
        np.matmul(a, b, out=out)
        for _ in range(repeats):
            t0 = time.perf_counter()
            np.matmul(a, b, out=out)
            best = max(best, 2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    return best


def build_peak_step(quick: bool, n: int = 1024) -> Callable[[], float]:
    """A square float32 matmul (2n³ FLOPs), timed interleaved with a workload's steps so the limit is
    measured under the same machine load as the libraries it is compared with."""
    n = 128 if quick else n
    r = np.random.default_rng(8)
    a, b = r.standard_normal((n, n), dtype=np.float32), r.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)

    def step() -> float:
        np.matmul(a, b, out=out)
        return 0.0
    step.flops = 2.0 * n ** 3
    return step
