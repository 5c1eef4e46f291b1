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
from .dims import dim_index
from .registry import register


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


@register(Reshape, method=True, aliases=("view",))
def reshape(a: Tensor, *shape: Any) -> Tensor:
    """a with a new shape of the same size (one entry may be -1).  ∂L/∂a = G reshaped back."""
    shape = _shape_arg(shape)
    return a if shape == a.shape else Reshape(shape).apply(a)


@register(name="view_as", al=False, method=True)
def _view_as(a: Tensor, other: Tensor) -> Tensor:
    """a reshaped to other's shape."""
    return reshape(a, other.shape)


@register(method=True)
def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """a with dims start_dim..end_dim merged into one (a 0-d tensor becomes shape (1,))."""
    s, e = dim_index(start_dim, a.ndim, "flatten"), dim_index(end_dim, a.ndim, "flatten")
    if a.ndim == 0:
        return reshape(a, (1,))
    if s > e:
        raise OpError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {a.shape}")
    return reshape(a, a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


@register(method=True)
def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    """a without its size-1 dims (only those in dim, if given)."""
    if dim is None:
        return reshape(a, tuple(n for n in a.shape if n != 1))
    dims = {dim_index(d, a.ndim, "squeeze") for d in ((dim,) if not isinstance(dim, (tuple, list)) else dim)}
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if not (i in dims and n == 1)))


@register(method=True)
def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """a with a new size-1 dim at position dim (in [-a.ndim − 1, a.ndim])."""
    d = dim_index(dim, a.ndim + 1, "unsqueeze")
    return reshape(a, a.shape[:d] + (1,) + a.shape[d:])


class Permute(Function):
    saved = ()
    expr, grad_exprs = "permute(a)", ("permute⁻¹(G)",)

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims

    def forward(self, a):
        return np.transpose(a, self.dims)

    def backward(self, g):
        return Permute(tuple(np.argsort(self.dims))).apply(g)


@register(Permute, method=True)
def permute(a: Tensor, *dims: Any) -> Tensor:
    """a with its dims reordered: output dim i is input dim dims[i].  ∂L/∂a = G permuted back."""
    dims = tuple(dim_index(d, a.ndim, "permute") for d in _shape_arg(dims))
    if sorted(dims) != list(range(a.ndim)):
        raise OpError(f"permute: dims {dims} are not a permutation of the {a.ndim} dimensions of shape {a.shape}")
    return a if dims == tuple(range(a.ndim)) else Permute(dims).apply(a)


@register(method=True)
def movedim(a: Tensor, source: int, destination: int) -> Tensor:
    """a with dim source moved to position destination, the others keeping their order."""
    s, d = dim_index(source, a.ndim, "movedim"), dim_index(destination, a.ndim, "movedim")
    order = [i for i in range(a.ndim) if i != s]
    order.insert(d, s)
    return permute(a, order)


class BroadcastTo(Function):
    saved = ()
    expr, grad_exprs = "broadcast(a)", ("sum of G over the broadcast dims",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        try:
            return broadcast_view(a, self.shape)
        except ValueError:
            raise OpError(f"expand: cannot broadcast shape {a.shape} to {self.shape}") from None

    def backward(self, g):
        return sum_to(g, self.inputs[0].shape)


def broadcast_view(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """np.broadcast_to(a, shape): a read-only view (ValueError if a does not broadcast to shape)."""
    if a.size == 1 and a.ndim <= len(shape):
        # a reduction's G spread back (a loss's sum or mean): the view built directly (every stride 0 over
        # a's one element; 0.4 against 3 µs)
        out = np.ndarray(shape, a.dtype, a, 0, (0,) * len(shape))
        out.flags.writeable = False
        return out
    return np.broadcast_to(a, shape)


@register(BroadcastTo, method=True)
def expand(a: Tensor, *shape: Any) -> Tensor:
    """Broadcast to shape; -1 keeps a dimension's size (PyTorch's expand).  ∂L/∂a = G summed to a's shape."""
    shape = _shape_arg(shape)
    lead = len(shape) - a.ndim
    if lead < 0:
        raise OpError(f"expand: cannot expand shape {a.shape} to fewer dimensions {shape}")
    shape = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return a if shape == a.shape else BroadcastTo(shape).apply(a)


@register(BroadcastTo, method=True)
def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """expand(a, shape)."""
    return expand(a, tuple(shape))


@register(name="expand_as", al=False, method=True)
def _expand_as(a: Tensor, other: Tensor) -> Tensor:
    """a broadcast to other's shape."""
    return expand(a, other.shape)


@lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def sum_rows(a: np.ndarray) -> np.ndarray:
    """Σ over the first axis of a 2-D float array, as one BLAS matrix-vector product with a ones
    vector: faster than np.sum for a bias or batch-norm gradient over a batch (benchmarks/PROFILE.md).
    For a C-contiguous a, `ones.dot(a)` is `ones @ a`'s gemv bit for bit, with less dispatch (0.4-1.3
    against 0.9-1.9 µs at (20, 16)-(200, 100) float32); for other layouts the two round differently."""
    ones = _ones(a.shape[0], a.dtype)
    return ones.dot(a) if a.flags.c_contiguous else ones @ a


# Rows up to which a sum over leading axes is `sum_rows`' product; for longer sums np.sum's pairwise rounding is
# the more accurate.
SUM_ROWS_MAX = 4096


def _by_sum_rows(a: np.ndarray, rows: int) -> bool:
    """Whether a sum of `a` over its leading `rows` (as one axis) goes through `sum_rows`."""
    return rows <= SUM_ROWS_MAX and a.dtype.kind == "f" and a.flags.c_contiguous


def sum_to_shape(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """a summed down to `shape` (the shape it was broadcast from): SumTo's forward, without a node."""
    if a.ndim == 2 and len(shape) == 1 and shape[0] == a.shape[1] and _by_sum_rows(a, a.shape[0]):
        return sum_rows(a)  # a bias gradient over a batch, the common case: the general path's result, checked directly
    lead = a.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to: shape {a.shape} does not broadcast from {shape}")
    axes = list(range(lead))  # plain Python: this runs for every broadcast gradient
    for i, s in enumerate(shape):
        if s != a.shape[lead + i]:
            if s != 1:
                raise ValueError(f"sum_to: shape {a.shape} does not broadcast from {shape}")
            axes.append(lead + i)
    if not axes:
        return a.reshape(shape)
    k = len(axes)
    n = math.prod(a.shape[:k])
    if axes[-1] == k - 1 and _by_sum_rows(a, n):  # leading axes only (a bias gradient over a batch)
        sums = sum_rows(a.reshape(n, -1))
        # (C,) already: no reshape, whose view of a temporary .grad would have to copy
        return sums if sums.shape == shape else sums.reshape(shape)
    return np.add.reduce(a, axis=tuple(axes), keepdims=True).reshape(shape)


class SumTo(Function):
    """Sums a broadcast result back down to `shape`: the adjoint of broadcasting."""
    saved = ()
    expr, grad_exprs = "sum_to(a)", ("broadcast(G)",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, a):
        return sum_to_shape(a, self.shape)

    def backward(self, g):
        return g.expand(self.inputs[0].shape)


@register(SumTo)
def sum_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """a summed down to `shape`, which a's shape broadcasts from.  ∂L/∂a = G broadcast to a's shape."""
    shape = tuple(shape)
    return a if a.shape == shape else SumTo(shape).apply(a)


@register(SumTo, name="sum_to_size", al=False, method=True)
def _sum_to_size(a: Tensor, *size: Any) -> Tensor:
    """a summed down to size (PyTorch's `sum_to_size`)."""
    return sum_to(a, _shape_arg(size))


class MatrixTranspose(Function):
    """aᵀ over the last two dims (`t.mT`): the hot transpose inside every matmul's backward."""
    op_name = "transpose"
    saved = ()
    expr, grad_exprs = "aᵀ", ("Gᵀ",)

    def forward(self, a):
        return np.swapaxes(a, -1, -2)

    def backward(self, g):
        return MatrixTranspose().apply(g)


@register(MatrixTranspose, method=True)
def transpose(a: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two dimensions (the last two by default; a tensor of fewer than 2 dims is returned as is).
    ∂L/∂a = G with the same dims swapped."""
    if dim0 == -2 and dim1 == -1 and a.ndim >= 2:  # the default, inside every matmul backward: no checks needed
        return MatrixTranspose().apply(a)
    d0, d1 = dim_index(dim0, a.ndim, "transpose"), dim_index(dim1, a.ndim, "transpose")
    if a.ndim < 2 or d0 == d1:
        return a
    if {d0, d1} == {a.ndim - 2, a.ndim - 1}:
        return MatrixTranspose().apply(a)
    dims = list(range(a.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(a, dims)


@register(MatrixTranspose, name="T", al=False, prop="T")
def _reversed_dims(a: Tensor) -> Tensor:
    """a with all dims reversed (a itself below 2 dims), as PyTorch's `.T`."""
    return a if a.ndim < 2 else transpose(a) if a.ndim == 2 else permute(a, tuple(reversed(range(a.ndim))))


@register(MatrixTranspose, name="mT", al=False, prop="mT")
def _matrix_transpose(a: Tensor) -> Tensor:
    """a with its last two dims swapped (a batch of matrices transposed)."""
    if a.ndim < 2:
        raise OpError(f"mT: needs at least 2 dimensions, got shape {a.shape}")
    return MatrixTranspose().apply(a)


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


@register(Concat, aliases=("concatenate",))
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors joined along dim (shapes equal elsewhere).  ∂L/∂input i = its slice of G."""
    tensors = list(tensors)
    if not tensors:
        raise OpError("cat: expected a non-empty list of tensors")
    nd = tensors[0].ndim
    d = dim_index(dim, nd, "cat")
    for t in tensors:
        if t.ndim != nd or t.shape[:d] + t.shape[d + 1:] != tensors[0].shape[:d] + tensors[0].shape[d + 1:]:
            raise OpError(f"cat: shapes {[t.shape for t in tensors]} differ outside dim {dim}")
    return Concat(d).apply(*tensors)


@register()
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors (all of one shape) joined along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise OpError("stack: expected a non-empty list of tensors")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise OpError(f"stack: all tensors must have the same shape, got {[t.shape for t in tensors]}")
    d = dim_index(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], d)


@register(method=True)
def split(a: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of a size (the last may be smaller) or into the given sizes (not split points)."""
    d = dim_index(dim, a.ndim, "split")
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


@register(method=True)
def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into `chunks` pieces of equal size (the last may be smaller) along dim."""
    if chunks <= 0:
        raise OpError(f"chunk: chunks must be positive, got {chunks}")
    return split(a, -(-a.shape[dim_index(dim, a.ndim, "chunk")] // chunks), dim)


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


@register(Pad, F=True)
def pad(a: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad by `pad`, flat and last dimension first: (left, right, top, bottom, ...), like F.pad.
    mode 'constant' fills `value` (negative widths crop; ∂L/∂a = G's interior); 'reflect', 'replicate'
    and 'circular' are in resample.py (∂L/∂a sums G over the positions each element was copied to)."""
    if mode != "constant":
        from .resample import _mode_pad  # resample builds on shape's ops
        return _mode_pad(a, pad, mode)
    if len(pad) % 2 or len(pad) // 2 > a.ndim:
        raise OpError(f"pad: padding {tuple(pad)} must have an even length of at most 2*{a.ndim}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return Pad(tuple(widths), value).apply(a)


class Flip(Function):
    saved = ()
    expr, grad_exprs = "flip(a)", ("flip(G)",)

    def __init__(self, dims: tuple[int, ...]) -> None:
        self.dims = dims

    def forward(self, a):
        return np.flip(a, self.dims)

    def backward(self, g):
        return Flip(self.dims).apply(g)


@register(Flip, method=True)
def flip(a: Tensor, dims: Any) -> Tensor:
    """a reversed along dims.  ∂L/∂a = G reversed along dims."""
    dims = (dims,) if not isinstance(dims, (tuple, list)) else tuple(dims)
    return Flip(tuple(dim_index(d, a.ndim, "flip") for d in dims)).apply(a)


class Roll(Function):
    saved = ()
    expr, grad_exprs = "roll(a, shifts)", ("roll(G, −shifts)",)

    def __init__(self, shifts: tuple[int, ...], dims: tuple[int, ...] | None) -> None:
        self.shifts, self.dims = shifts, dims

    def forward(self, a):
        if self.dims is None:  # the flattened tensor rolled, then the shape restored
            return np.roll(a.reshape(-1), self.shifts[0]).reshape(a.shape)
        return np.roll(a, self.shifts, axis=self.dims)

    def backward(self, g):
        return Roll(tuple(-s for s in self.shifts), self.dims).apply(g)


@register(Roll, method=True)
def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """input's elements shifted cyclically by shifts[i] along dims[i] (dims=None: along the flattened
    tensor, one shift).  ∂L/∂input = G rolled back by −shifts."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise OpError(f"roll: without dims, shifts must be one int, got {shifts}")
        return Roll((int(shifts[0]),), None).apply(input)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise OpError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    return Roll(tuple(map(int, shifts)), tuple(dim_index(d, input.ndim, "roll") for d in dims)).apply(input)


@register(name="repeat", al=False, method=True)
def _repeat(input: Tensor, *sizes: Any) -> Tensor:
    """input tiled sizes[i] times along dim i (leading sizes beyond input.ndim add dims), PyTorch's
    Tensor.repeat (NumPy's tile).  ∂L/∂input = G summed over the copies."""
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise OpError(f"repeat: {len(sizes)} repeat sizes {sizes} are fewer than the {input.ndim} dimensions of "
                      f"shape {input.shape}")
    if any(s < 0 for s in sizes):
        raise OpError(f"repeat: repeat sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - input.ndim) + input.shape
    # (s0, s1) → (1, s0, 1, s1) → broadcast (r0, s0, r1, s1) → (r0·s0, r1·s1): copy k of row i is row k·s0 + i
    spread = tuple(n for s in shape for n in (1, s))
    tiled = tuple(n for r, s in zip(sizes, shape) for n in (r, s))
    return reshape(expand(reshape(input, spread), tiled), tuple(r * s for r, s in zip(sizes, shape)))


@register(method=True)
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """input repeated dims[i] times along dim i; fewer dims than input.ndim are padded with leading 1s.
    ∂L/∂input = G summed over the copies."""
    dims = _shape_arg((dims,))
    return _repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _atleast(t: Tensor, n: int) -> Tensor:
    """t with leading size-1 dims up to n dims (atleast_1d / atleast_2d)."""
    return t if t.ndim >= n else reshape(t, (1,) * (n - t.ndim) + t.shape)


@register()
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined column-wise: along dim 1, or dim 0 for 1-D tensors (0-d count as 1-D)."""
    tensors = [_atleast(t, 1) for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


@register()
def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """The tensors joined row-wise along dim 0, 1-D tensors (and 0-d) first made rows of shape (1, n)."""
    return cat([_atleast(t, 2) for t in tensors], 0)


@register()
def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors broadcast to their common shape.  ∂L/∂input i = its G summed back to its shape."""
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError:
        raise OpError(f"broadcast_tensors: shapes {[t.shape for t in tensors]} do not broadcast") from None
    return tuple(expand(t, shape) for t in tensors)


@register()
def meshgrid(*tensors: Tensor, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D (or 0-d) tensors of sizes n1, n2, ...: output i is tensor i spread along
    dim i of shape (n1, n2, ...) with indexing='ij' (the default, as in PyTorch), or with the first two
    dims swapped, (n2, n1, ...), with indexing='xy' (NumPy's and MATLAB's default).
    ∂L/∂tensor i = its G summed over the other dims."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in (None, "ij", "xy"):
        raise OpError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.ndim > 1 for t in tensors):
        raise OpError(f"meshgrid: expects 0-d or 1-D tensors, got shapes {[t.shape for t in tensors]}")
    sizes = [t.numel() for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0  # tensor 0 varies along dim 1, tensor 1 along dim 0
    shape = tuple(sizes[i] for i in order)
    out = []
    for i, t in enumerate(tensors):
        at = order.index(i)
        out.append(expand(reshape(t, tuple(-1 if k == at else 1 for k in range(len(shape)))), shape))
    return tuple(out)
