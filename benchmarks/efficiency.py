"""Workload 7: the physical limit. NumPy's measured peak float32 matmul throughput sets an ideal time
for a workload's matmul FLOPs; efficiency = ideal time / measured time (100% = nothing but peak-speed BLAS)."""
from __future__ import annotations

import time

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
