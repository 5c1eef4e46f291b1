"""conv2d 3×3 stride 2 (padding 1) by Winograd on x's polyphase components (`StrideTwoWinograd`): against the loop
definition and the shifted products, gradchecks (first and second order), float32 accuracy against float64."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
import autograd_lite.ops.conv as conv_ops
import autograd_lite.ops.winograd as winograd_ops
from tests.helpers import check_op, rand
from tests.test_nn_conv import conv2d_loops


def window(h, w, stride=2, padding=1):
    return conv_ops.Window((3, 3), (stride, stride), (padding, padding), (1, 1), (h, w))


@pytest.fixture
def polyphase(monkeypatch):
    """Make every one-group 3×3 stride-2 conv2d with padding 1 take the polyphase path, in chunks of 8 tiles."""
    monkeypatch.setattr(winograd_ops, "WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(winograd_ops, "STRIDE_TWO_TILES", 8)


POLY_CASES = [
    (3, 2, 3, 8, 8),   # 4 tiles an image: chunks of two images, then a shorter one (its buffers laid out again)
    (5, 3, 2, 7, 9),   # odd sizes: outputs past OH, OW cropped, x's missing rows and columns zeros; chunks of one
    (2, 2, 3, 1, 1),   # one pixel: only the centre tap reads x
    (3, 2, 2, 6, 5),   # 3×3 outputs in 2×2 tiles, the last row and column cropped; chunks of 2 and 1
    (2, 3, 2, 8, 16),  # 1 KiB planes (float64): the skewed staging
]


@pytest.mark.parametrize("n,c,f,h,w", POLY_CASES)
def test_conv2d_stride2_polyphase(polyphase, n, c, f, h, w):
    x, wt, b = rand(n, c, h, w, seed=40), rand(f, c, 3, 3, seed=41), rand(f, seed=42)
    assert winograd_ops.StrideTwoWinograd.applies(window(h, w), 1, c, f, np.dtype(np.float64))
    out = F.conv2d(x, wt, b, stride=2, padding=1)
    np.testing.assert_allclose(out.data, conv2d_loops(x.data, wt.data, b.data, 2, 1, 1, 1), rtol=1e-10, atol=1e-12)
    # second order: the create_graph path runs Conv2dGradInput / Conv2dGradWeight on the same kernels
    check_op(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), x, wt, b, order=2)


@pytest.mark.parametrize("n,c,f,h,w", POLY_CASES)
def test_stride2_polyphase_gradients_match_the_shifted_products(polyphase, n, c, f, h, w):
    # dx and dW in one call, and each alone (as Conv2dGradInput / Conv2dGradWeight ask), against the shifted products
    r = np.random.default_rng(43)
    x, wt = r.standard_normal((n, c, h, w)), r.standard_normal((f, c, 3, 3))
    g = r.standard_normal((n, f) + window(h, w).out_hw)
    poly = winograd_ops.StrideTwoWinograd(window(h, w), n)
    dx, dw = poly.gradients(g, x, wt, x.shape, wt.shape)
    ref = conv_ops.Shifted(window(h, w), n)
    if h > 1:  # (the shifted products' dx needs more than one pixel)
        ref_dx, ref_dw = ref.gradients(g, x, wt, x.shape, wt.shape)
        np.testing.assert_allclose(dx, ref_dx, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dw, ref_dw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(poly.gradients(g, None, wt, x.shape, wt.shape)[0], dx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(poly.gradients(g, x, None, x.shape, wt.shape)[1], dw, rtol=1e-12, atol=1e-14)


def test_conv2d_stride2_polyphase_against_torch(polyphase):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(44)
    x, wt, b = r.standard_normal((3, 4, 9, 10)), r.standard_normal((5, 4, 3, 3)), r.standard_normal(5)
    g = r.standard_normal((3, 5, 5, 5))
    xt, wtt, bt = (al.tensor(a, requires_grad=True) for a in (x, wt, b))
    out = F.conv2d(xt, wtt, bt, stride=2, padding=1)
    (out * al.tensor(g)).sum().backward()
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    (tout * torch.tensor(g)).sum().backward()
    for mine, theirs in ((out.data, tout), (xt.grad.data, tx.grad), (wtt.grad.data, tw.grad), (bt.grad.data, tb.grad)):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_stride2_polyphase_float32_accuracy():
    # float32 rounding against float64, next to the shifted products' (the ResNet layer's shapes, 8 images):
    # measured forward / dx / dW 6.0e-7 / 6.3e-7 / 6.8e-7 of the largest entry against 2.1e-7 / 1.8e-7 / 4.4e-7
    r = np.random.default_rng(45)
    x = r.standard_normal((8, 64, 16, 16))
    w = r.standard_normal((64, 64, 3, 3)) * np.sqrt(2 / 576)
    g = r.standard_normal((8, 64, 8, 8))
    win = window(16, 16)
    assert winograd_ops.StrideTwoWinograd.applies(win, 1, 64, 64, np.dtype(np.float32))
    assert isinstance(conv_ops._channel_products(win, 1, 64, 64, 8, x.astype(np.float32)), winograd_ops.StrideTwoWinograd)
    shifted = conv_ops.Shifted(win, 8)
    ref = (shifted.forward(x, w, None, np.float64), *shifted.gradients(g, x, w, x.shape, w.shape))
    x32, w32, g32 = (a.astype(np.float32) for a in (x, w, g))
    poly = winograd_ops.StrideTwoWinograd(win, 8)
    mine = (poly.forward(x32, w32, None, np.float32), *poly.gradients(g32, x32, w32, x.shape, w.shape))
    direct = (shifted.forward(x32, w32, None, np.float32), *shifted.gradients(g32, x32, w32, x.shape, w.shape))
    for m, d, r64 in zip(mine, direct, ref):
        assert m.dtype == np.float32
        scale = np.abs(r64).max()
        assert np.abs(m - r64).max() / scale < max(3 * np.abs(d - r64).max() / scale, 1e-6)


def test_stride2_polyphase_applies_only_where_it_should():
    def applies(stride=2, padding=1, hw=(16, 16), channels=64, dtype=np.float32, kernel=(3, 3), dilation=1):
        win = conv_ops.Window(kernel, (stride, stride), (padding, padding), (dilation, dilation), hw)
        return winograd_ops.StrideTwoWinograd.applies(win, 1, channels, channels, np.dtype(dtype))
    assert applies() and applies(dtype=np.float64) and applies(hw=(7, 9))
    assert not applies(stride=1) and not applies(padding=0) and not applies(kernel=(5, 5)) and not applies(dilation=2)
    assert not applies(channels=16) and not applies(dtype=np.int64) and not applies(dtype=np.float16)
    assert applies(hw=(32, 32)) and not applies(hw=(64, 64))  # 64 and 256 tiles an image: the latter too many


def test_conv2d_stride2_integers_keep_the_shifted_products():
    r = np.random.default_rng(46)
    x, w = r.integers(-5, 5, (2, 32, 6, 6)), r.integers(-5, 5, (32, 32, 3, 3))
    out = F.conv2d(al.tensor(x), al.tensor(w), stride=2, padding=1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, conv2d_loops(x, w, None, 2, 1, 1, 1))
