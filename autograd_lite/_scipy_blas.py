"""SciPy's BLAS and LAPACK routines that NumPy does not expose, when SciPy is installed.

NumPy has no in-place axpy, no triangular inverse, and its `linalg.cholesky` pays for a
gufunc layer that costs more than the factorization at n ≈ 200. SciPy (it comes with
scikit-learn; the `fast` extra names it) has the plain routines; every caller falls back to NumPy
without it, so SciPy stays optional.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

_PREFIX = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}
_found: dict[tuple[str, np.dtype], Callable[..., Any] | None] = {}


def routine(name: str, dtype: Any) -> Callable[..., Any] | None:
    """The SciPy routine `name` for real `dtype` ("potrf", float64 → lapack.dpotrf), or None
    without SciPy or for other dtypes. Looked up once per (name, dtype)."""
    key = (name, dtype)  # callers pass an array's dtype: no np.dtype() call on the hot path
    if key not in _found:
        _found[key] = _lookup(name, np.dtype(dtype))
    return _found[key]


def _lookup(name: str, dtype: np.dtype) -> Callable[..., Any] | None:
    if dtype not in _PREFIX:
        return None
    try:
        from scipy.linalg import blas, lapack
    except ImportError:
        return None
    full = _PREFIX[dtype] + name
    return getattr(lapack, full, None) or getattr(blas, full, None)
