"""Loss functions, with PyTorch's argument names, reduction rules and edge cases.

Cross-entropy is one fused, stable primitive: for logits x (N, C) and a target
distribution q (N, C) — a one-hot of the class index times its weight, label-smoothed
or given as probabilities —

    loss_i = −Σ_c q_ic · log softmax(x_i)_c,     dx_i = G_i · (softmax(x_i)·Σ_c q_ic − q_i)

(for one-hot q: softmax − onehot). log softmax is x − max − log Σ exp(x − max),
so logits of 1e4 give a finite loss and gradient.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from ..engine import Function, OpError, is_grad_enabled
from ..tensor import Tensor
from .registry import register
from .activation import Softplus, log_softmax, softmax
from .distance import pairwise_distance
from .elementwise import abs, as_tensor, clamp, exp, log, relu, where

REDUCTIONS = ("mean", "sum", "none")


@lru_cache(maxsize=16)
def _sample_index(n: int) -> np.ndarray:
    """arange(n), read-only and cached: the row index of a (N, C) loss's target entries, every step."""
    index = np.arange(n)
    index.flags.writeable = False
    return index


@lru_cache(maxsize=16)
def _row_starts(n: int, c: int) -> np.ndarray:
    """arange(n)·c, read-only and cached: where each row of a C-ordered (n, c) array starts in its flat view."""
    starts = np.arange(n) * c
    starts.flags.writeable = False
    return starts


_UNSIGNED = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}  # native byte order


def _in_range(t: np.ndarray, c: int) -> bool:
    """Whether every class index in t is in [0, c): for signed ints one pass, since a negative index
    read as unsigned is larger than any class count. The largest is found by argmax: 0.24-0.41 µs
    against a max reduction's 0.94 for 20-200 indices (it runs every step)."""
    if not t.size:
        return True
    unsigned = _UNSIGNED.get(t.dtype)
    if unsigned is not None:
        t = t.view(unsigned)
        return bool(t[t.argmax()] < c)
    return bool(np.minimum.reduce(t) >= 0 and np.maximum.reduce(t) < c)


class SoftmaxCrossEntropy(Function):
    """loss_i = −Σ_c q_ic·log softmax(x_i)_c for x, q of shape (N, C); returns (N,)."""
    expr, grad_exprs = "−Σ b ⊙ log softmax(a)", ("G·(softmax(a)·Σb − b)", "−G·log softmax(a)")
    saved = ("log_probs",)

    def forward(self, x, q):
        shifted = x - np.max(x, axis=1, keepdims=True)
        self.log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return -np.sum(q * self.log_probs, axis=1)

    def backward(self, g):
        x, q = self.inputs
        g = g.reshape(-1, 1)
        if is_grad_enabled():  # create_graph: softmax as a function of x, so this differentiates again
            log_probs = log_softmax(x, dim=1)
            probs = softmax(x, dim=1)
        else:
            log_probs = Tensor._make(self.log_probs)
            probs = Tensor._make(np.exp(self.log_probs))
        gx = g * (probs * q.sum(1, keepdim=True) - q) if x.requires_grad else None
        gq = g * -log_probs if q.requires_grad else None
        return gx, gq


class ClassCrossEntropy(Function):
    """Softmax cross-entropy of logits x (M, C) against class indices t (M,), reduced in the same node.

    ℓ_i = −w_i·log softmax(x_i)_{t_i} with w_i = weight[t_i] (1 without a weight, 0 for an ignored
    sample); the output is ℓ ('none'), Σℓ ('sum') or Σℓ / denominator ('mean'), and
    dx_i = s_i·w_i·(softmax(x_i) − onehot(t_i)) with s_i = G_i, G, resp. G / denominator.
    No one-hot matrix is built: 1 is subtracted at the target entries of a copy of the softmax.
    """
    saved = ("probs",)
    expr, grad_exprs = "−w·log softmax(a)[t]", ("G·w·(softmax(a) − onehot(t))",)

    def __init__(self, target: np.ndarray, sample_weight: np.ndarray | None, reduction: str,
                 denominator: float) -> None:
        self.target, self.sample_weight = target, sample_weight
        self.reduction, self.denominator = reduction, denominator

    def forward(self, x):
        # NumPy reduces many short rows slowly: with few classes, work on a (C, N) copy, so the
        # max and sum over classes run across contiguous rows (about 3× faster for C = 10).
        axis = 0 if x.shape[1] <= 32 else 1
        shifted = np.ascontiguousarray(x.T) if axis == 0 else x.copy()
        shifted -= np.maximum.reduce(shifted, axis=axis, keepdims=True)  # exp never overflows
        probs = np.exp(shifted)
        sums = np.add.reduce(probs, axis=axis, keepdims=True)
        rows = _sample_index(len(x))
        picked = shifted[self.target, rows] if axis == 0 else shifted[rows, self.target]
        losses = np.log(sums.reshape(-1)) - picked
        probs /= sums
        self.probs = probs.T if axis == 0 else probs  # (N, C)
        if self.sample_weight is not None:
            losses *= self.sample_weight
        if self.reduction == "none":
            return losses
        total = np.add.reduce(losses)
        if self.reduction == "mean":  # every sample ignored: nan, as PyTorch
            total = total / self.denominator if self.denominator else np.full((), np.nan, x.dtype)
        return np.asarray(total)

    def _scale(self, g: Any) -> Any:
        """s (as a column for 'none'): what multiplies w_i·(softmax − onehot); g an array or a Tensor."""
        if self.reduction == "none":
            return g.reshape(-1, 1)
        return g * (1.0 / self.denominator) if self.reduction == "mean" else g

    def backward(self, g):
        if not is_grad_enabled():
            return Tensor._make(self.backward_arrays(g.data))
        if self.reduction == "mean" and not self.denominator:
            return Tensor._make(np.zeros_like(self.probs))  # no sample counts: zero gradient, as PyTorch
        # create_graph: softmax as a recorded function of x, so this differentiates again
        onehot = np.zeros_like(self.probs)
        onehot[_sample_index(len(self.target)), self.target] = 1
        d = softmax(self.inputs[0], dim=1) - Tensor._make(onehot)
        d = d if self.sample_weight is None else d * Tensor._make(self.sample_weight.reshape(-1, 1))
        return d * self._scale(g)

    def backward_arrays(self, g):
        if self.reduction == "mean" and not self.denominator:
            return np.zeros_like(self.probs)  # no sample counts: zero gradient, as PyTorch
        d = self.probs.copy()  # a copy: a retained graph may run this backward again (C order)
        # 1 off at each row's target, through the flat view (index i·C + t_i): a 1-D fancy index, 1.0-1.5 µs
        # against d[rows, t]'s 3.0-3.7 at 20-200 rows, the same entries
        n, c = d.shape
        d.ravel()[_row_starts(n, c) + self.target] -= 1
        if self.sample_weight is not None:
            d *= self.sample_weight.reshape(-1, 1)
        d *= self._scale(g)
        return d


class BinaryCrossEntropy(Function):
    """loss = −(t·log p + (1 − t)·log(1 − p)), each log clamped at −100 (as PyTorch).

    dp = G·(p − t)/max(p(1 − p), 1e-12),  dt = G·(log(1 − p) − log p).
    """
    expr, grad_exprs = "−(b log a + (1 − b) log(1 − a))", ("G(a − b)/(a(1 − a))", "G(log(1 − a) − log a)")
    saved = ("log_p", "log_1mp")

    def forward(self, p, t):
        with np.errstate(divide="ignore"):
            self.log_p = np.maximum(np.log(p), -100)
            self.log_1mp = np.maximum(np.log1p(-p), -100)
        return -(t * self.log_p + (1 - t) * self.log_1mp)

    def backward(self, g):
        p, t = self.inputs
        gp = g * (p - t) / clamp(p * (1.0 - p), min=1e-12) if p.requires_grad else None
        gt = None
        if t.requires_grad and is_grad_enabled():  # create_graph: the logs as functions of p
            with np.errstate(divide="ignore"):
                gt = g * (clamp(log(1.0 - p), min=-100.0) - clamp(log(p), min=-100.0))
        elif t.requires_grad:
            gt = g * Tensor._make(self.log_1mp - self.log_p)
        return gp, gt


def reduce(loss: Tensor, reduction: str, op: str, denominator: float | None = None) -> Tensor:
    """'none': as is; 'sum': Σ; 'mean': Σ / denominator (the number of elements by default)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() * (1.0 / (loss.numel() if denominator is None else denominator))
    raise OpError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _class_targets(op: str, input: Tensor, target: Any, weight: Tensor | None, ignore_index: int | None
                   ) -> tuple[Tensor, np.ndarray | None, tuple[int, ...], bool]:
    """Logits as (M, C) rows plus the target: an int array (M,), or (M, C) probabilities (array None).

    Also returns the per-sample shape (N, d1, ...) that reduction='none' restores, and whether every index
    in the target is a class (True for probabilities): cross_entropy's next check needs it, and it costs a
    pass over the target.
    """
    shape = input.data.shape  # (the array's: the Tensor's properties cost a call each, every step)
    ndim = len(shape)
    if ndim == 0:
        raise OpError(f"{op}: input needs a class dimension, got a 0-d tensor")
    c = shape[1] if ndim > 1 else shape[0]
    if weight is not None and weight.shape != (c,):
        raise OpError(f"{op}: weight must have shape ({c},) for {c} classes, got {weight.shape}")
    rows = input.unsqueeze(0) if ndim == 1 else input
    sample_shape = (1,) if ndim == 1 else shape[:1] + shape[2:]
    if ndim > 2:  # (N, C, d1, ...) -> (N·d1·..., C)
        rows = rows.movedim(1, -1).reshape(-1, c)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    kind = t.dtype.kind
    if kind == "f" and t.shape == shape:
        return rows, None, sample_shape if ndim > 1 else (), True
    if kind not in "iu":
        raise OpError(f"{op}: target must hold integer class indices (or class probabilities of the input's shape "
                      f"{shape}), got dtype {t.dtype} and shape {t.shape}")
    expected = sample_shape if ndim > 1 else ()
    if t.shape != expected:
        raise OpError(f"{op}: target of shape {t.shape} does not match input of shape {input.shape} "
                      f"(expected target shape {expected})")
    t = t if t.ndim == 1 else t.reshape(-1)
    if _in_range(t, c):
        return rows, t, expected, True  # all valid
    bad = (t < 0) | (t >= c)
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        raise OpError(f"{op}: target class index {int(t[bad][0])} is out of range for {c} classes "
                      f"(valid: 0..{c - 1})")
    return rows, t, expected, False


def _onehot_weights(t: np.ndarray, c: int, weight: Tensor | None, ignore_index: int, dtype: np.dtype
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(q, w_t): q (M, C) is w[t] at column t (zero rows for ignored samples); w_t (M,) is w[t] (0 if ignored)."""
    kept = t != ignore_index
    w = np.ones(c, dtype=dtype) if weight is None else weight.data.astype(dtype, copy=False)
    w_t = np.where(kept, w[np.where(kept, t, 0)], 0).astype(dtype, copy=False)
    q = np.zeros((t.size, c), dtype=dtype)
    q[np.arange(t.size), np.where(kept, t, 0)] = w_t
    return q, w_t


def _class_cross_entropy(rows: Tensor, t: np.ndarray, weight: Tensor | None, ignore_index: int,
                         reduction: str, sample_shape: tuple[int, ...], in_range: bool) -> Tensor:
    """cross_entropy against class indices t (M,) without label smoothing, as one ClassCrossEntropy node
    (in_range: every index in t is a class)."""
    if reduction not in REDUCTIONS:
        raise OpError(f"cross_entropy: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    c = rows.data.shape[1]  # (the array's: the Tensor's properties cost a call each, every step)
    # an ignore_index that is no class (-100 by default) is in t only if some index is out of range
    ignoring = ignore_index is not None and (0 <= ignore_index < c or not in_range) and ignore_index in t
    if weight is None and not ignoring:  # the common case: every sample counts once
        sample_weight, denominator = None, float(t.size)
    else:
        kept = t != ignore_index
        t = np.where(kept, t, 0)
        w = np.ones(c, rows.dtype) if weight is None else weight.data.astype(rows.dtype, copy=False)
        sample_weight = np.where(kept, w[t], 0).astype(rows.dtype, copy=False)
        denominator = float(sample_weight.sum())
    loss = ClassCrossEntropy(t, sample_weight, reduction, denominator).apply(rows)
    return loss if reduction != "none" or loss.data.shape == sample_shape else loss.reshape(sample_shape)


@register(SoftmaxCrossEntropy, al=False, F=True)
def cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices or probabilities.

    mean divides by the total weight w[target] of the non-ignored samples (their count without
    weight), or by the number of samples for probability targets, exactly as PyTorch.
    """
    op = "cross_entropy"
    if not 0.0 <= label_smoothing <= 1.0:
        raise OpError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    rows, t, sample_shape, in_range = _class_targets(op, input, target, weight, ignore_index)
    c = rows.data.shape[1]
    if t is not None and not label_smoothing:  # class indices: the fused, one-hot-free node
        return _class_cross_entropy(rows, t, weight, ignore_index, reduction, sample_shape, in_range)
    if t is None:  # probabilities: q = w ⊙ ((1 − ε)·t + ε/C), differentiable in the target
        q = as_tensor(target).astype(input.dtype)
        q = (q.unsqueeze(0) if input.ndim == 1 else q)
        q = q.movedim(1, -1).reshape(-1, c) if q.ndim > 2 else q
        if label_smoothing:
            q = q * (1.0 - label_smoothing) + label_smoothing / c
        if weight is not None:
            q = q * weight
        denominator = float(rows.shape[0])
    else:
        q_arr, w_t = _onehot_weights(t, c, weight, ignore_index, input.dtype)
        if label_smoothing:  # (1 − ε)·w[t]·onehot + ε/C·w for every kept sample
            w = np.ones(c, dtype=input.dtype) if weight is None else weight.data.astype(input.dtype)
            kept = (t != ignore_index)[:, None]
            q_arr = (q_arr * (1.0 - label_smoothing) + kept * w * (label_smoothing / c)).astype(input.dtype)
        q = Tensor._make(q_arr)
        denominator = float(w_t.sum())
    loss = SoftmaxCrossEntropy().apply(rows, q).reshape(sample_shape)
    return reduce(loss, reduction, op, denominator)


@register(al=False, F=True)
def nll_loss(input: Tensor, target: Any, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """−w[t]·input[t] per sample for log-probabilities input (N, C) or (N, C, d1, ...); mean divides by Σ w[t]."""
    rows, t, sample_shape, _ = _class_targets("nll_loss", input, target, weight, ignore_index)
    if t is None:
        raise OpError(f"nll_loss: target must hold integer class indices, got dtype {np.asarray(target).dtype}")
    q, w_t = _onehot_weights(t, rows.shape[1], weight, ignore_index, input.dtype)
    loss = -(rows * Tensor._make(q)).sum(1).reshape(sample_shape)
    return reduce(loss, reduction, "nll_loss", float(w_t.sum()))


def _difference(op: str, input: Tensor, target: Any) -> Tensor:
    """input − target; a target of another (broadcastable) shape warns, as in PyTorch."""
    target = as_tensor(target, input)
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise OpError(f"{op}: target of shape {target.shape} does not match input of shape "
                          f"{input.shape}") from None
        warnings.warn(f"{op}: target of shape {target.shape} differs from input of shape {input.shape}; they "
                      "are broadcast (as in PyTorch), which is rarely what was meant", stacklevel=3)
    return input - target


def _check_reduction(op: str, reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    if reduction not in allowed:
        raise OpError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


@register(al=False, F=True)
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input − target)² reduced; mean over all elements."""
    _check_reduction("mse_loss", reduction)
    diff = _difference("mse_loss", input, target)
    return reduce(diff * diff, reduction, "mse_loss")


@register(al=False, F=True)
def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """`abs(input − target)` reduced; d/dinput = sign(input − target) (0 at equality, as PyTorch)."""
    _check_reduction("l1_loss", reduction)
    return reduce(abs(_difference("l1_loss", input, target)), reduction, "l1_loss")


def _piecewise_quadratic(d: Tensor, width: float) -> Tensor:
    """0.5·d² where |d| < width, else width·(|d| − 0.5·width): the Huber function of d."""
    a = abs(d)
    inside = a.data < width
    return where(inside, d * d * 0.5, (a - 0.5 * width) * width)


@register(al=False, F=True)
def smooth_l1_loss(input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5·d²/β where `abs(d) < β`, else `abs(d) − 0.5·β`, for d = input − target (β = 0: the L1 loss)."""
    _check_reduction("smooth_l1_loss", reduction)
    if not beta >= 0:
        raise OpError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = _difference("smooth_l1_loss", input, target)
    loss = abs(d) if beta == 0 else _piecewise_quadratic(d, beta) * (1.0 / beta)
    return reduce(loss, reduction, "smooth_l1_loss")


@register(al=False, F=True)
def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5·d² where `abs(d) < δ`, else `δ·(abs(d) − 0.5·δ)`, for d = input − target (δ·smooth_l1 with β = δ)."""
    _check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise OpError(f"huber_loss: delta must be > 0, got {delta}")
    return reduce(_piecewise_quadratic(_difference("huber_loss", input, target), delta), reduction, "huber_loss")


@register(al=False, F=True)
def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target ‖ exp(input)) pointwise, for log-probabilities input:
    target·(log target − input) (0 where target = 0), or exp(t)·(t − input) with log_target=True.
    reduction='batchmean' divides the sum by the batch size (the true KL divergence per sample)."""
    op = "kl_div"
    _check_reduction(op, reduction, REDUCTIONS + ("batchmean",))
    t = as_tensor(target, input)
    if t.dtype.kind != "f":
        t = t.astype(input.dtype)
    if np.broadcast_shapes(input.shape, t.shape) != input.shape:
        raise OpError(f"{op}: target of shape {t.shape} does not match input of shape {input.shape}")
    if log_target:
        loss = exp(t) * (t - input)
    else:
        positive = t.data > 0
        safe_t = where(positive, t, 1.0)  # log(1) = 0 where t = 0: t·log t → 0 there, gradient included
        loss = t * log(safe_t) - t * input
    if reduction == "batchmean":
        return reduce(loss, "sum", op) * (1.0 / (input.shape[0] if input.ndim else 1))
    return reduce(loss, reduction, op)


@register(al=False, F=True)
def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False, eps: float = 1e-8,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: e^x − t·x (log_input) or x − t·log(x + eps); full=True adds
    Stirling's t·log t − t + ½·log(2πt) where t > 1."""
    _check_reduction("poisson_nll_loss", reduction)
    t = as_tensor(target, input).astype(input.dtype)
    loss = exp(input) - t * input if log_input else input - t * log(input + eps)
    if full:
        big = t.data > 1
        safe = where(big, t, 2.0)
        loss = loss + where(big, safe * log(safe) - safe + log(safe * (2 * np.pi)) * 0.5, 0.0)
    return reduce(loss, reduction, "poisson_nll_loss")


@register(al=False, F=True)
def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """½·(log var + (input − target)²/var) (+ ½·log 2π with full=True). var has input's shape, or one
    dim fewer, or 1 in the last dim; it is clamped at eps for the value only (the gradient passes)."""
    op = "gaussian_nll_loss"
    _check_reduction(op, reduction)
    var = as_tensor(var, input)
    if var.shape != input.shape:
        if var.shape == input.shape[:-1] or (var.ndim == input.ndim and var.shape[-1] == 1
                                             and var.shape[:-1] == input.shape[:-1]):
            var = var.reshape(input.shape[:-1] + (1,))
        else:
            raise OpError(f"{op}: var of shape {var.shape} does not fit input of shape {input.shape}")
    if np.any(var.data < 0):
        raise OpError(f"{op}: var has negative entries")
    var = var + Tensor._make(np.maximum(var.data, eps) - var.data)  # clamp the value, keep d/dvar = 1
    d = input - as_tensor(target, input)
    loss = (log(var) + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * np.log(2 * np.pi)
    return reduce(loss, reduction, op)


@register(al=False, F=True)
def soft_margin_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """log(1 + e^(−y·x)) for labels y = ±1 (computed stably)."""
    _check_reduction("soft_margin_loss", reduction)
    return reduce(Softplus(1.0, np.inf).apply(-(input * as_tensor(target, input))), reduction, "soft_margin_loss")


@register(al=False, F=True)
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, −y·(x1 − x2) + margin): x1 should rank above x2 where y = 1, below where y = −1."""
    _check_reduction("margin_ranking_loss", reduction)
    return reduce(relu(-(as_tensor(target, input1) * (input1 - input2)) + margin), reduction, "margin_ranking_loss")


@register(al=False, F=True)
def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin − x) where y = −1 (x is usually a distance)."""
    _check_reduction("hinge_embedding_loss", reduction)
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    loss = where(y != 1, relu(margin - input), 0.0) + where(y != -1, input, 0.0)
    return reduce(loss, reduction, "hinge_embedding_loss")


@register(al=False, F=True)
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1; cos along the last dim."""
    _check_reduction("cosine_embedding_loss", reduction)
    eps = 1e-12  # PyTorch's EPSILON inside the norms
    cos = (input1 * input2).sum(-1) / ((((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)) ** 0.5)
    y = np.asarray(target.data if isinstance(target, Tensor) else target)
    loss = where(y == 1, 1.0 - cos, 0.0) + where(y == -1, relu(cos - margin), 0.0)
    return reduce(loss, reduction, "cosine_embedding_loss")


@register(al=False, F=True)
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance; swap uses min(d(a, n), d(p, n))."""
    _check_reduction("triplet_margin_loss", reduction)
    if not p > 0:
        raise OpError(f"triplet_margin_loss: p must be positive, got {p}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = where(d_swap.data < d_neg.data, d_swap, d_neg)
    return reduce(relu(d_pos - d_neg + margin), reduction, "triplet_margin_loss")


def _weighted(loss: Tensor, weight: Any) -> Tensor:
    return loss if weight is None else loss * weight


@register(BinaryCrossEntropy, al=False, F=True)
def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """−(t·log p + (1 − t)·log(1 − p)) for probabilities p in [0, 1] (logs clamped at −100, like PyTorch)."""
    target = as_tensor(target, input).astype(input.dtype)
    if target.shape != input.shape:
        raise OpError(f"binary_cross_entropy: target shape {target.shape} differs from input shape {input.shape}")
    if np.any((input.data < 0) | (input.data > 1)):
        raise OpError("binary_cross_entropy: all elements of input must be probabilities in [0, 1], got values in "
                      f"[{input.data.min():g}, {input.data.max():g}]")
    loss = BinaryCrossEntropy().apply(input, target)
    return reduce(_weighted(loss, weight), reduction, "binary_cross_entropy")


@register(al=False, F=True)
def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """BCE of σ(x), computed stably from the logits: (1 − t)·x + (1 + (pw − 1)·t)·softplus(−x)."""
    target = as_tensor(target, input).astype(input.dtype)
    if target.shape != input.shape:
        raise OpError(f"binary_cross_entropy_with_logits: target shape {target.shape} differs from input shape "
                      f"{input.shape}")
    softplus_neg = Softplus(1.0, np.inf).apply(-input)  # log(1 + e^(−x)), exact for all x
    if pos_weight is None:
        loss = softplus_neg + input * (1.0 - target)
    else:
        loss = softplus_neg * ((as_tensor(pos_weight, input) - 1.0) * target + 1.0) + input * (1.0 - target)
    return reduce(_weighted(loss, weight), reduction, "binary_cross_entropy_with_logits")


@register(al=False, F=True)
def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multiclass hinge: loss_i = Σ_{j≠y_i} w[y_i]·max(0, margin − x_{i,y_i} + x_{i,j})^p / C (PyTorch's rule)."""
    op = "multi_margin_loss"
    if p not in (1, 2):
        raise OpError(f"{op}: only p=1 and p=2 are supported, got p={p}")
    if input.ndim not in (1, 2):
        raise OpError(f"{op}: expected input (N, C) or (C,), got shape {input.shape}")
    rows, t, sample_shape, _ = _class_targets(op, input, target, weight, ignore_index=None)
    if t is None:
        raise OpError(f"{op}: target must hold integer class indices, got dtype {np.asarray(target).dtype}")
    n, c = rows.shape
    correct = rows[np.arange(n), t].reshape(n, 1)
    hinge = relu(rows - correct + float(margin))
    if p == 2:
        hinge = hinge * hinge
    others = np.ones((n, c), dtype=input.dtype)
    others[np.arange(n), t] = 0  # j ≠ y_i
    if weight is not None:
        others = others * weight.data.astype(input.dtype)[t][:, None]
    loss = (hinge * Tensor._make(others)).sum(1) * (1.0 / c)
    return reduce(loss.reshape(sample_shape), reduction, op)
