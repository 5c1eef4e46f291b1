"""Normalization: batch, layer and group norm, all built on one fused primitive.

`Standardize` maps x to x̂ = (x − μ)/σ over some dims (μ, σ² = the biased batch
statistics, σ = √(σ² + eps)); its backward is the simplified fused form

    dx = (1/M)·σ⁻¹·(M·G − ΣG − x̂·Σ(G⊙x̂))          (sums and M over the same dims)

For layer and group norm the learned scale γ and shift β are then ordinary
broadcasting ops (γ⊙x̂ + β). Batch norm in training mode, the hot path of MLPs
and ConvNets, fuses them in: with M values per channel,

    dβ = ΣG,   dγ = Σ G⊙x̂,   dx = (γ·σ⁻¹/M)·(M·G − dβ − x̂·dγ).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..engine import Function, OpError, is_grad_enabled, wrap_grads
from ..tensor import Tensor
from .registry import register
from .shape import sum_rows


def _statistics(x: np.ndarray, dims: tuple[int, ...], eps: float) -> tuple[np.ndarray, ...]:
    """(mean, biased var, σ⁻¹, x̂) over dims, kept as broadcastable arrays."""
    mean = np.mean(x, axis=dims, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=dims, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    return mean, var, inv_std, centered * inv_std


def _x_hat_and_inv_std(node: Function, x: Tensor) -> tuple[Tensor, Tensor]:
    """x̂ and σ⁻¹ for a backward: recomputed in Tensor ops of x under create_graph (so the gradient
    differentiates again), else the arrays saved by the forward."""
    if not is_grad_enabled():
        return Tensor._make(node.x_hat), Tensor._make(node.inv_std)
    centered = x - x.mean(node.dims, keepdim=True)
    inv_std = ((centered * centered).mean(node.dims, keepdim=True) + node.eps) ** -0.5
    return centered * inv_std, inv_std


class Standardize(Function):
    """x̂ = (x − mean(x)) / √(var(x) + eps) over `dims` (biased variance)."""
    expr, grad_exprs = "(a − μ)/σ", ("σ⁻¹(G − mean(G) − x̂·mean(G⊙x̂))",)
    saved = ("mean", "var", "inv_std", "x_hat")

    def __init__(self, dims: tuple[int, ...], eps: float) -> None:
        self.dims, self.eps = dims, eps

    def forward(self, x):
        self.mean, self.var, self.inv_std, self.x_hat = _statistics(x, self.dims, self.eps)
        return self.x_hat

    def backward(self, g):
        x_hat, inv_std = _x_hat_and_inv_std(self, self.inputs[0])
        mean_g = g.mean(self.dims, keepdim=True)
        mean_gx = (g * x_hat).mean(self.dims, keepdim=True)
        return (g - mean_g - x_hat * mean_gx) * inv_std


# Rows (one sample's positions in one channel) up to this long are summed by einsum's SIMD loop, ~3× faster
# than np.add.reduce's pairwise sum on rows of 64-256 floats (another rounding, as accurate at this length);
# longer rows keep the pairwise sum, whose error grows more slowly with the length.
EINSUM_ROW_MAX = 1024
# Bytes of input below which BatchNorm keeps x − μ for backward; from there backward recomputes it from x,
# which the node holds anyway (a ConvNet's batch norm then keeps one full-size array, not two).
CENTERED_KEPT_BELOW = 1 << 20
# Up to this many bytes per sample, per-channel constants are repeated over a sample's positions (below).
REPEATED_BYTES = 1 << 20


def _rows(a: np.ndarray) -> np.ndarray:
    """An (N, C, ...) array as (N, C, positions): one contiguous row per sample and channel."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def _einsum_rows(a: np.ndarray) -> bool:
    """Whether a's rows are summed by einsum: (N, C, ...) floats with rows of ≤ EINSUM_ROW_MAX positions
    (einsum does not widen integers as np.add.reduce does)."""
    return a.ndim > 2 and a.dtype.kind == "f" and a.size <= EINSUM_ROW_MAX * a.shape[0] * a.shape[1]


def _channel_sums(a: np.ndarray) -> np.ndarray:
    """Σ of a (N, C, ...) over every dim but 1: a fresh (C,) array (each row's positions summed first,
    then the N rows by BLAS)."""
    if a.ndim > 2:
        a = np.einsum("nci->nc", _rows(a)) if _einsum_rows(a) else np.add.reduce(_rows(a), axis=2)
    return sum_rows(a)


def _channel_dots(a: np.ndarray, b: np.ndarray, products: np.ndarray | None = None) -> np.ndarray:
    """Σ a⊙b per channel, (C,), for a and b of one shape (N, C, ...): by einsum without storing the products
    where `_einsum_rows`, else `_channel_sums(a * b)` with the products in `products` when given."""
    if _einsum_rows(a) and b.dtype == a.dtype:
        return sum_rows(np.einsum("nci,nci->nc", _rows(a), _rows(b)))
    return _channel_sums(np.multiply(a, b, out=products))


def _sample_shape(like: np.ndarray) -> tuple[int, ...] | None:
    """(1, C, ...) of an (N, C, ...) array whose per-channel constants are repeated over one sample's
    positions (`_per_sample`); None for (N, C) (nothing to repeat) and for samples over REPEATED_BYTES."""
    return None if like.ndim <= 2 or like[:1].nbytes > REPEATED_BYTES else (1,) + like.shape[1:]


def _per_sample(v: np.ndarray, sample_shape: tuple[int, ...] | None) -> np.ndarray:
    """A per-channel array v (1, C, 1, ...) repeated over one sample's positions, (1, C, ...) contiguous, for
    elementwise ops with an (N, C, ...) array: NumPy then runs one contiguous loop per sample, where a
    stride-0 operand inside every channel's row costs about twice as much. Same values, same results."""
    return v if sample_shape is None else np.ascontiguousarray(np.broadcast_to(v, sample_shape))


class BatchNorm(Function):
    """y = γ⊙x̂ + β with x̂ standardized per channel (dim 1) over all other dims; γ, β of shape (C,).

    x̂ itself is never stored: y = (x − μ)⊙(γσ⁻¹) + β and x̂ = (x − μ)⊙σ⁻¹ are per-channel
    scalings of x − μ, and a pass broadcasting a (C,) vector over an (N, C) batch costs 2-3 plain ones.
    A large x − μ is not stored either (CENTERED_KEPT_BELOW): backward recomputes it from x with the
    forward's subtraction (the same values), and the forward makes its output in that buffer.
    """
    saved = ("mean", "var", "inv_std", "centered")
    expr, grad_exprs = "γ(a − μ)/σ + β", ("(γσ⁻¹/M)(M·G − ΣG − x̂·Σ G⊙x̂)", "Σ G⊙x̂", "Σ G")
    centered: np.ndarray | None = None

    def __init__(self, dims: tuple[int, ...], eps: float, param_shape: tuple[int, ...]) -> None:
        self.dims, self.eps, self.param_shape = dims, eps, param_shape

    def forward(self, x, gamma, beta):
        m, shape = x.size // x.shape[1], self.param_shape
        self.mean = (_channel_sums(x) / m).reshape(shape)
        sample = _sample_shape(x)
        centered = np.subtract(x, _per_sample(self.mean, sample))
        if x.nbytes < CENTERED_KEPT_BELOW:  # kept for backward; the output's buffer takes the squares first
            self.centered, out = centered, np.empty_like(centered)
            self.var = (_channel_dots(centered, centered, out) / m).reshape(shape)
        else:  # the output in x − μ's buffer
            out = centered
            self.var = (_channel_dots(centered, centered) / m).reshape(shape)
        self.inv_std = 1.0 / np.sqrt(self.var + self.eps)
        out = np.multiply(centered, _per_sample(gamma.reshape(shape) * self.inv_std, sample), out=out)
        out += _per_sample(beta.reshape(shape), sample)
        return out

    def backward(self, g):
        if is_grad_enabled():  # create_graph: x̂ and σ⁻¹ recomputed as recorded functions of x
            return self._recorded_backward(g)
        return wrap_grads(self.backward_arrays(g.data))

    def backward_arrays(self, g):
        x, gamma, beta = self.inputs
        inv_std, shape = self.inv_std, self.param_shape
        m, sample = g.size // g.shape[1], _sample_shape(g)
        centered = self.centered
        if centered is None:  # the forward's x − μ again (the same subtraction), scaled in place below
            centered = scratch = np.subtract(x.data, _per_sample(self.mean, sample))
            g_dot = _channel_dots(g, centered)
        else:  # a buffer for the products G⊙(x − μ) (where they are stored), then the scaled x − μ
            scratch = np.empty(g.shape, np.result_type(g, centered))
            g_dot = _channel_dots(g, centered, scratch)
        g_gamma = g_dot * inv_std.reshape(-1)  # Σ G⊙x̂ = σ⁻¹·Σ G⊙(x − μ)
        g_beta = _channel_sums(g)  # (C,): fresh arrays, so they become .grad uncopied
        gx = None
        if x.requires_grad:  # dx = k⊙G − k⊙ΣG/M − (x − μ)⊙σ⁻¹k⊙Σ(G⊙x̂)/M with k = γσ⁻¹ per channel
            k = gamma.data.reshape(shape) * inv_std
            gx = np.multiply(g, _per_sample(k, sample))
            gx -= _per_sample(k * (g_beta / m).reshape(shape), sample)
            gx -= np.multiply(centered, _per_sample(inv_std * k * (g_gamma / m).reshape(shape), sample), out=scratch)
        return gx, (g_gamma if gamma._requires_grad else None), (g_beta if beta._requires_grad else None)

    def _recorded_backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        x, gamma, beta = self.inputs
        x_hat, inv_std = _x_hat_and_inv_std(self, x)
        g_beta = g.sum(self.dims, keepdim=True)
        g_gamma = (g * x_hat).sum(self.dims, keepdim=True)
        gx = None
        if x.requires_grad:
            m = x.numel() // x.shape[1]
            gx = (g * float(m) - g_beta - x_hat * g_gamma) * (gamma.reshape(self.param_shape) * inv_std * (1.0 / m))
        return (gx, g_gamma.reshape(gamma.shape) if gamma.requires_grad else None,
                g_beta.reshape(beta.shape) if beta.requires_grad else None)


class BatchNormEval(Function):
    """Eval mode: y = (a − running_mean)/√(running_var + ε) per channel, the statistics constants.

    The running statistics are inputs of the node (not baked into a constant) so that a drawing shows
    them as the module's buffers (`bn1.running_var`); they get no gradient."""
    saved = ("inv_std",)
    expr, grad_exprs = "(a − b)/√(c + ε)", ("G/√(c + ε)", "none (a buffer)", "none (a buffer)")

    def __init__(self, eps: float, param_shape: tuple[int, ...]) -> None:
        self.eps, self.param_shape = eps, param_shape

    def forward(self, x, running_mean, running_var):
        shape, dtype = self.param_shape, x.dtype
        self.inv_std = (1.0 / np.sqrt(running_var.astype(dtype, copy=False) + self.eps)).reshape(shape)
        return (x - running_mean.astype(dtype, copy=False).reshape(shape)) * self.inv_std

    def backward(self, g):
        return g * Tensor._make(self.inv_std), None, None


def standardize(x: Tensor, dims: Sequence[int], eps: float = 1e-5) -> Tensor:
    return Standardize(tuple(sorted(d % x.ndim for d in dims)), float(eps)).apply(x)


def _affine(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]) -> Tensor:
    """γ⊙x̂ + β with γ, β reshaped to `shape` for broadcasting."""
    out = x_hat if weight is None else x_hat * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def _array(buf: Any) -> np.ndarray:
    return buf.data if isinstance(buf, Tensor) else buf


def _check_vector(op: str, name: str, v: Any, n: int) -> None:
    if v is not None and getattr(_array(v), "shape", None) != (n,):
        raise OpError(f"{op}: {name} must have shape ({n},), got {tuple(np.shape(_array(v)))}")


@register(BatchNorm, al=False, F=True)
def batch_norm(input: Tensor, running_mean: Any, running_var: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch norm over (N, C), (N, C, L) or (N, C, H, W): per channel C, statistics over all other dims.

    training: normalize with the batch's mean and biased variance, and update the running
    buffers (ndarray or Tensor) in place: r ← (1 − momentum)·r + momentum·s, where s is the batch
    mean, resp. the unbiased batch variance (as PyTorch). Eval: normalize with the running buffers.
    """
    op, ndim = "batch_norm", input.ndim
    if ndim < 2:
        raise OpError(f"{op}: expected input (N, C, ...), got shape {input.shape}")
    c = input.shape[1]
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if v is not None:
            _check_vector(op, name, v, c)
    if ndim == 2:  # (N, C): the MLP case, every step
        shape, dims = (1, c), (0,)
    else:
        shape, dims = (1, c) + (1,) * (ndim - 2), (0,) + tuple(range(2, ndim))
    if not training:
        if running_mean is None or running_var is None:
            raise OpError(f"{op}: eval mode (training=False) needs running_mean and running_var")
        stats = [s if isinstance(s, Tensor) else Tensor._make(np.asarray(s)) for s in (running_mean, running_var)]
        return _affine(BatchNormEval(float(eps), shape).apply(input, *stats), weight, bias, shape)
    count = input.data.size // c
    if count <= 1:
        raise OpError(f"{op}: expected more than 1 value per channel when training, got input shape {input.shape}")
    if weight is None:
        weight = Tensor._make(np.ones(c, dtype=input.dtype))
    if bias is None:
        bias = Tensor._make(np.zeros(c, dtype=input.dtype))
    node = BatchNorm(dims, float(eps), shape)
    out = node.apply(input, weight, bias)
    if running_mean is not None:
        _update(running_mean, node.mean.reshape(c), momentum)
    if running_var is not None:
        _update(running_var, node.var.reshape(c) * (count / (count - 1)), momentum)
    return out


def _update(buffer: Any, batch_value: np.ndarray, momentum: float) -> None:
    """buffer ← (1 − momentum)·buffer + momentum·batch_value, in place (keeps the buffer's dtype)."""
    arr = _array(buffer)
    arr *= 1.0 - momentum
    arr += momentum * batch_value
    if isinstance(buffer, Tensor):
        buffer._version += 1


@register(Standardize, al=False, F=True)
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


@register(Standardize, al=False, F=True)
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
