"""Workload 7: a conv stage typical of CIFAR ResNets, float32, batch 64.

x (64, 64, 16, 16) → [conv 3×3 64→64 stride 1 → BN → ReLU] → [conv 3×3 stride 2 → BN → ReLU] (8×8)
→ [conv 3×3 stride 1 → BN → ReLU] → global average pool → affine 64→10 → mean softmax cross-entropy,
backward, SGD. The convolutions have no bias (batch norm follows, as in ResNets); batch norm uses
batch statistics (training mode). There is no hand-written NumPy training step: `reference_loss`
is the NumPy forward that every library's first loss is checked against.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .common import Library, rng, sgd_step, shared_builders

NAME = "resnet"
TITLE = ("7. ResNet conv stage: x (64, 64, 16, 16) float32, 3 × [conv 3×3 (stride 1, 2, 1) → BN → ReLU] "
         "→ avg pool → 10, fwd+bwd+SGD")
PER_OP = False
MAX_REPEATS, MAX_WARMUP = 9, 2
LR = 1e-3
EPS = 1e-5
STRIDES = (1, 2, 1)


def make_spec(quick: bool) -> dict[str, Any]:
    n, c, hw, classes = (4, 8, 8, 10) if quick else (64, 64, 16, 10)
    r = rng(7)
    f32 = np.float32
    params = []
    for _ in STRIDES:  # W (C, C, 3, 3), γ, β per conv
        params += [(r.standard_normal((c, c, 3, 3)) * np.sqrt(2.0 / (9 * c))).astype(f32),
                   np.ones(c, f32), np.zeros(c, f32)]
    params += [(r.standard_normal((c, classes)) / np.sqrt(c)).astype(f32), np.zeros(classes, f32)]
    return {"x": r.standard_normal((n, c, hw, hw)).astype(f32), "y": r.integers(0, classes, n), "params": params}


def flops(spec: dict) -> float:
    """Matmul FLOPs: each conv's forward and weight gradient, and its input gradient except the first's
    (x needs no grad); the affine layer is negligible."""
    n, c, h, _ = spec["x"].shape
    total, first = 0.0, True
    for s in STRIDES:
        h = (h + 2 - 3) // s + 1
        conv = 2.0 * n * c * h * h * c * 9
        total += conv * (2 if first else 3)
        first = False
    return total


def reference_loss(spec: dict) -> float:
    """The first step's loss, computed by a plain NumPy forward (im2col by einsum over a window view)."""
    h, y = spec["x"].astype(np.float64), spec["y"]
    params = [p.astype(np.float64) for p in spec["params"]]
    for i, s in enumerate(STRIDES):
        w, gamma, beta = params[3 * i:3 * i + 3]
        hp = np.pad(h, ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = sliding_window_view(hp, (3, 3), axis=(2, 3))[:, :, ::s, ::s]  # (N, C, OH, OW, 3, 3)
        h = np.einsum("ncxyij,fcij->nfxy", windows, w, optimize=True)
        mean, var = h.mean((0, 2, 3), keepdims=True), h.var((0, 2, 3), keepdims=True)
        h = (h - mean) / np.sqrt(var + EPS) * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)
        h = np.maximum(h, 0)
    scores = h.mean((2, 3)) @ params[-2] + params[-1]
    shifted = scores - scores.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def build_shared(lib: Library, spec: dict) -> Callable[[], float]:
    """autograd_lite, PyTorch and MyGrad: the same code through each library's namespace."""
    x, y = lib.tensor(spec["x"], False), lib.tensor(spec["y"], False)
    params = [lib.tensor(p, True) for p in spec["params"]]
    F = lib.F

    def loss_fn() -> Any:
        h = x
        for i, s in enumerate(STRIDES):
            w, gamma, beta = params[3 * i:3 * i + 3]
            h = F.conv2d(h, w, None, stride=s, padding=1)
            h = F.relu(F.batch_norm(h, None, None, gamma, beta, training=True, eps=EPS))
        return F.cross_entropy(h.mean((2, 3)) @ params[-2] + params[-1], y)
    return sgd_step(lib, params, LR, loss_fn)


BUILDERS = shared_builders(build_shared, ("autograd_lite", "torch"))
