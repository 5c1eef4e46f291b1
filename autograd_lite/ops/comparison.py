"""Closeness tests, as PyTorch's: not differentiable; `isclose` gives a bool tensor,
`allclose` and `equal` a Python bool.  close means abs(a − b) ≤ atol + rtol·abs(b) (inf equals inf of
the same sign; NaN equals NaN only with equal_nan=True)."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .elementwise import RuntimeOpError, as_tensor
from .registry import register


def _operands(op: str, input: Tensor, other: Tensor) -> tuple[np.ndarray, np.ndarray]:
    a, b = as_tensor(input).data, as_tensor(other).data
    if a.dtype != b.dtype:  # PyTorch compares only like with like
        raise RuntimeOpError(f"{op}: the dtypes differ ({a.dtype} and {b.dtype})")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeOpError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast") from None
    return a, b


@register(method=True)
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Where abs(input − other) ≤ atol + rtol·abs(other), broadcasting: a bool tensor
    (NaN ≠ NaN unless equal_nan)."""
    a, b = _operands("isclose", input, other)
    if a.dtype == bool:
        return Tensor._make(np.asarray(a == b))
    return Tensor._make(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@register(method=True)
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of input is close to other (see `isclose`): a Python bool."""
    return bool(np.all(isclose(input, other, rtol, atol, equal_nan).data))


@register(method=True)
def equal(input: Tensor, other: Tensor) -> bool:
    """True if input and other have the same shape and the same elements (NaN is never equal): a Python bool."""
    a, b = as_tensor(input).data, as_tensor(other).data
    return a.shape == b.shape and bool(np.array_equal(a, b))
