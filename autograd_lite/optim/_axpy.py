"""`add_scaled_(y, x, a)`: y ← y + a·x in place, the update at the heart of every optimizer step.

With SciPy installed this is BLAS axpy: one pass over memory and no temporary (NumPy's
`y += a * x` makes a temporary a·x and passes over memory twice), and each element is
rounded once, as PyTorch's `y.add_(x, alpha=a)` does: results agree with PyTorch bit for bit.
Without SciPy, or for arrays BLAS can't take in place, NumPy computes the same up to rounding.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _scipy_blas


def add_scaled_(y: np.ndarray, x: np.ndarray, a: float) -> None:
    """y += a·x in place (x broadcast to y's shape if it must be)."""
    # (float: a NumPy float64 scalar would promote a float32 temporary)
    add_scaled_by(_scipy_blas.routine("axpy", y.dtype), y, x, float(a))


def add_scaled_by(axpy: Any, y: np.ndarray, x: np.ndarray, a: float) -> None:
    """`add_scaled_` with SciPy's axpy for y's dtype (None without SciPy) looked up by the caller, and `a` a
    Python float: plain SGD looks the routine up once per step and dtype, not once per parameter."""
    dtype = y.dtype
    # (`is` first: the usual operands share one dtype object; this runs for every parameter every step)
    if axpy is not None and (x.dtype is dtype or x.dtype == dtype) and x.shape == y.shape:
        flags = y.flags
        if flags.c_contiguous and flags.writeable and x.flags.c_contiguous:
            if y.ndim == 1:
                flat, result = y, axpy(x, y, a=a)
            else:  # a view (both are C-contiguous: ravel copies nothing, and is cheaper than reshape): BLAS
                flat = y.ravel()  # writes straight into y
                result = axpy(x.ravel(), flat, a=a)
            if result is not flat and not np.shares_memory(result, flat):
                flat[...] = result  # the wrapper had to copy (e.g. a misaligned buffer)
            return
    if a == 1:
        y += x
    else:
        y += a * x
