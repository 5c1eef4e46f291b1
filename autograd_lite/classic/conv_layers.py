"""Convolution and max pooling of the homework API, on the engine's F.conv2d and F.max_pool2d.

The forwards record `F.conv2d` / `F.max_pool2d` (im2col + one matrix product,
and a max over each window); the backward passes are the engine's gradients
of those ops. Parameters come in the homework's dicts.
"""
from __future__ import annotations

import numpy as np

import autograd_lite.nn.functional as F

from ._graph import Cache, leaf


def conv_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict) -> tuple[np.ndarray, Cache]:
    """Cross-correlation: out[n, f] = Σ_{c,i,j} x_pad[n, c, s·h' + i, s·w' + j] · w[f, c, i, j] + b[f].

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,); conv_param: 'stride', 'pad'
    (zeros on every side). out: (N, F, H', W'), H' = 1 + (H + 2·pad − HH) // stride.
    """
    xt, wt, bt = leaf(x), leaf(w), leaf(b)
    out = F.conv2d(xt, wt, bt, stride=conv_param["stride"], padding=conv_param["pad"])
    return out.data.copy(), Cache(out, (xt, wt, bt), conv_param=conv_param)


def conv_backward_naive(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dw, db) of the convolution, from the engine; dout: (N, F, H', W')."""
    dx, dw, db = cache.grads(dout)
    return dx, dw, db


def max_pool_forward_naive(x: np.ndarray, pool_param: dict) -> tuple[np.ndarray, Cache]:
    """out[n, c, h', w'] = max of the pool_height × pool_width window at (s·h', s·w').

    x: (N, C, H, W); pool_param: 'pool_height', 'pool_width', 'stride'. out: (N, C, H', W').
    """
    xt = leaf(x)
    out = F.max_pool2d(xt, (pool_param["pool_height"], pool_param["pool_width"]), stride=pool_param["stride"])
    return out.data.copy(), Cache(out, (xt,), pool_param=pool_param)


def max_pool_backward_naive(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """dx (N, C, H, W) of max pooling, from the engine (dout (N, C, H', W') routed to each window's maximum)."""
    (dx,) = cache.grads(dout)
    return dx
