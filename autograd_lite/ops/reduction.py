"""Reductions over `dim` (alias `axis`: an int, a tuple, or None for all) with
`keepdim` (alias `keepdims`). Each gradient is G re-expanded over the reduced
dimensions, times the local weight (1, 1/n, the argmax mask, ...).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import OpError, Function
from ..tensor import Tensor
from .elementwise import exp


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Non-negative, sorted, unique reduction dims; all dims when dim is None."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):  # an empty dim list means all, as in PyTorch
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    n = ndim or 1  # a 0-d tensor accepts dim 0 and -1, as in PyTorch (`max` is shadowed in this module)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise OpError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions")
        out.append(int(d) % n)
    return tuple(sorted(set(out)))


def _resolve(op: str, ndim: int, dim: Any, axis: Any, keepdim: bool, keepdims: bool | None):
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    dims = normalize_dims(dim, ndim, op)
    return (dims if ndim else None), bool(keepdim if keepdims is None else keepdims)


def expand_back(g: Tensor, node: Function) -> Tensor:
    """G of a reduction, reshaped with the reduced dims kept and broadcast to the input's shape."""
    shape = node.inputs[0].shape
    if not node.keepdim and node.dims:
        g = g.reshape(tuple(1 if i in node.dims else n for i, n in enumerate(shape)))
    return g.expand(shape)


class Sum(Function):
    saved = ()
    expr, grad_exprs = "Σ a", ("G (broadcast)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        return np.sum(a, axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        return expand_back(g, self)


class Mean(Function):
    saved = ()
    expr, grad_exprs = "mean(a)", ("G / n (broadcast)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        self.n = int(np.prod([a.shape[d] for d in self.dims])) if self.dims else 1
        return np.mean(a, axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        return expand_back(g * (1.0 / self.n), self)


class Extremum(Function):
    """max or min; the gradient goes to the extremal elements, split evenly among ties."""
    saved = ("out",)

    def __init__(self, ufunc: np.ufunc, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.ufunc, self.dims, self.keepdim = ufunc, dims, keepdim
        self.expr = f"{ufunc.__name__[:3]}(a)"
        self.grad_exprs = (f"G ⊙ [a = {self.expr}] / #ties",)

    @property
    def op_name(self) -> str:
        return self.ufunc.__name__[:3]

    def forward(self, a):
        if a.size == 0:
            raise OpError(f"{self.op_name}: cannot reduce an empty tensor of shape {a.shape}")
        self.out = self.ufunc.reduce(a, axis=self.dims, keepdims=True)
        return self.out if self.keepdim else np.squeeze(self.out, axis=self.dims)

    def backward(self, g):
        x = self.inputs[0].data
        hit = x == self.out
        weight = hit / np.sum(hit, axis=self.dims, keepdims=True)
        return expand_back(g, self) * Tensor._make(weight.astype(g.dtype))


class Var(Function):
    saved = ()
    expr, grad_exprs = "var(a)", ("G ⊙ 2(a − ā)/(n − c)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool, correction: float) -> None:
        self.dims, self.keepdim, self.correction = dims, keepdim, correction

    def forward(self, a):
        self.n = int(np.prod([a.shape[d] for d in self.dims])) if self.dims else 1
        return np.var(a, axis=self.dims, ddof=self.correction, keepdims=self.keepdim)

    def backward(self, g):
        a = self.inputs[0]
        centered = a - a.mean(dim=self.dims, keepdim=True)
        return expand_back(g, self) * centered * (2.0 / (self.n - self.correction))


class LogSumExp(Function):
    saved = ("out",)
    expr, grad_exprs = "log Σ exp(a)", ("G ⊙ softmax(a)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        m = np.max(a, axis=self.dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf rows give -inf, not NaN
        with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for all -inf rows
            out = np.log(np.sum(np.exp(a - m), axis=self.dims, keepdims=True)) + m
        self.out = out if self.keepdim else np.squeeze(out, axis=self.dims)
        return self.out

    def backward(self, g):
        return expand_back(g, self) * exp(self.inputs[0] - expand_back(self.output(), self))


# ----- public functions ----------------------------------------------------------
def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    dims, keep = _resolve("sum", a.ndim, dim, axis, keepdim, keepdims)
    return Sum(dims, keep).apply(a)


def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    dims, keep = _resolve("mean", a.ndim, dim, axis, keepdim, keepdims)
    return Mean(dims, keep).apply(a)


def max(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Largest value over dim (values only, like torch.amax); see `argmax` for indices."""
    dims, keep = _resolve("max", a.ndim, dim, axis, keepdim, keepdims)
    return Extremum(np.maximum, dims, keep).apply(a)


def min(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    dims, keep = _resolve("min", a.ndim, dim, axis, keepdim, keepdims)
    return Extremum(np.minimum, dims, keep).apply(a)


def var(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Variance with the N − correction estimator (correction=1 by default, like PyTorch)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims, keep = _resolve("var", a.ndim, dim, axis, keepdim, keepdims)
    return Var(dims, keep, correction).apply(a)


def std(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None,
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    return var(a, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()


def logsumexp(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool | None = None) -> Tensor:
    dims, keep = _resolve("logsumexp", a.ndim, dim, axis, keepdim, keepdims)
    return LogSumExp(dims, keep).apply(a)


def _arg(ufunc: Any, name: str) -> Any:
    def arg(a: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
            keepdims: bool | None = None) -> Tensor:
        d = axis if axis is not None else dim
        if d is not None:
            d = normalize_dims(d, a.ndim, name)[0]
        keep = keepdim if keepdims is None else keepdims
        return Tensor._make(np.asarray(ufunc(a.data, axis=d, keepdims=keep)))
    arg.__name__ = name
    arg.__doc__ = f"Indices of the {name[3:]} values along dim (flattened when dim is None); no gradient."
    return arg


argmax = _arg(np.argmax, "argmax")
argmin = _arg(np.argmin, "argmin")
