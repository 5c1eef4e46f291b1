"""Dimension arguments, checked once for every op: PyTorch's IndexError for a dim out of range."""
from __future__ import annotations

from typing import Any

import numpy as np


def dim_index(dim: Any, ndim: int, op: str) -> int:
    """`dim` as an index in [0, ndim): negative dims count from the end; a 0-d tensor accepts -1 and 0.

    Raises PyTorch's IndexError ("Dimension out of range (expected to be in range of [-2, 1],
    but got 5)"), prefixed with the op's name.
    """
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return int(dim) % n


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Sorted, unique, non-negative dims for an int or a sequence of ints; all dims for None or ()."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):  # an empty dim list means all, as in PyTorch
        return tuple(range(ndim))
    dims = (dim,) if not isinstance(dim, (tuple, list)) else dim
    return tuple(sorted({dim_index(d, ndim, op) for d in dims}))
