"""The issues' performance targets, each checked against one run's results.

A target reads the per-library `Timing`s and memory of its workload; `ratio` is
autograd_lite's median over the named library's median, measured side by side.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Results = dict[str, dict[str, Any]]  # workload -> {"timings": {lib: Timing}, "memory": {lib: MiB|str}, ...}


@dataclass
class Target:
    workload: str
    text: str
    measure: Callable[[Results], tuple[float | None, str]]  # (value, how it reads)
    limit: float
    issue: str
    cause: str = ""  # what the profile shows when the target is missed

    def verdict(self, results: Results) -> tuple[str, str]:
        if self.workload not in results:
            return "not run", ""
        value, shown = self.measure(results)
        if value is None:
            return "not measured", shown
        return ("met" if value <= self.limit else "NOT met"), shown


def _median(results: Results, workload: str, lib: str) -> float | None:
    timing = results[workload]["timings"].get(lib)
    return None if timing is None else timing.median


def time_ratio(workload: str, peer: str) -> Callable[[Results], tuple[float | None, str]]:
    def measure(results: Results) -> tuple[float | None, str]:
        ours, theirs = _median(results, workload, "autograd_lite"), _median(results, workload, peer)
        if ours is None or theirs is None:
            return None, f"{peer} not timed"
        return ours / theirs, f"{ours / theirs:.2f}×"
    return measure


def memory_ratio(workload: str, peer: str) -> Callable[[Results], tuple[float | None, str]]:
    def measure(results: Results) -> tuple[float | None, str]:
        memory = results[workload].get("memory") or {}
        ours, theirs = memory.get("autograd_lite"), memory.get(peer)
        if not isinstance(ours, float) or not isinstance(theirs, float) or theirs <= 0:
            return None, "memory not measured"
        return ours / theirs, f"{ours:.1f} / {theirs:.1f} MiB = {ours / theirs:.2f}×"
    return measure


def no_error(workload: str) -> Callable[[Results], tuple[float | None, str]]:
    def measure(results: Results) -> tuple[float | None, str]:
        timing = results[workload]["timings"].get("autograd_lite")
        if timing is None:
            return None, "autograd_lite not run"
        error = timing.error
        return (1.0, error) if error else (0.0, "completed")
    return measure


def efficiency_gap(workload: str, minimum: float) -> Callable[[Results], tuple[float | None, str]]:
    """Expressed as minimum/efficiency so that ≤ 1 means met."""
    def measure(results: Results) -> tuple[float | None, str]:
        eff = results[workload].get("efficiency", {}).get("autograd_lite")
        if eff is None:
            return None, "efficiency not measured"
        return minimum / eff, f"{100 * eff:.0f}% of the matmul limit"
    return measure


TARGETS = [
    Target("two_layer", "two-layer step ≤ 1.0× PyTorch", time_ratio("two_layer", "torch"), 1.0, "#9",
           "the same five BLAS calls as PyTorch and the baseline; what is left is the Python of 6 recorded ops "
           "and their backward (~0.35 ms per step at these sizes)"),
    Target("two_layer", "two-layer step ≤ 1.15× the NumPy baseline", time_ratio("two_layer", "numpy"), 1.15, "#9",
           "the same five BLAS calls, which take the same time inside both steps; per step autograd_lite adds "
           "~0.35 ms of per-op Python (6 recorded ops, their backward bookkeeping, two bias-gradient "
           "reductions); over seven runs on an Intel Xeon (2026-11-22) the ratio measured 1.04-1.20×"),
    Target("two_layer", "two-layer efficiency ≥ 60% of the matmul limit", efficiency_gap("two_layer", 0.6), 1.0,
           "#9",
           "bounded by the hand-written baseline's own efficiency (53-63% over seven runs on an Intel Xeon; "
           "its row in table 1): the thin matmuls ((200×3072)·(3072×100) and Xᵀ·G) run at 70-85% of the "
           "square-matmul rate, and the non-BLAS work of a step (the baseline's 0.74 ms, ours ~1.1 ms) comes "
           "on top; ours is the baseline's efficiency divided by the ratio above"),
    Target("convnet", "ConvNet step ≤ 2× PyTorch", time_ratio("convnet", "torch"), 2.0, "#9, #4",
           "im2col copies (PyTorch's oneDNN convolution needs none), NumPy's BLAS at ~40 GFLOP/s on the thin "
           "convolution matmuls, and max-pool's winner routing (~12 ms against PyTorch's ~2 ms)"),
    Target("convnet", "ConvNet peak memory ≤ 1.5× PyTorch (#4: ≤ 2×)", memory_ratio("convnet", "torch"), 1.5,
           "#9",
           "columns are rebuilt in backward in ~2 MiB chunks (nothing large is saved); what remains over "
           "PyTorch is the im2col staging temporary (~7× the input) and the pool/ReLU masks"),
    Target("bn_mlp", "batch-norm MLP step ≤ 1.0× PyTorch (#4: ≤ 1.5×)", time_ratio("bn_mlp", "torch"), 1.0, "#9",
           "timed by phase at full size, the backward takes the same time as PyTorch's and the SGD update "
           "less (0.45 vs 0.80 ms); the forward takes ~0.8 ms more: MKL's sgemm runs X·W1 5-13% faster than "
           "NumPy's OpenBLAS, and NumPy's row-broadcast loops on (200, 100) take 14 µs where same-shape "
           "operands take 7, so batch norm's forward takes 97 µs against PyTorch's fused 63 µs. At tiny sizes "
           "(Python cost only) the two steps are equal (1.57 vs 1.51 ms). Over seven runs on an Intel Xeon "
           "(2026-11-22) the ratio measured 0.87-1.08× (the hand-written NumPy step 0.87-1.09×): the target "
           "sits inside the run-to-run spread"),
    Target("op_overhead", "per-op overhead ≤ 1.25× PyTorch (#2: ≤ 2×)", time_ratio("op_overhead", "torch"), 1.25,
           "#9",
           "engine bookkeeping per node: Function.apply, the one-pass backward (a heap on sequence numbers) and"
           " release()"),
    Target("op_overhead", "per-op overhead below HIPS autograd's", time_ratio("op_overhead", "autograd"), 1.0,
           "#9",
           'engine bookkeeping per node (see the per-op overhead profile)'),
    Target("op_overhead", "per-op overhead below MyGrad's", time_ratio("op_overhead", "mygrad"), 1.0, "#9"),
    Target("gplvm", "GP-LVM gradient ≤ 1.0× PyTorch", time_ratio("gplvm", "torch"), 1.0, "#9",
           "one Cholesky per step is shared by logdet, solve and inv (SciPy's potrf and trtri when installed; "
           "without SciPy NumPy's gufuncs are ~1 ms slower per step); what is left is ~35 recorded ops and six "
           "n×n temporaries"),
    Target("long_chain", "20,000-op chain: no RecursionError", no_error("long_chain"), 0.5, "#9, #2"),
    Target("long_chain", "20,000-op chain ≤ 1.0× PyTorch", time_ratio("long_chain", "torch"), 1.0, "#9",
           'the per-op engine bookkeeping, times 20,000'),
]
