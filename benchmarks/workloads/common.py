"""Helpers shared by the workloads: seeded data, the autograd_lite functional layer, peers' imports."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from ..harness import Skip


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def al_functional() -> Any:
    """autograd_lite.nn.functional, or the same ops from autograd_lite.ops while nn.functional is being filled in."""
    import autograd_lite as al
    import autograd_lite.nn.functional as F
    names = ("relu", "conv2d", "max_pool2d", "batch_norm", "cross_entropy")
    if all(hasattr(F, n) for n in names) and hasattr(F, "linear"):
        return F
    from autograd_lite.ops import activation, conv, loss, norm
    fallback = SimpleNamespace(relu=al.relu, conv2d=conv.conv2d, max_pool2d=conv.max_pool2d,
                               batch_norm=norm.batch_norm, cross_entropy=loss.cross_entropy,
                               linear=lambda x, w, b=None: x @ w.T if b is None else x @ w.T + b)
    for n in names + ("linear",):
        if hasattr(F, n):
            setattr(fallback, n, getattr(F, n))
    return fallback


def al_sgd(params: list, lr: float) -> Any:
    """autograd_lite.optim.SGD (what a user would write)."""
    import autograd_lite.optim as optim
    return optim.SGD(params, lr=lr)


def torch_module() -> Any:
    import torch
    return torch


def hips_softmax_ce(anp: Any, scores: Any, y: np.ndarray) -> Any:
    """Mean softmax cross-entropy in HIPS autograd's numpy (it has no fused loss)."""
    shifted = scores - anp.max(scores, axis=1, keepdims=True)
    log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
    return -anp.mean(log_probs[np.arange(len(y)), y])


def np_softmax_ce(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient w.r.t. scores (the homework's softmax_loss)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(np.log(sums).sum() - shifted[np.arange(n), y].sum()) / n
    dscores = exp / sums
    dscores[np.arange(n), y] -= 1
    dscores /= n
    return loss, dscores


def unsupported(lib: str, what: str) -> Skip:
    return Skip(f"{lib} has no {what}")
