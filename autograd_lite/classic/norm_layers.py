"""Normalization layers of the homework API: batch, layer, spatial batch and spatial group norm.

Each forward standardizes with engine ops (mean, biased variance, divide by
sqrt(var + eps)), scales by gamma and shifts by beta; each backward is the
engine's gradient through that recorded computation, batch statistics
included. Batch norm's running averages are plain NumPy bookkeeping, as in
cs231n: running = momentum * running + (1 − momentum) * batch, with momentum
0.9 and both averages starting at zero; the running variance is the biased one.
"""
from __future__ import annotations

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor

from ._graph import Cache, const, leaf


def _standardize(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """((x − mean) / sqrt(var + eps), mean, var) with mean and biased var over dims, kept as size-1 dims."""
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, correction=0)
    return (x - mean) / al.sqrt(var + eps), mean, var


def _batch_norm(x: Tensor, gamma: Tensor, beta: Tensor, bn_param: dict, dims: tuple[int, ...]) -> Tensor:
    """Batch norm of x over `dims` for the features on axis 1; updates bn_param's running averages in 'train'."""
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    num_features = x.shape[1]
    for name, param in (("gamma", gamma), ("beta", beta)):
        if param.shape != (num_features,):
            raise ValueError(f"batchnorm: {name} must have shape ({num_features},) for x of shape {x.shape}, "
                             f"got {param.shape}")
    stat_shape = tuple(num_features if i == 1 else 1 for i in range(x.ndim))  # broadcasts against x
    running_mean = bn_param.get("running_mean", np.zeros(num_features, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(num_features, dtype=x.dtype))
    if mode == "train":
        x_hat, mean, var = _standardize(x, dims, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mean.data.reshape(num_features)
        running_var = momentum * running_var + (1 - momentum) * var.data.reshape(num_features)
    elif mode == "test":
        x_hat = (x - const(running_mean.reshape(stat_shape), like=x)) / \
            const(np.sqrt(running_var.reshape(stat_shape) + eps), like=x)
    else:
        raise ValueError(f'batchnorm: invalid mode "{mode}" (expected "train" or "test")')
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return gamma.reshape(stat_shape) * x_hat + beta.reshape(stat_shape)


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict) -> tuple[np.ndarray, Cache]:
    """out = gamma * (x − μ_B) / sqrt(σ²_B + eps) + beta, statistics over the batch axis.

    x: (N, D); gamma, beta: (D,). bn_param: 'mode' ('train' uses the batch's
    statistics and updates 'running_mean'/'running_var'; 'test' uses those),
    optional 'eps' (1e-5) and 'momentum' (0.9).
    """
    xt, gt, bt = leaf(x), leaf(gamma), leaf(beta)
    out = _batch_norm(xt, gt, bt, bn_param, dims=(0,))
    return out.data.copy(), Cache(out, (xt, gt, bt), bn_param=bn_param)


def batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx (N, D), dgamma (D,), dbeta (D,)) of batch norm, from the engine (through the batch mean and variance)."""
    dx, dgamma, dbeta = cache.grads(dout)
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notebook's "simplified" batch-norm backward: here the same engine gradient as `batchnorm_backward`.

    The homework asks students to derive a shorter closed form on paper; the
    engine has no such shortcut to offer, so the results are identical, which
    is exactly what the notebook's comparison of the two expects.
    """
    return batchnorm_backward(dout, cache)


def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict) -> tuple[np.ndarray, Cache]:
    """out = gamma * (x − μ) / sqrt(σ² + eps) + beta, statistics over each row's features (train = test).

    x: (N, D); gamma, beta: (D,); ln_param: optional 'eps' (1e-5).
    """
    xt, gt, bt = leaf(x), leaf(gamma), leaf(beta)
    x_hat, _, _ = _standardize(xt, (1,), ln_param.get("eps", 1e-5))
    out = gt * x_hat + bt
    return out.data.copy(), Cache(out, (xt, gt, bt), ln_param=ln_param)


def layernorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx (N, D), dgamma (D,), dbeta (D,)) of layer norm, from the engine (through each row's mean and variance)."""
    dx, dgamma, dbeta = cache.grads(dout)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                              bn_param: dict) -> tuple[np.ndarray, Cache]:
    """Batch norm per channel, statistics over (N, H, W). x: (N, C, H, W); gamma, beta: (C,); bn_param as batch norm."""
    xt, gt, bt = leaf(x), leaf(gamma), leaf(beta)
    out = _batch_norm(xt, gt, bt, bn_param, dims=(0, 2, 3))
    return out.data.copy(), Cache(out, (xt, gt, bt), bn_param=bn_param)


def spatial_batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx (N, C, H, W), dgamma (C,), dbeta (C,)) of spatial batch norm, from the engine."""
    dx, dgamma, dbeta = cache.grads(dout)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int,
                              gn_param: dict) -> tuple[np.ndarray, Cache]:
    """Group norm: each sample's C channels split into G groups, each group standardized over (C/G, H, W).

    x: (N, C, H, W); gamma, beta: (1, C, 1, 1); G divides C; gn_param: optional 'eps' (1e-5).
    """
    n, c, h, w = np.shape(x)
    if c % G:
        raise ValueError(f"spatial_groupnorm_forward: {c} channels cannot be split into G={G} groups")
    xt, gt, bt = leaf(x), leaf(gamma), leaf(beta)
    grouped, _, _ = _standardize(xt.reshape(n, G, c // G, h, w), (2, 3, 4), gn_param.get("eps", 1e-5))
    out = gt * grouped.reshape(n, c, h, w) + bt
    return out.data.copy(), Cache(out, (xt, gt, bt), gn_param=gn_param, G=G)


def spatial_groupnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) of group norm, from the engine; dgamma and dbeta have gamma's shape (1, C, 1, 1)."""
    dx, dgamma, dbeta = cache.grads(dout)
    return dx, dgamma, dbeta
