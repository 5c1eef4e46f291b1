"""`_scipy_blas.gemm_accumulate`: c += a · b in place, or False without SciPy."""
import numpy as np
import pytest

from autograd_lite import _scipy_blas

pytest.importorskip("scipy")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_accumulate_adds_in_place(dtype):
    r = np.random.default_rng(0)
    a, b = r.standard_normal((5, 4)).astype(dtype), r.standard_normal((4, 3)).astype(dtype)
    c = r.standard_normal((5, 3)).astype(dtype)
    expected = c + a @ b
    for a_op in (a, np.ascontiguousarray(a.T).T):  # C-contiguous a and a transposed (Fortran-ordered) view
        out = c.copy()
        assert _scipy_blas.gemm_accumulate(a_op, b, out)
        np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_gemm_accumulate_writes_back_when_scipy_copies():
    # a strided c cannot be gemm's output as it is: SciPy works on a copy, which is written back
    r = np.random.default_rng(1)
    a, b = r.standard_normal((5, 4)), r.standard_normal((4, 3))
    whole = r.standard_normal((10, 3))
    c, expected = whole[::2], whole[::2] + a @ b
    assert _scipy_blas.gemm_accumulate(a, b, c)
    np.testing.assert_allclose(whole[::2], expected, rtol=1e-12)
