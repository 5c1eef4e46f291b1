"""The convolution kernels' two GEMM layouts give the same numbers, and the benchmark tools' edge cases.

conv2d's forward multiplies sample by sample into the output when a map has at least
SAMPLE_GEMM_COLUMNS pixels, else one wide product per chunk and a transposing copy; both layouts
are checked against a direct NumPy sum, with groups, stride, dilation and bias, and differentiated
(first and second order) in float64."""
from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite.check import gradcheck, gradgradcheck
from autograd_lite.ops import conv as conv_ops


def direct_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: int, pad: int, dilation: int,
                groups: int) -> np.ndarray:
    """Cross-correlation by an einsum over each group's windows (no im2col, no GEMM layout)."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = w.shape[2]
    span = dilation * (k - 1) + 1
    win = sliding_window_view(xp, (span, span), axis=(2, 3))[:, :, ::stride, ::stride, ::dilation, ::dilation]
    cg, fg = x.shape[1] // groups, w.shape[0] // groups
    out = np.concatenate([np.einsum("ncxyij,fcij->nfxy", win[:, g * cg:(g + 1) * cg], w[g * fg:(g + 1) * fg])
                          for g in range(groups)], axis=1)
    return out if b is None else out + b.reshape(1, -1, 1, 1)


# (input hw, stride, padding, dilation, groups): output maps on both sides of SAMPLE_GEMM_COLUMNS
CASES = [(24, 1, 1, 1, 1), (24, 1, 2, 2, 2), (23, 2, 1, 1, 1), (9, 1, 1, 1, 2), (32, 1, 0, 1, 1)]


@pytest.mark.parametrize("hw,stride,pad,dilation,groups", CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_both_gemm_layouts_match_a_direct_sum(hw: int, stride: int, pad: int, dilation: int, groups: int,
                                              bias: bool) -> None:
    r = np.random.default_rng(hw + groups)
    x, w = r.standard_normal((3, 4, hw, hw)), r.standard_normal((6, 4 // groups, 3, 3))
    b = r.standard_normal(6) if bias else None
    out = F.conv2d(al.tensor(x), al.tensor(w), None if b is None else al.tensor(b), stride, pad, dilation, groups)
    np.testing.assert_allclose(out.data, direct_conv(x, w, b, stride, pad, dilation, groups), rtol=1e-10,
                               atol=1e-10)


def test_the_cases_cover_both_layouts() -> None:
    sizes = [conv_ops.Window((3, 3), (s, s), (p, p), (d, d), (hw, hw)).out_size for hw, s, p, d, _ in CASES]
    assert min(sizes) < conv_ops.SAMPLE_GEMM_COLUMNS <= max(sizes)


@pytest.mark.parametrize("hw", [6, 24])  # 36 and 576 output pixels: one layout each
def test_gradients_through_both_layouts(hw: int) -> None:
    r = np.random.default_rng(hw)
    x = al.tensor(r.standard_normal((1, 2, hw, hw)), requires_grad=True)
    w = al.tensor(r.standard_normal((2, 2, 3, 3)), requires_grad=True)
    b = al.tensor(r.standard_normal(2), requires_grad=True)
    fn = lambda x, w, b: F.conv2d(x, w, b, padding=1)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    if hw == 6:  # second order at the small size (the large one costs seconds of finite differences)
        assert gradgradcheck(fn, (x, w, b))


def test_float32_conv_stays_float32_in_both_layouts() -> None:
    for hw in (6, 24):
        x = al.tensor(np.ones((2, 3, hw, hw), np.float32))
        w = al.tensor(np.ones((4, 3, 3, 3), np.float32))
        assert F.conv2d(x, w, padding=1).dtype == np.float32
