"""Reductions over `dim` (alias `axis`: an int, a tuple, or None for all) with
`keepdim` (alias `keepdims`). Each gradient is G re-expanded over the reduced
dimensions, times the local weight (1, 1/n, the argmax mask, ...).
"""
from __future__ import annotations

import warnings
from collections import namedtuple
from typing import Any

import numpy as np

from ..engine import OpError, Function
from ..tensor import Tensor
from .dims import dim_index, normalize_dims
from .elementwise import exp, maximum, minimum, where
from .shape import broadcast_view, cat, flip
from .registry import register


def _resolve(op: str, ndim: int, dim: Any, axis: Any, keepdim: bool, keepdims: bool | None):
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    dims = normalize_dims(dim, ndim, op)
    return (dims if ndim else None), bool(keepdim if keepdims is None else keepdims)


def expand_back(g: Any, node: Function) -> Any:
    """G of a reduction (a Tensor, or the array of a backward that records nothing), reshaped with the
    reduced dims kept and broadcast to the input's shape: the same view either way."""
    shape = node.inputs[0].shape
    if not node.keepdim and node.dims:
        g = g.reshape(tuple(1 if i in node.dims else n for i, n in enumerate(shape)))
    if isinstance(g, Tensor):
        return g.expand(shape)
    return g if g.shape == shape else broadcast_view(g, shape)


class Sum(Function):
    saved = ()
    expr, grad_exprs = "Σ a", ("G (broadcast)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        return np.sum(a, axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        return expand_back(g, self)

    backward_arrays = backward


@register(Sum, method=True)
def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Σ a over dim (all elements when None).  ∂L/∂a = G broadcast back over the reduced dims."""
    dims, keep = _resolve("sum", a.ndim, dim, axis, keepdim, keepdims)
    return Sum(dims, keep).apply(a)


class Mean(Function):
    saved = ()
    expr, grad_exprs = "mean(a)", ("G / n (broadcast)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        self.n = int(np.prod([a.shape[d] for d in self.dims])) if self.dims else 1
        if self.n == 0:  # an empty reduction is NaN, as in PyTorch (NumPy would also warn)
            return np.full(np.sum(a, axis=self.dims, keepdims=self.keepdim).shape, np.nan, a.dtype)
        return np.mean(a, axis=self.dims, keepdims=self.keepdim)

    def backward(self, g):
        return expand_back(g * (1.0 / self.n if self.n else np.nan), self)

    backward_arrays = backward  # G·(1/n) on an array rounds as on a Tensor: a Python float is weak for both


@register(Mean, method=True)
def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Σ a / n over dim (NaN for an empty reduction, as in PyTorch).  ∂L/∂a = G/n broadcast back."""
    dims, keep = _resolve("mean", a.ndim, dim, axis, keepdim, keepdims)
    return Mean(dims, keep).apply(a)


class Extremum(Function):
    """max or min; the gradient goes to the extremal elements, split evenly among ties — or, given
    `index` (the argmax/argmin along one dim, as `max(dim)` returns it), to that element only."""
    saved = ("out", "index")

    def __init__(self, ufunc: np.ufunc, dims: tuple[int, ...] | None, keepdim: bool,
                 index: np.ndarray | None = None) -> None:
        self.ufunc, self.dims, self.keepdim, self.index = ufunc, dims, keepdim, index
        self.expr = f"{ufunc.__name__[:3]}(a)"
        self.grad_exprs = (f"G ⊙ [a = {self.expr}] / #ties" if index is None else "G at the index",)

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
        if self.index is not None:  # max(dim): the returned index takes all of G, as in PyTorch
            weight = np.zeros(x.shape, g.dtype)
            np.put_along_axis(weight, self.index, 1, axis=self.dims[0])
        else:
            hit = x == self.out
            weight = (hit / np.sum(hit, axis=self.dims, keepdims=True)).astype(g.dtype)
        return expand_back(g, self) * Tensor._make(weight)


max_result = namedtuple("max", ["values", "indices"])  # like torch.return_types.max
min_result = namedtuple("min", ["values", "indices"])


def _extremum(op: str, a: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None) -> Any:
    ufunc, arg, result = (np.maximum, np.argmax, max_result) if op == "max" else (np.minimum, np.argmin, min_result)
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
        return (maximum if op == "max" else minimum)(a, dim)
    d = axis if dim is None else dim
    if d is None:
        dims, keep = _resolve(op, a.ndim, None, None, keepdim, keepdims)
        return Extremum(ufunc, dims, keep).apply(a)
    if isinstance(d, (tuple, list)):
        raise TypeError(f"{op}: dim must be an int, got {d!r}; use a{op} to reduce over several dims")
    i = dim_index(d, a.ndim, op)
    keep = bool(keepdim if keepdims is None else keepdims)
    if a.ndim == 0:
        return result(Extremum(ufunc, None, keep).apply(a), Tensor._make(np.zeros((), np.int64)))
    if a.shape[i] == 0:
        raise OpError(f"{op}: cannot reduce dim {d} of size 0 (shape {a.shape})")
    index = arg(a.data, axis=i, keepdims=True).astype(np.int64)
    values = Extremum(ufunc, (i,), keep, index).apply(a)
    return result(values, Tensor._make(index if keep else np.squeeze(index, axis=i)))


@register(Extremum, method=True)
def max(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
    """The largest element (0-d); with an int dim, the named tuple (values, indices) along dim, like
    torch.max; with a Tensor, the elementwise maximum.  ∂L/∂a = G at the maxima, split among ties."""
    return _extremum("max", a, dim, keepdim, axis, keepdims)


@register(Extremum, method=True)
def min(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: bool | None = None) -> Any:
    """The smallest element (0-d); with an int dim, the named tuple (values, indices), like torch.min."""
    return _extremum("min", a, dim, keepdim, axis, keepdims)


@register(Extremum, method=True)
def amax(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Largest values over dim (an int, a tuple, or None for all).  ∂L/∂a = G at the maxima, split among ties."""
    dims, keep = _resolve("amax", a.ndim, dim, axis, keepdim, keepdims)
    return Extremum(np.maximum, dims, keep).apply(a)


@register(Extremum, method=True)
def amin(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Smallest values over dim (an int, a tuple, or None for all).  ∂L/∂a = G at the minima, split among ties."""
    dims, keep = _resolve("amin", a.ndim, dim, axis, keepdim, keepdims)
    return Extremum(np.minimum, dims, keep).apply(a)


class Var(Function):
    saved = ()
    expr, grad_exprs = "var(a)", ("G ⊙ 2(a − ā)/(n − c)",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool, correction: float) -> None:
        self.dims, self.keepdim, self.correction = dims, keepdim, correction

    def forward(self, a):
        self.n = int(np.prod([a.shape[d] for d in self.dims])) if self.dims else 1
        if self.n - self.correction <= 0:  # NaN with PyTorch's warning, not NumPy's (or a ZeroDivisionError)
            warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                          "reduction factor (input numel divided by output numel).", RuntimeWarning, stacklevel=4)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.full(np.sum(a, axis=self.dims, keepdims=self.keepdim).shape, np.nan, a.dtype)
        return np.var(a, axis=self.dims, ddof=self.correction, keepdims=self.keepdim)

    def backward(self, g):
        a = self.inputs[0]
        centered = a - a.mean(dim=self.dims, keepdim=True)
        dof = self.n - self.correction
        return expand_back(g, self) * centered * (2.0 / dof if dof > 0 else np.nan)


def _variance(op: str, a: Tensor, dim: Any, unbiased: bool | None, keepdim: bool, correction: float | None,
              axis: Any, keepdims: bool | None) -> Tensor:
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims, keep = _resolve(op, a.ndim, dim, axis, keepdim, keepdims)
    return Var(dims, keep, correction).apply(a)


@register(Var, method=True)
def var(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Variance with the N − correction estimator (correction=1 by default, like PyTorch); NaN with a
    warning when N ≤ correction.  ∂L/∂a = G ⊙ 2(a − ā)/(N − correction)."""
    return _variance("var", a, dim, unbiased, keepdim, correction, axis, keepdims)


@register(method=True)
def std(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """√var(a) over dim (see `var`)."""
    return _variance("std", a, dim, unbiased, keepdim, correction, axis, keepdims).sqrt()


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


@register(LogSumExp, method=True)
def logsumexp(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool | None = None) -> Tensor:
    """log Σ exp(a) over dim, without overflow.  ∂L/∂a = G ⊙ softmax(a)."""
    dims, keep = _resolve("logsumexp", a.ndim, dim, axis, keepdim, keepdims)
    return LogSumExp(dims, keep).apply(a)


# ----- indices: no gradient --------------------------------------------------------------
def _arg(ufunc: Any, name: str) -> Any:
    def arg(a: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
            keepdims: bool | None = None) -> Tensor:
        d = axis if axis is not None else dim
        keep = bool(keepdim if keepdims is None else keepdims)
        if d is not None:
            d = dim_index(d, a.ndim, name)
            if a.ndim == 0:
                return Tensor._make(np.zeros((), np.int64))
        elif keep:  # over all elements, every dim kept as size 1 (as in PyTorch)
            flat = ufunc(a.data, axis=None)
            return Tensor._make(np.asarray(flat, np.int64).reshape((1,) * a.ndim))
        return Tensor._make(np.asarray(ufunc(a.data, axis=d, keepdims=keep), np.int64))
    arg.__name__ = name
    arg.__doc__ = f"Indices (int64) of the {name[3:]} values along dim (flattened when dim is None); no gradient."
    return arg


argmax = register(method=True)(_arg(np.argmax, "argmax"))
argmin = register(method=True)(_arg(np.argmin, "argmin"))


# ----- products and running sums ------------------------------------------------------------
def _int64(a: np.ndarray) -> np.ndarray:
    """PyTorch's accumulation dtype: integer and bool inputs give int64, floats keep their dtype."""
    return a.astype(np.int64) if a.dtype.kind in "iub" else a


class Prod(Function):
    """Π a over dim.  ∂L/∂aᵢ = G·Π_{j≠i} aⱼ, computed without dividing by a: right with zeros."""
    saved = ("out",)
    expr, grad_exprs = "Π a", ("G ⊙ Π_{j≠i} a_j",)

    def __init__(self, dims: tuple[int, ...] | None, keepdim: bool) -> None:
        self.dims, self.keepdim = dims, keepdim

    def forward(self, a):
        self.out = np.prod(_int64(a), axis=self.dims, keepdims=self.keepdim)
        return self.out

    def backward(self, g):
        a = self.inputs[0]
        if a.ndim == 0:
            return g
        g = expand_back(g, self)
        if not np.any(a.data == 0):  # the usual case: Π_{j≠i} a_j = out / a_i
            return g * expand_back(self.output(), self) / a
        # with zeros: Π_{j<i} a_j · Π_{j>i} a_j, exclusive running products from both ends (cumprod's
        # gradient handles zeros too, so second derivatives are right as well, as PyTorch's)
        if len(self.dims) == 1:
            d = self.dims[0]
            rows, back = a.movedim(d, -1), (lambda t: t.movedim(-1, d))
        else:  # all dims: one row
            rows, back = a.reshape(-1), (lambda t: t.reshape(a.shape))
        before = _exclusive_cumprod(rows)
        after = flip(_exclusive_cumprod(flip(rows, (-1,))), (-1,))
        return g * back(before * after)


def _exclusive_cumprod(rows: Tensor) -> Tensor:
    """Π_{j<i} rows_j along the last dim (1 first)."""
    ones = Tensor._make(np.ones(rows.shape[:-1] + (1,), rows.dtype))
    return cat([ones, Cumprod(rows.ndim - 1).apply(rows[..., :-1])], -1)


@register(Prod, method=True)
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Π input over dim (all elements when None); integers and bools give int64, as in PyTorch.
    ∂L/∂xᵢ = G·Π_{j≠i} xⱼ (correct with one zero or several in the input)."""
    x = input if dtype is None else input.to(dtype)
    if dim is None:
        return Prod(tuple(range(x.ndim)) or None, False).apply(x)
    d = dim_index(dim, x.ndim, "prod")
    return Prod((d,) if x.ndim else None, bool(keepdim)).apply(x)


class Cumsum(Function):
    """Running sum along dim.  ∂L/∂a = the reversed running sum of G."""
    saved = ()
    expr, grad_exprs = "cumsum(a)", ("flip(cumsum(flip(G)))",)

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, a):
        return np.cumsum(_int64(a), axis=self.dim) if a.ndim else _int64(a).copy()

    def backward(self, g):
        if g.ndim == 0:
            return g
        return flip(Cumsum(self.dim).apply(flip(g, (self.dim,))), (self.dim,))


@register(Cumsum, method=True)
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along dim (integers and bools give int64).  ∂L/∂x = reversed running sums of G."""
    x = input if dtype is None else input.to(dtype)
    return Cumsum(dim_index(dim, x.ndim, "cumsum")).apply(x)


class Cumprod(Function):
    """Running product yᵢ = Π_{j≤i} aⱼ along dim.  ∂L/∂aₖ = Σ_{i≥k} Gᵢ·Π_{j≤i, j≠k} aⱼ."""
    saved = ("out",)
    expr, grad_exprs = "cumprod(a)", ("Σ_{i≥k} G_i Π_{j≤i, j≠k} a_j",)

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, a):
        self.out = np.cumprod(_int64(a), axis=self.dim) if a.ndim else _int64(a).copy()
        return self.out

    def backward(self, g):
        a = self.inputs[0]
        if a.ndim == 0:
            return g
        if not np.any(a.data == 0):  # Σ_{i≥k} Gᵢ yᵢ / aₖ: a reversed running sum
            gy = g * self.output()
            return flip(Cumsum(self.dim).apply(flip(gy, (self.dim,))), (self.dim,)) / a
        # with zeros no division: M[k, i] = Π_{j≤i, j≠k} aⱼ, the running product with aₖ set to 1,
        # taken for i ≥ k; O(n²) per slice, and only here (as Tensor ops: differentiable again)
        n = a.shape[self.dim]
        rows = a.movedim(self.dim, -1).unsqueeze(-2).expand(*a.shape[:self.dim], *a.shape[self.dim + 1:], n, n)
        m = Cumprod(rows.ndim - 1).apply(where(np.eye(n, dtype=bool), 1.0, rows))
        upper = Tensor._make(np.triu(np.ones((n, n), g.dtype)))
        grad = (m * upper * g.movedim(self.dim, -1).unsqueeze(-2)).sum(-1)
        return grad.movedim(-1, self.dim)


@register(Cumprod, method=True)
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running products along dim (integers and bools give int64).
    ∂L/∂xₖ = Σ_{i≥k} Gᵢ·Π_{j≤i, j≠k} xⱼ (correct with zeros in x)."""
    x = input if dtype is None else input.to(dtype)
    return Cumprod(dim_index(dim, x.ndim, "cumprod")).apply(x)


# ----- logical reductions: bool results, no gradient ------------------------------------------
def _logical(ufunc: Any, name: str, word: str) -> Any:
    def reduce_(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        dims = normalize_dims(dim, input.ndim, name) if input.ndim else None
        return Tensor._make(np.asarray(ufunc(input.data.astype(bool, copy=False), axis=dims, keepdims=keepdim)))
    reduce_.__name__ = name
    reduce_.__doc__ = f"Whether {word} element over dim (an int, a tuple, or None for all) is nonzero: a bool tensor."
    return reduce_


all = register(method=True)(_logical(np.all, "all", "every"))
any = register(method=True)(_logical(np.any, "any", "any"))


# ----- statistics in pairs: PyTorch returns plain tuples ---------------------------------------
@register()
def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """(var(input), mean(input)) over dim, a plain tuple as in PyTorch (correction=1 by default)."""
    return (_variance("var_mean", input, dim, unbiased, keepdim, correction, None, None),
            mean(input, dim, keepdim))


@register()
def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """(std(input), mean(input)) over dim, a plain tuple as in PyTorch (correction=1 by default)."""
    return (_variance("std_mean", input, dim, unbiased, keepdim, correction, None, None).sqrt(),
            mean(input, dim, keepdim))


@register(name="norm", al=False, method=True)
def _norm_method(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """`x.norm(p, dim, keepdim)`, as PyTorch's Tensor.norm: p='fro' (default) is the 2-norm of the elements
    over dim; p='nuc' the nuclear norm of the matrices in dim (default the last two); a number p the vector p-norm."""
    from .linalg import matrix_norm, vector_norm
    x = input if dtype is None else input.to(dtype)
    if p == "nuc":
        return matrix_norm(x, "nuc", tuple(dim) if dim is not None else (-2, -1), keepdim)
    if isinstance(p, str) and p != "fro":
        raise OpError(f"norm: unknown p {p!r}; use 'fro', 'nuc' or a number")
    return vector_norm(x, 2 if p == "fro" else p, dim, keepdim)
