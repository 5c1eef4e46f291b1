"""Sorting: sort, argsort, topk, unique.

The order is found in NumPy (indices: integers, no gradient); the values are then a gather of
the input at those indices, so their gradient is G scattered back to where each value came
from (gather's rule) and is differentiable again. unique has no gradient, as in PyTorch.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..engine import OpError
from ..tensor import Tensor
from .dims import dim_index
from .gather import Gather, _grid
from .registry import register

sort_result = namedtuple("sort", ["values", "indices"])  # like torch.return_types.sort
topk_result = namedtuple("topk", ["values", "indices"])


def _order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable argsort along dim; descending keeps equal elements in their original order too, and puts
    NaN first (PyTorch's order: NaN counts as the largest value)."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    n = a.shape[dim]
    return n - 1 - np.flip(np.argsort(np.flip(a, dim), axis=dim, kind="stable"), dim)


def _sorted(input: Tensor, dim: int, descending: bool, k: int | None, op: str) -> tuple[Tensor, Tensor]:
    """(values, int64 indices) of the first k (all: None) elements along dim in sorted order."""
    if input.ndim == 0:
        dim_index(dim, 0, op)
        return input, Tensor._make(np.zeros((), np.int64))
    d = dim_index(dim, input.ndim, op)
    idx = _order(input.data, d, descending)
    if k is not None:
        idx = np.take(idx, np.arange(k), axis=d)
    return Gather(_grid(idx, d), False).apply(input), Tensor._make(idx.astype(np.int64, copy=False))


@register(Gather, method=True)
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The named tuple (values, indices) of input sorted along dim; equal elements keep their order
    (always stable). indices are int64 with no gradient.  ∂L/∂input = G put back at indices along dim."""
    return sort_result(*_sorted(input, dim, descending, None, "sort"))


@register(method=True)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The int64 indices that sort input along dim (sort(...).indices).  No gradient."""
    return _sorted(input, dim, descending, None, "argsort")[1]


@register(Gather, method=True)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The named tuple (values, indices) of the k largest (largest=False: smallest) elements along dim,
    in sorted order (also when sorted=False).  ∂L/∂input = G put back at indices, zeros elsewhere."""
    n = input.shape[dim_index(dim, input.ndim, "topk")] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise OpError(f"topk: selected index k={k!r} out of range for dim {dim} of size {n} (shape {input.shape})")
    return topk_result(*_sorted(input, dim, largest, int(k), "topk"))


@register(method=True)
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Tensor | tuple[Tensor, ...]:
    """The distinct elements of input (dim=None, 1-D) or distinct slices along dim, in ascending order
    (also with sorted=False); with return_inverse, where each element (slice) went — input's shape for
    dim=None, else 1-D — and with return_counts, how often each occurs; a tuple when either is asked for.
    No gradient."""
    a = input.data
    d = None if dim is None else dim_index(dim, a.ndim, "unique")
    values, inverse, counts = np.unique(a.reshape(-1) if d is None else a, return_inverse=True,
                                        return_counts=True, axis=d)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(np.int64).reshape(a.shape if d is None else -1)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return tuple(out) if len(out) > 1 else out[0]
