"""Normalization: batch, layer and group norm, all built on one fused primitive.

`Standardize` maps x to x̂ = (x − μ)/σ over some dims (μ, σ² = the biased batch
statistics, σ = √(σ² + eps)); its backward is the simplified fused form

    dx = (1/M)·σ⁻¹·(M·G − ΣG − x̂·Σ(G⊙x̂))          (sums and M over the same dims)

The learned scale γ and shift β are then ordinary broadcasting ops (γ⊙x̂ + β),
so their gradients (Σ G⊙x̂ and Σ G) come from the engine.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..engine import Function, OpError, is_grad_enabled
from ..tensor import Tensor


class Standardize(Function):
    """x̂ = (x − mean(x)) / √(var(x) + eps) over `dims` (biased variance)."""
    expr, grad_exprs = "(a − μ)/σ", ("σ⁻¹(G − mean(G) − x̂·mean(G⊙x̂))",)

    def __init__(self, dims: tuple[int, ...], eps: float) -> None:
        self.dims, self.eps = dims, eps

    def forward(self, x):
        self.mean = np.mean(x, axis=self.dims, keepdims=True)
        centered = x - self.mean
        self.var = np.mean(centered * centered, axis=self.dims, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(self.var + self.eps)
        self.out = centered * self.inv_std
        return self.out

    def backward(self, g):
        if is_grad_enabled():  # create_graph: x̂ and σ⁻¹ as functions of x, so the result differentiates again
            x = self.inputs[0]
            centered = x - x.mean(self.dims, keepdim=True)
            inv_std = ((centered * centered).mean(self.dims, keepdim=True) + self.eps) ** -0.5
            x_hat = centered * inv_std
        else:
            x_hat, inv_std = self.output(), Tensor._make(self.inv_std)
        mean_g = g.mean(self.dims, keepdim=True)
        mean_gx = (g * x_hat).mean(self.dims, keepdim=True)
        return (g - mean_g - x_hat * mean_gx) * inv_std


def standardize(x: Tensor, dims: Sequence[int], eps: float = 1e-5) -> Tensor:
    return Standardize(tuple(sorted(d % x.ndim for d in dims)), float(eps)).apply(x)


def _affine(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]) -> Tensor:
    """γ⊙x̂ + β with γ, β reshaped to `shape` for broadcasting."""
    out = x_hat if weight is None else x_hat * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def _array(buf: Any) -> np.ndarray:
    return buf.data if isinstance(buf, Tensor) else buf


def _check_vector(op: str, name: str, v: Any, n: int) -> None:
    if v is not None and tuple(np.shape(_array(v))) != (n,):
        raise OpError(f"{op}: {name} must have shape ({n},), got {tuple(np.shape(_array(v)))}")


def batch_norm(input: Tensor, running_mean: Any, running_var: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch norm over (N, C), (N, C, L) or (N, C, H, W): per channel C, statistics over all other dims.

    training: normalize with the batch's mean and biased variance, and update the running
    buffers (ndarray or Tensor) in place: r ← (1 − momentum)·r + momentum·s, where s is the batch
    mean, resp. the unbiased batch variance (as PyTorch). Eval: normalize with the running buffers.
    """
    op = "batch_norm"
    if input.ndim < 2:
        raise OpError(f"{op}: expected input (N, C, ...), got shape {input.shape}")
    c = input.shape[1]
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_vector(op, name, v, c)
    shape = (1, c) + (1,) * (input.ndim - 2)
    dims = (0,) + tuple(range(2, input.ndim))
    if not training:
        if running_mean is None or running_var is None:
            raise OpError(f"{op}: eval mode (training=False) needs running_mean and running_var")
        mean = _array(running_mean).astype(input.dtype, copy=False).reshape(shape)
        inv_std = (1.0 / np.sqrt(_array(running_var).astype(input.dtype, copy=False) + eps)).reshape(shape)
        return _affine((input - Tensor._make(mean)) * Tensor._make(inv_std), weight, bias, shape)
    count = input.numel() // c
    if count <= 1:
        raise OpError(f"{op}: expected more than 1 value per channel when training, got input shape {input.shape}")
    node = Standardize(tuple(dims), float(eps))
    x_hat = node.apply(input)
    if running_mean is not None:
        _update(running_mean, node.mean.reshape(c), momentum)
    if running_var is not None:
        _update(running_var, node.var.reshape(c) * (count / (count - 1)), momentum)
    return _affine(x_hat, weight, bias, shape)


def _update(buffer: Any, batch_value: np.ndarray, momentum: float) -> None:
    """buffer ← (1 − momentum)·buffer + momentum·batch_value, in place (keeps the buffer's dtype)."""
    arr = _array(buffer)
    arr *= 1.0 - momentum
    arr += momentum * batch_value
    if isinstance(buffer, Tensor):
        buffer._version += 1


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the last len(normalized_shape) dims; weight and bias have shape normalized_shape."""
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.shape[input.ndim - k:] != shape:
        raise OpError(f"layer_norm: normalized_shape {shape} does not match the trailing dims of input {input.shape}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and v.shape != shape:
            raise OpError(f"layer_norm: {name} must have shape {shape}, got {v.shape}")
    x_hat = standardize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    return _affine(x_hat, weight, bias, shape)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Split the C channels into num_groups groups; normalize each sample's group; affine per channel."""
    if input.ndim < 2:
        raise OpError(f"group_norm: expected input (N, C, ...), got shape {input.shape}")
    n, c = input.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise OpError(f"group_norm: num_groups={num_groups} must divide the {c} channels of input {input.shape}")
    _check_vector("group_norm", "weight", weight, c)
    _check_vector("group_norm", "bias", bias, c)
    grouped = input.reshape(n, num_groups, -1)
    x_hat = standardize(grouped, (2,), eps).reshape(input.shape)
    return _affine(x_hat, weight, bias, (1, c) + (1,) * (input.ndim - 2))
