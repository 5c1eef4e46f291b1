"""Gathering and scattering along one dim, masks, and the index-valued ops (nonzero, one_hot).

All of them are `a[index]` / "add into zeros at index" / "write at index" with an index built
from the op's arguments, so they reuse indexing.py's primitives, whose gradients are each
other: the gradient of a gather is a scatter_add of G (repeated indices accumulate), and the
gradient of a scatter_add is a gather of G. Being written in those Functions, every gradient
here is differentiable again.

`gather`/`scatter` index an "open grid": out[i][j][k] = a[i][index[i][j][k]][k] for dim=1
(the index's own position along every other dim).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function, OpError
from ..tensor import Tensor
from .dims import dim_index
from .elementwise import as_tensor, where
from .indexing import Index, IndexAdd, IndexPut
from .registry import register
from .shape import expand, reshape


class IndexOutOfRange(IndexError, RuntimeError):
    """An index outside its dimension. PyTorch raises RuntimeError (gather, scatter) or IndexError
    (index_select): this is both, so either `except` catches it."""


# ----- index arguments ------------------------------------------------------------------
def _index_array(index: Any, op: str) -> np.ndarray:
    """An integer index (Tensor, list or array) as an int64 array; other dtypes raise, naming the op."""
    arr = index.data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise OpError(f"{op}: expected an integer (int64) index, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _check_range(idx: np.ndarray, size: int, dim: int, op: str) -> None:
    """Every entry in [0, size) (PyTorch's gather and scatter take no negative indices)."""
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= size:
            raise IndexOutOfRange(f"{op}: index {lo if lo < 0 else hi} is out of bounds for dimension {dim} "
                                  f"with size {size}")


def _grid(idx: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The NumPy index of position (.., idx[..], ..): idx along dim, each element's own position elsewhere."""
    n = idx.ndim
    return tuple(idx if d == dim else np.arange(s).reshape([-1 if e == d else 1 for e in range(n)])
                 for d, s in enumerate(idx.shape))


def _along_dim(a: Tensor, dim: int, index: Any, op: str, *, src: Tensor | None = None) -> tuple[np.ndarray, Any]:
    """(index array, NumPy index) for gather/scatter of `index` into a along dim, with PyTorch's shape rules:
    index has a's number of dims, is no larger than a outside dim (and no larger than src anywhere)."""
    idx = _index_array(index, op)
    d = dim_index(dim, a.ndim, op)
    if idx.ndim != a.ndim and not (idx.ndim <= 1 and a.ndim <= 1):
        raise OpError(f"{op}: index {idx.shape} must have as many dimensions as the input {a.shape}")
    if a.ndim == 0:
        _check_range(idx, 1, d, op)
        return idx.reshape(()), ()
    idx = idx.reshape(idx.shape or (1,)) if a.ndim == 1 else idx
    if any(i > s for k, (i, s) in enumerate(zip(idx.shape, a.shape)) if k != d):
        raise OpError(f"{op}: index {idx.shape} is larger than the input {a.shape} outside dim {d}")
    if src is not None and (src.ndim != idx.ndim or any(i > s for i, s in zip(idx.shape, src.shape))):
        raise OpError(f"{op}: index {idx.shape} is larger than src {src.shape}")
    _check_range(idx, a.shape[d], d, op)
    return idx, _grid(idx, d)


def _leading(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    """src's leading block of `shape` (PyTorch's scatter reads only the part of src the index covers)."""
    return src if src.shape == shape else src[tuple(slice(0, n) for n in shape)]


# ----- gather / scatter ---------------------------------------------------------------
class Gather(Index):
    """a at the positions an index picks (gather, index_select, take_along_dim, sort's values)."""
    expr, grad_exprs = "a[index along dim]", ("scatter_add(zeros, dim, index, G)",)

    def backward(self, g):
        return ScatterAdd(self.index, self.basic, self.inputs[0].shape).apply(g)


class ScatterAdd(IndexAdd):
    """zeros of a shape with a added at the index's positions (repeated positions accumulate)."""
    expr, grad_exprs = "zeros + a at index along dim", ("gather(G, dim, index)",)

    def backward(self, gg):
        return Gather(self.index, self.basic).apply(gg)


class Scatter(IndexPut):
    """a with src written at the index's positions."""
    expr, grad_exprs = "a with a[index along dim] = src", ("G with G[index] = 0", "gather(G, dim, index)")


@register(Gather, method=True)
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j][k] = input[i][index[i][j][k]][k] (for dim=1); out has index's shape. sparse_grad is
    accepted for PyTorch's signature; gradients are dense.
    ∂L/∂input = scatter_add(zeros, dim, index, G) (repeated indices accumulate)."""
    return _gather(input, dim, index, "gather")


def _gather(input: Tensor, dim: int, index: Any, op: str) -> Tensor:
    _, grid = _along_dim(input, dim, index, op)
    return Gather(grid, False).apply(input)


@register(Scatter, method=True, inplace=True)
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
            reduce: str | None = None) -> Tensor:
    """input with out[i][index[i][j][k]][k] = src[i][j][k] (dim=1); src may be a number (`value`).
    reduce="add" is scatter_add. Where an index repeats, which write wins is unspecified (as in PyTorch).
    ∂L/∂input = G with the written positions zeroed; ∂L/∂src = gather(G, dim, index)."""
    if src is not None and not isinstance(src, Tensor):  # scatter(dim, index, 1.5): the value form
        src, value = None, src
    if (src is None) == (value is None):
        raise OpError("scatter: give exactly one of src (a Tensor) and value (a number)")
    if reduce == "add":
        full = src if src is not None else as_tensor(value, input).expand(_index_array(index, "scatter").shape)
        return scatter_add(input, dim, index, full)
    if reduce is not None:
        raise OpError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    src = as_tensor(value if src is None else src, input)
    idx, grid = _along_dim(input, dim, index, "scatter", src=src if src.ndim else None)
    if src.ndim:
        src = _leading(src, idx.shape)
    return Scatter(grid, False).apply(input, src)


@register(ScatterAdd, method=True, inplace=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """input with src added at out[i][index[i][j][k]][k] (dim=1); repeated indices accumulate.
    ∂L/∂input = G; ∂L/∂src = gather(G, dim, index)."""
    src = as_tensor(src, input)
    idx, grid = _along_dim(input, dim, index, "scatter_add", src=src)
    added = ScatterAdd(grid, False, input.shape).apply(_leading(src, idx.shape))
    return input + added


@register(Gather, method=True)
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather along dim after broadcasting input and indices outside dim (dim=None: both flattened),
    as NumPy's take_along_axis.  ∂L/∂input = G added back at the indices."""
    idx = _index_array(indices, "take_along_dim")
    if dim is None:
        return _gather(reshape(input, (-1,)), 0, idx.reshape(-1), "take_along_dim")
    d = dim_index(dim, input.ndim, "take_along_dim")
    if idx.ndim != input.ndim:
        raise OpError(f"take_along_dim: indices {idx.shape} must have as many dimensions as the input "
                      f"{input.shape}")
    try:
        common = list(np.broadcast_shapes(input.shape[:d] + (1,) + input.shape[d + 1:],
                                          idx.shape[:d] + (1,) + idx.shape[d + 1:]))
    except ValueError:
        raise OpError(f"take_along_dim: input {input.shape} and indices {idx.shape} do not broadcast outside "
                      f"dim {d}") from None
    a = expand(input, tuple(common[:d] + [input.shape[d]] + common[d + 1:]))
    idx = np.broadcast_to(idx, tuple(common[:d] + [idx.shape[d]] + common[d + 1:]))
    return _gather(a, d, idx, "take_along_dim")


def _select_index(input: Tensor, dim: int, index: Any, op: str) -> tuple[int, Any]:
    """(dim, NumPy index) of a 1-D (or 0-d) index along dim, checked against the dim's size."""
    idx = _index_array(index, op)
    if idx.ndim > 1:
        raise OpError(f"{op}: index must be 1-D, got shape {idx.shape}")
    d = dim_index(dim, input.ndim, op)
    _check_range(idx, input.shape[d] if input.ndim else 1, d, op)
    return d, (slice(None),) * d + (idx.reshape(-1),)


@register(Gather, method=True)
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of input at `index` (1-D) along dim: out's dim has len(index) entries.
    ∂L/∂input = index_add(zeros, dim, index, G) (repeated indices accumulate)."""
    _, key = _select_index(input, dim, index, "index_select")
    return Gather(key, False).apply(input)


@register(ScatterAdd, method=True, inplace=True)
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: float = 1) -> Tensor:
    """input with alpha * source[k] added to slice index[k] along dim (repeated indices accumulate).
    ∂L/∂input = G; ∂L/∂source = alpha * index_select(G, dim, index)."""
    d, key = _select_index(input, dim, index, "index_add")
    source = as_tensor(source, input)
    want = input.shape[:d] + (len(key[-1]),) + input.shape[d + 1:]
    if source.shape != want and not (source.ndim == 0 and want == (1,)):
        raise OpError(f"index_add: source {source.shape} must have shape {want} (input {input.shape} with "
                      f"dim {d} of the index's length)")
    if alpha != 1:
        source = source * alpha
    return input + ScatterAdd(key, False, input.shape).apply(reshape(source, want))


# ----- masks ----------------------------------------------------------------------------
def _bool_mask(mask: Any, op: str) -> np.ndarray:
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != bool:
        raise OpError(f"{op}: expected a bool mask, got dtype {m.dtype}")
    return m


@register(method=True, inplace=True)
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """input with value where mask (bool, broadcast to input) is True; value a number or a 0-d Tensor.
    ∂L/∂input = G where the mask is False; ∂L/∂value = Σ G where it is True."""
    m = _bool_mask(mask, "masked_fill")
    if isinstance(value, Tensor) and value.ndim:
        raise OpError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    try:
        np.broadcast_shapes(m.shape, input.shape)
    except ValueError:
        raise OpError(f"masked_fill: mask {m.shape} does not broadcast with input {input.shape}") from None
    return where(m, as_tensor(value, input), input)


@register(Gather, method=True)
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of input where mask is True (both broadcast to one shape), as a 1-D tensor in
    row-major order.  ∂L/∂input = G put back at the selected places (summed over broadcasting)."""
    m = _bool_mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(m.shape, input.shape)
    except ValueError:
        raise OpError(f"masked_select: mask {m.shape} does not broadcast with input {input.shape}") from None
    return Gather(np.broadcast_to(m, shape), False).apply(expand(input, shape))


class Triangle(Function):
    """The lower (tril) or upper (triu) triangle of the last two dims, the rest zeroed."""
    saved = ()
    expr, grad_exprs = "tril/triu(a)", ("the same triangle of G",)

    def __init__(self, diagonal: int, upper: bool) -> None:
        self.diagonal, self.upper = diagonal, upper
        self.expr = f"{self.op_name}(a, {diagonal})"  # the graph viewer's label

    def forward(self, a):
        return (np.triu if self.upper else np.tril)(a, self.diagonal)

    def backward(self, g):
        return Triangle(self.diagonal, self.upper).apply(g)

    @property
    def op_name(self) -> str:
        return "triu" if self.upper else "tril"


def _triangle(input: Tensor, diagonal: int, upper: bool) -> Tensor:
    if input.ndim < 2:
        raise OpError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 dimensions, "
                      f"got shape {input.shape}")
    return Triangle(int(diagonal), upper).apply(input)


@register(Triangle, method=True)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (j ≤ i + diagonal), zeros above.  ∂L/∂input = tril(G)."""
    return _triangle(input, diagonal, False)


@register(Triangle, method=True)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (j ≥ i + diagonal), zeros below.  ∂L/∂input = triu(G)."""
    return _triangle(input, diagonal, True)


# ----- integer results: no gradient --------------------------------------------------------
@register(method=True)
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The indices (int64) of input's nonzero elements: an (n, input.ndim) tensor, one row per element in
    row-major order; as_tuple=True: one 1-D tensor per dim (usable as an index, `x[x.nonzero(as_tuple=True)]`).
    No gradient."""
    a = input.data
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(a)))
    return Tensor._make(np.argwhere(a).astype(np.int64))


@register(method=True)
def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): the (n, input.ndim) int64 indices of the nonzero elements.  No gradient."""
    return nonzero(input)


@register(F=True, al=False)
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot codes: out[..., c] = 1 where tensor == c; shape tensor.shape + (num_classes,)
    (num_classes=-1: one more than the largest class).  No gradient."""
    t = _index_array(tensor, "one_hot")
    if t.size and t.min() < 0:
        raise OpError(f"one_hot: class values must be non-negative, got {t.min()}")
    n = (int(t.max()) + 1 if t.size else 0) if num_classes == -1 else int(num_classes)
    if t.size and t.max() >= n:
        raise OpError(f"one_hot: class value {t.max()} is not smaller than num_classes={n}")
    return Tensor._make((t[..., None] == np.arange(n)).astype(np.int64))


@register(method=True)
def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or slice along dim) repeated `repeats` times in place: [a, b] → [a, a, b, b].
    repeats: an int or one count per entry along dim; dim=None flattens input first.
    repeat_interleave(counts) alone gives the repeated indices [0]*counts[0] + [1]*counts[1] + ....
    ∂L/∂input = G summed over each element's copies."""
    if repeats is None:  # the one-argument form: input holds the counts
        counts = _index_array(input, "repeat_interleave").reshape(-1)
        return Tensor._make(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
    a = reshape(input, (-1,)) if dim is None else input
    d = 0 if dim is None else dim_index(dim, a.ndim, "repeat_interleave")
    n = a.shape[d] if a.ndim else 1
    reps = np.asarray(repeats) if not isinstance(repeats, Tensor) else _index_array(repeats, "repeat_interleave")
    if reps.dtype.kind not in "iu" or reps.ndim > 1 or reps.size not in (1, n) or (reps.size and reps.min() < 0):
        raise OpError(f"repeat_interleave: repeats must be a non-negative int or {n} counts (one per entry "
                      f"along dim {d}), got {reps.tolist()}")
    positions = np.repeat(np.arange(n), reps.reshape(-1) if reps.size == n else int(reps.reshape(-1)[0]))
    if output_size is not None and output_size != len(positions):
        raise OpError(f"repeat_interleave: output_size={output_size} but the repeats give {len(positions)}")
    return Gather((slice(None),) * d + (positions,), False).apply(a)
