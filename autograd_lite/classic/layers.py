"""The homework's modular layers: `out, cache = layer_forward(...)`, `grads = layer_backward(dout, cache)`.

Inputs and outputs are NumPy arrays, as in the notebooks. Every forward records
its computation with autograd_lite ops and keeps the graph in `cache`; every
backward asks the engine for the gradients (`cache.grads(dout)`). No gradient
here is derived by hand, so these are a reference to check hand-written
backward passes against.

Conventions (cs231n assignment 2): `w` has shape (D, M); dropout's `p` is the
probability of KEEPING a unit; the `*_param` dicts carry 'mode' ('train' or
'test'). Randomness (dropout masks) draws from NumPy's global state, which the
notebooks seed with `np.random.seed` (and `dropout_param['seed']` reseeds).

Normalization layers live in `norm_layers`, convolution and pooling in
`conv_layers`; all are importable from here.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import autograd_lite as al

from ._graph import Cache, const, leaf, scalar_and_grads
from .conv_layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                          max_pool_forward_naive)
from .norm_layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward, layernorm_backward,
                          layernorm_forward, spatial_batchnorm_backward, spatial_batchnorm_forward,
                          spatial_groupnorm_backward, spatial_groupnorm_forward)

__all__ = [
    "affine_forward", "affine_backward", "relu_forward", "relu_backward", "dropout_forward", "dropout_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt", "layernorm_forward", "layernorm_backward",
    "conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive", "max_pool_backward_naive",
    "spatial_batchnorm_forward", "spatial_batchnorm_backward", "spatial_groupnorm_forward",
    "spatial_groupnorm_backward", "svm_loss", "softmax_loss", "l2_regularization",
]


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """out = x.reshape(N, D) @ w + b.

    x: (N, d_1, ..., d_k) with D = d_1·…·d_k; w: (D, M); b: (M,). out: (N, M).
    """
    xt, wt, bt = leaf(x), leaf(w), leaf(b)
    out = al.matmul(xt.reshape(xt.shape[0], -1), wt) + bt
    return out.data.copy(), Cache(out, (xt, wt, bt))


def affine_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dw, db) of the affine layer, from the engine; dout: (N, M)."""
    dx, dw, db = cache.grads(dout)
    return dx, dw, db


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """out = max(0, x), elementwise; any shape."""
    xt = leaf(x)
    out = al.relu(xt)
    return out.data.copy(), Cache(out, (xt,))


def relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """dx of the ReLU, from the engine: dout where x > 0, else 0; x's shape."""
    (dx,) = cache.grads(dout)
    return dx


def dropout_forward(x: np.ndarray, dropout_param: dict) -> tuple[np.ndarray, Cache]:
    """Inverted dropout: in 'train' mode out = x * mask / p, mask ~ Bernoulli(p); in 'test' mode out = x.

    dropout_param: 'p' the probability of KEEPING each unit, 'mode' 'train' or
    'test', optional 'seed' (NumPy's global state is reseeded with it before
    the draw, exactly as cs231n does, so the mask is the same on every call as
    the notebooks' gradient checks need). The mask is `np.random.rand(*x.shape) < p`,
    so `np.random.seed` reproduces the notebooks' numbers.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError(f"dropout_forward: p is the keep probability and must be in (0, 1], got {p}")
    xt = leaf(x)
    if mode == "train":
        if "seed" in dropout_param:
            np.random.seed(dropout_param["seed"])  # reseeds the global state, exactly as cs231n does
        mask = (np.random.rand(*xt.shape) < p) / p
        out = xt * const(mask, like=xt)
    elif mode == "test":
        mask = None
        out = al.clone(xt)  # identity, recorded so that backward still goes through the engine
    else:
        raise ValueError(f'dropout_forward: invalid mode "{mode}" (expected "train" or "test")')
    return out.data.copy(), Cache(out, (xt,), dropout_param=dropout_param, mask=mask)


def dropout_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """dx of dropout, from the engine: dout * mask / p in train mode, dout in test mode; x's shape."""
    (dx,) = cache.grads(dout)
    return dx


def _check_labels(op: str, x: np.ndarray, y: np.ndarray) -> None:
    """y must hold one integer class index in 0..C−1 per row of the scores x (N, C)."""
    y, (n, c) = np.asarray(y), np.shape(x)
    if y.shape != (n,) or y.dtype.kind not in "iu":
        raise ValueError(f"{op}: y must hold one integer label per row of x (shape {np.shape(x)}), "
                         f"got y of shape {y.shape} and dtype {y.dtype}")
    bad = y[(y < 0) | (y >= c)]
    if bad.size:
        raise ValueError(f"{op}: label {int(bad[0])} is out of range for {c} classes (valid: 0..{c - 1})")


def svm_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Multiclass SVM (hinge) loss: mean over i of Σ_{j≠y_i} max(0, x_ij − x_iy_i + 1), and dx.

    x: (N, C) scores; y: (N,) integer labels. Not divided by C (unlike F.multi_margin_loss).
    """
    _check_labels("svm_loss", x, y)
    xt = leaf(x)
    n, rows = xt.shape[0], np.arange(xt.shape[0])
    others = np.ones(xt.shape)
    others[rows, y] = 0
    correct = xt[rows, y].reshape(n, 1)
    margins = al.relu(xt - correct + 1.0) * const(others, like=xt)
    loss, (dx,) = scalar_and_grads(margins.sum() / n, [xt])
    return loss, dx


def softmax_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy: mean over i of log Σ_j exp(x_ij) − x_iy_i, and dx.

    x: (N, C) scores; y: (N,) integer labels.
    """
    _check_labels("softmax_loss", x, y)
    xt = leaf(x)
    rows = np.arange(xt.shape[0])
    loss, (dx,) = scalar_and_grads((al.logsumexp(xt, dim=1) - xt[rows, y]).mean(), [xt])
    return loss, dx


def l2_regularization(weights: Sequence[np.ndarray], reg: float) -> tuple[float, list[np.ndarray]]:
    """The homework's weight decay 0.5 * reg * Σ_W sum(W**2), and its gradient for each W (from the engine)."""
    ws = [leaf(w) for w in weights]
    if not ws:
        return 0.0, []
    penalty: Any = (ws[0] * ws[0]).sum()
    for w in ws[1:]:
        penalty = penalty + (w * w).sum()
    loss, grads = scalar_and_grads(penalty * (0.5 * reg), ws)
    return loss, list(grads)
