"""Shape ops: they move elements without changing them, so each gradient is
the inverse move of G (reshape back, permute back, slice back, sum back).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..engine import OpError, Function
from ..tensor import Tensor


def _shape_arg(shape: Any) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(map(int, shape))


class Reshape(Function):
    saved = ()
    expr, grad_exprs = "reshape(a)", ("reshape(G)",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        try:
            return a.reshape(self.shape)
        except ValueError:
            raise OpError(f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) "
                          f"into {self.shape}") from None

    def backward(self, g):
        return g.reshape(self.inputs[0].shape)


class Permute(Function):
    saved = ()
    expr, grad_exprs = "permute(a)", ("permute⁻¹(G)",)

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims

    def forward(self, a):
        return np.transpose(a, self.dims)

    def backward(self, g):
        return Permute(tuple(np.argsort(self.dims))).apply(g)


class BroadcastTo(Function):
    saved = ()
    expr, grad_exprs = "broadcast(a)", ("sum of G over the broadcast dims",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        try:
            return np.broadcast_to(a, self.shape)
        except ValueError:
            raise OpError(f"expand: cannot broadcast shape {a.shape} to {self.shape}") from None

    def backward(self, g):
        return sum_to(g, self.inputs[0].shape)


@lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def sum_rows(a: np.ndarray) -> np.ndarray:
    """Σ over the first axis of a 2-D float array, as one BLAS matrix-vector product with a ones
    vector: 1.3-5× np.sum's speed for a bias or batch-norm gradient over a batch of up to a few thousand."""
    return _ones(a.shape[0], a.dtype) @ a


class SumTo(Function):
    """Sums a broadcast result back down to `shape`: the adjoint of broadcasting."""
    saved = ()
    expr, grad_exprs = "sum_to(a)", ("broadcast(G)",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        lead = a.ndim - len(self.shape)
        if lead < 0:
            raise ValueError(f"sum_to: shape {a.shape} does not broadcast from {self.shape}")
        axes = list(range(lead))  # plain Python: this runs for every broadcast gradient
        for i, s in enumerate(self.shape):
            if s != a.shape[lead + i]:
                if s != 1:
                    raise ValueError(f"sum_to: shape {a.shape} does not broadcast from {self.shape}")
                axes.append(lead + i)
        if not axes:
            return a.reshape(self.shape)
        k = len(axes)
        n = math.prod(a.shape[:k])
        if axes[-1] == k - 1 and n <= 4096 and a.dtype.kind == "f" and a.flags.c_contiguous:
            # leading axes only (a bias gradient over a batch); for longer sums np.sum's pairwise
            # rounding is the more accurate
            return sum_rows(a.reshape(n, -1)).reshape(self.shape)
        return np.add.reduce(a, axis=tuple(axes), keepdims=True).reshape(self.shape)

    def backward(self, g):
        return g.expand(self.inputs[0].shape)


class MatrixTranspose(Function):
    """aᵀ over the last two dims (`t.mT`): the hot transpose inside every matmul's backward."""
    op_name = "transpose"
    saved = ()
    expr, grad_exprs = "aᵀ", ("Gᵀ",)

    def forward(self, a):
        return np.swapaxes(a, -1, -2)

    def backward(self, g):
        return MatrixTranspose().apply(g)


class Concat(Function):
    saved = ()
    expr, grad_exprs = "cat(a, b, …)", ("G[slice of each input]",)

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def forward(self, *arrays):
        return np.concatenate(arrays, axis=self.dim)

    def backward(self, g):
        grads, start = [], 0
        for t in self.inputs:
            stop = start + t.shape[self.dim]
            index = (slice(None),) * self.dim + (slice(start, stop),)
            grads.append(g[index] if t.requires_grad else None)
            start = stop
        return tuple(grads)


class Pad(Function):
    saved = ()
    expr, grad_exprs = "pad(a)", ("G[interior]",)

    def __init__(self, widths: tuple[tuple[int, int], ...], value: float) -> None:
        self.widths, self.value = widths, value

    def forward(self, a):
        if any(lo < 0 or hi < 0 for lo, hi in self.widths):  # negative padding crops
            a = a[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(self.widths, a.shape))]
        return np.pad(a, [(max(lo, 0), max(hi, 0)) for lo, hi in self.widths], constant_values=self.value)

    def backward(self, g):
        index = tuple(slice(max(lo, 0), g.shape[i] - max(hi, 0)) for i, (lo, hi) in enumerate(self.widths))
        inner = g[index]
        if any(lo < 0 or hi < 0 for lo, hi in self.widths):
            inner = pad(inner, [w for lo, hi in reversed(self.widths) for w in (max(-lo, 0), max(-hi, 0))])
        return inner


class Flip(Function):
    saved = ()
    expr, grad_exprs = "flip(a)", ("flip(G)",)

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims

    def forward(self, a):
        return np.flip(a, self.dims)

    def backward(self, g):
        return Flip(self.dims).apply(g)


# ----- public functions ----------------------------------------------------------
def _dim(d: int, ndim: int, op: str) -> int:
    if not -max(ndim, 1) <= d < max(ndim, 1):
        raise OpError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions")
    return d % max(ndim, 1)


def reshape(a: Tensor, *shape: Any) -> Tensor:
    shape = _shape_arg(shape)
    return a if shape == a.shape else Reshape(shape).apply(a)


def permute(a: Tensor, *dims: Any) -> Tensor:
    dims = tuple(_dim(d, a.ndim, "permute") for d in _shape_arg(dims))
    if sorted(dims) != list(range(a.ndim)):
        raise OpError(f"permute: dims {dims} are not a permutation of the {a.ndim} dimensions of shape {a.shape}")
    return a if dims == tuple(range(a.ndim)) else Permute(dims).apply(a)


def transpose(a: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two dimensions (the last two by default; a 1-D tensor is returned as is)."""
    if a.ndim < 2:
        return a
    if {dim0 % a.ndim, dim1 % a.ndim} == {a.ndim - 2, a.ndim - 1}:
        return MatrixTranspose().apply(a)
    dims = list(range(a.ndim))
    d0, d1 = _dim(dim0, a.ndim, "transpose"), _dim(dim1, a.ndim, "transpose")
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(a, dims)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if a.ndim == 0:
        return reshape(a, (1,))
    s, e = _dim(start_dim, a.ndim, "flatten"), _dim(end_dim, a.ndim, "flatten")
    return reshape(a, a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    if dim is None:
        return reshape(a, tuple(n for n in a.shape if n != 1))
    dims = {_dim(d, a.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)}
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if not (i in dims and n == 1)))


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    d = _dim(dim, a.ndim + 1, "unsqueeze")
    return reshape(a, a.shape[:d] + (1,) + a.shape[d:])


def expand(a: Tensor, *shape: Any) -> Tensor:
    """Broadcast to shape; -1 keeps a dimension's size (PyTorch's expand)."""
    shape = _shape_arg(shape)
    lead = len(shape) - a.ndim
    if lead < 0:
        raise OpError(f"expand: cannot expand shape {a.shape} to fewer dimensions {shape}")
    shape = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return a if shape == a.shape else BroadcastTo(shape).apply(a)


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(a, tuple(shape))


def sum_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    shape = tuple(shape)
    return a if a.shape == shape else SumTo(shape).apply(a)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise OpError("cat: expected a non-empty list of tensors")
    nd = tensors[0].ndim
    d = _dim(dim, nd, "cat")
    for t in tensors:
        if t.ndim != nd or t.shape[:d] + t.shape[d + 1:] != tensors[0].shape[:d] + tensors[0].shape[d + 1:]:
            raise OpError(f"cat: shapes {[t.shape for t in tensors]} differ outside dim {dim}")
    return Concat(d).apply(*tensors)


concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise OpError("stack: expected a non-empty list of tensors")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise OpError(f"stack: all tensors must have the same shape, got {[t.shape for t in tensors]}")
    d = _dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


def split(a: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of a size (the last may be smaller) or into the given sizes (not split points)."""
    d = _dim(dim, a.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise OpError(f"split: chunk size must be positive, got {step}")
        sizes = [min(step, n - i) for i in range(0, n, step)]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise OpError(f"split: sizes {sizes} sum to {sum(sizes)}, but dim {dim} has size {n}")
    out, start = [], 0
    for s in sizes:
        out.append(a[(slice(None),) * d + (slice(start, start + s),)])
        start += s
    return tuple(out)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    return split(a, -(-a.shape[_dim(dim, a.ndim, "chunk")] // chunks), dim)


def pad(a: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; `pad` is flat, last dimension first: (left, right, top, bottom, ...), like F.pad."""
    if mode != "constant":
        raise OpError(f"pad: only mode='constant' is supported, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > a.ndim:
        raise OpError(f"pad: padding {tuple(pad)} must have an even length of at most 2*{a.ndim}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return Pad(tuple(widths), value).apply(a)


def flip(a: Tensor, dims: Any) -> Tensor:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return Flip(tuple(_dim(d, a.ndim, "flip") for d in dims)).apply(a)


def movedim(a: Tensor, source: int, destination: int) -> Tensor:
    order = [i for i in range(a.ndim) if i != _dim(source, a.ndim, "movedim")]
    order.insert(_dim(destination, a.ndim, "movedim"), _dim(source, a.ndim, "movedim"))
    return permute(a, order)
