"""`_scipy_blas.gemm_accumulator`: a call adds a · b to c in place, by SciPy's gemm or NumPy's product."""
import numpy as np
import pytest

from autograd_lite import _scipy_blas


@pytest.mark.parametrize("scipy", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_accumulator_adds_in_place(monkeypatch, scipy, dtype):
    if scipy:
        pytest.importorskip("scipy")
    else:
        monkeypatch.setattr(_scipy_blas, "routine", lambda name, dtype: None)
    r = np.random.default_rng(0)
    a, b = r.standard_normal((5, 4)).astype(dtype), r.standard_normal((4, 3)).astype(dtype)
    c = r.standard_normal((5, 3)).astype(dtype)
    for a_op in (a, np.ascontiguousarray(a.T).T):  # C-contiguous a and a transposed (Fortran-ordered) view
        out, scratch = c.copy(), np.empty_like(c)
        add = _scipy_blas.gemm_accumulator(a_op, b, out, scratch)
        add()
        add()  # each call adds the product again, into the same array
        np.testing.assert_allclose(out, c + 2 * (a @ b), rtol=1e-5)


def test_gemm_accumulator_strided_c():
    # a strided c cannot be gemm's output as it is: NumPy's product and add write into it
    r = np.random.default_rng(1)
    a, b = r.standard_normal((5, 4)), r.standard_normal((4, 3))
    whole = r.standard_normal((10, 3))
    c, expected = whole[::2], whole[::2] + a @ b
    _scipy_blas.gemm_accumulator(a, b, c, np.empty((5, 3)))()
    np.testing.assert_allclose(whole[::2], expected, rtol=1e-12)
