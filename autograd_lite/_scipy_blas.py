"""SciPy's BLAS and LAPACK routines that NumPy does not expose, when SciPy is installed.

NumPy has no in-place axpy nor gemm with β = 1, and its `linalg.cholesky` pays for a gufunc
layer that copies the matrix in and out (~20% of the factorization at n ≈ 200). SciPy (it comes with
scikit-learn; the `fast` extra names it) has the plain routines; every caller falls back to NumPy
without it, so SciPy stays optional.
"""
from __future__ import annotations

from functools import partial
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


def gemm_accumulator(a: np.ndarray, b: np.ndarray, c: np.ndarray, scratch: np.ndarray) -> Callable[[], Any]:
    """A function that adds a · b to c in place each time it is called (with the arrays' values then): for
    C-contiguous b (k, n) and c (m, n), a (m, k) C- or Fortran-contiguous (a transposed view), of one real dtype,
    SciPy's gemm (β = 1) bound once to their transposes (Fortran-ordered, so gemm computes cᵀ += bᵀ·aᵀ on the
    arrays as they are: no copies, no product-sized temporary; binding skips the routine look-up and checks, ~1 µs
    of the ~4 a small product's call costs). Without SciPy, or for other operands, NumPy's product into `scratch`
    (c's shape) and an add."""
    gemm = routine("gemm", c.dtype)
    if (gemm is not None and a.dtype == b.dtype == c.dtype and c.flags.c_contiguous and b.flags.c_contiguous
            and (a.flags.c_contiguous or a.flags.f_contiguous)):
        if a.flags.c_contiguous:
            return partial(gemm, 1.0, b.T, a.T, beta=1.0, c=c.T, overwrite_c=1)
        return partial(gemm, 1.0, b.T, a, beta=1.0, c=c.T, overwrite_c=1, trans_b=1)
    return lambda: np.add(c, np.matmul(a, b, out=scratch), out=c)
