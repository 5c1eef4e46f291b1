"""SciPy's BLAS and LAPACK routines that NumPy does not expose, when SciPy is installed.

NumPy has no in-place axpy nor gemm with β = 1, and its `linalg.cholesky` pays for a gufunc
layer that copies the matrix in and out (~20% of the factorization at n ≈ 200). SciPy (it comes with
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


def gemm_accumulate(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
    """c += a · b in place by BLAS gemm (β = 1), for C-contiguous b (k, n) and c (m, n) and a (m, k) C- or
    Fortran-contiguous (a transposed view), of one real dtype; False (c untouched) without SciPy, and the caller adds a NumPy product instead.

    Their transposes are Fortran-ordered, so gemm computes cᵀ += bᵀ·aᵀ on the arrays as they are: no
    copies, and no product-sized temporary (NumPy's `c += a @ b` makes one and adds it in a second pass)."""
    gemm = routine("gemm", c.dtype)
    if gemm is None:
        return False
    c_t = c.T
    if a.flags.c_contiguous:
        result = gemm(1.0, b.T, a.T, beta=1.0, c=c_t, overwrite_c=1)
    else:  # a transposed view (Fortran-ordered): gemm transposes it itself
        result = gemm(1.0, b.T, a, beta=1.0, c=c_t, overwrite_c=1, trans_b=1)
    if result is not c_t:  # SciPy copied c (an operand it could not use as it is); an identity test, as
        c[...] = result.T  # np.shares_memory took ~2 µs a call (~0.2 ms a pass of the 99 products of a layer)
    return True
