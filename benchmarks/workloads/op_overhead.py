"""Workload 4: per-op overhead — a chain of cheap elementwise ops (tanh, ·1.01, +0.1 repeated)
on a (10, 10) float64 tensor, then sum, forward + backward. Reported as µs per op."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .common import Library, rng, shared_builders

NAME = "op_overhead"
TITLE = "4. Per-op overhead: 300 chained elementwise ops on (10, 10) float64, fwd+bwd"
PER_OP = True  # report time / n_ops


def make_spec(quick: bool, n_ops: int = 300) -> dict[str, Any]:
    return {"x": rng(4).standard_normal((10, 10)), "n_ops": 30 if quick else n_ops}


def _rounds(spec: dict) -> int:
    return spec["n_ops"] // 3  # each round is 3 ops


def build_numpy(spec: dict) -> Callable[[], float]:
    x, rounds = spec["x"], _rounds(spec)

    def step() -> float:
        h, tanhs = x, []
        for _ in range(rounds):
            h = np.tanh(h)
            tanhs.append(h)
            h = h * 1.01 + 0.1
        g = np.ones_like(x)
        for t in reversed(tanhs):
            g = g * 1.01 * (1.0 - t * t)
        return float(h.sum())
    return step


def build_shared(lib: Library, spec: dict) -> Callable[[], float]:
    """autograd_lite, PyTorch and MyGrad: the same code through each library's namespace."""
    x, rounds = lib.tensor(spec["x"], True), _rounds(spec)

    def step() -> float:
        lib.clear_grad(x)
        h = x
        for _ in range(rounds):
            h = lib.module.tanh(h) * 1.01 + 0.1
        loss = h.sum()
        loss.backward()
        return lib.item(loss)
    return step


def build_autograd(spec: dict) -> Callable[[], float]:
    import autograd.numpy as anp
    from autograd import value_and_grad
    rounds = _rounds(spec)

    def f(h: Any) -> Any:
        for _ in range(rounds):
            h = anp.tanh(h) * 1.01 + 0.1
        return anp.sum(h)
    vg = value_and_grad(f)

    def step() -> float:
        return float(vg(spec["x"])[0])
    return step


BUILDERS = {"numpy": build_numpy, **shared_builders(build_shared), "autograd": build_autograd}
