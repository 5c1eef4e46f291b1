"""Workload 1: the homework two-layer net training step.

X (200, 3072) float32 → affine 3072→100 → ReLU → affine 100→10 → mean softmax cross-entropy,
backward, SGD update of W1, b1, W2, b2 (the homework's `x @ W + b` layout, W of shape (D, M))."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .common import Library, hips_sgd_step, hips_softmax_ce, np_softmax_ce, rng, sgd_step, shared_builders

NAME = "two_layer"
TITLE = "1. Two-layer net step: X (200, 3072) float32 → 100 ReLU → 10, softmax CE, backward, SGD"
PER_OP = False
LR = 1e-3


def make_spec(quick: bool) -> dict[str, Any]:
    n, d, h, c = (20, 64, 16, 10) if quick else (200, 3072, 100, 10)
    r = rng(1)
    f32 = np.float32
    return {
        "X": r.standard_normal((n, d)).astype(f32), "y": r.integers(0, c, n),
        "params": [(r.standard_normal((d, h)) / np.sqrt(d)).astype(f32), np.zeros(h, f32),
                   (r.standard_normal((h, c)) / np.sqrt(h)).astype(f32), np.zeros(c, f32)],
    }


def flops(spec: dict) -> float:
    """Matmul FLOPs of one step: X·W1 and h·W2 forward; Xᵀ·G (dW1), hᵀ·G and G·W2ᵀ backward (X needs no grad)."""
    (n, d), h, c = spec["X"].shape, spec["params"][0].shape[1], spec["params"][2].shape[1]
    return 2.0 * n * d * h * 2 + 2.0 * n * h * c * 3


def build_numpy(spec: dict) -> Callable[[], float]:
    X, y = spec["X"], spec["y"]
    W1, b1, W2, b2 = [p.copy() for p in spec["params"]]

    def step() -> float:
        hidden = X @ W1
        hidden += b1
        np.maximum(hidden, 0, out=hidden)
        scores = hidden @ W2 + b2
        loss, dscores = np_softmax_ce(scores, y)
        dW2, db2 = hidden.T @ dscores, dscores.sum(0)
        dhidden = dscores @ W2.T
        dhidden *= hidden > 0
        dW1, db1 = X.T @ dhidden, dhidden.sum(0)
        for p, g in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
            p -= LR * g
        return loss
    return step


def build_shared(lib: Library, spec: dict) -> Callable[[], float]:
    """autograd_lite, PyTorch and MyGrad: the same code through each library's namespace."""
    X, y = lib.tensor(spec["X"], False), lib.tensor(spec["y"], False)
    W1, b1, W2, b2 = params = [lib.tensor(p, True) for p in spec["params"]]
    F = lib.F
    return sgd_step(lib, params, LR, lambda: F.cross_entropy(F.relu(X @ W1 + b1) @ W2 + b2, y))


def build_autograd(spec: dict) -> Callable[[], float]:
    import autograd.numpy as anp
    X, y = spec["X"], spec["y"]

    def loss_fn(ps: list) -> Any:
        W1, b1, W2, b2 = ps
        return hips_softmax_ce(anp, anp.maximum(X @ W1 + b1, 0) @ W2 + b2, y)
    return hips_sgd_step(loss_fn, [p.copy() for p in spec["params"]], LR)


BUILDERS = {"numpy": build_numpy, **shared_builders(build_shared), "autograd": build_autograd}
