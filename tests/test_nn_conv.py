"""conv2d, max_pool2d, avg_pool2d: against straightforward loop implementations, gradchecks
(first and second order) over stride/padding/dilation/groups combinations, and bad input."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
import autograd_lite.ops.conv as conv_ops
import autograd_lite.ops.winograd as winograd_ops
from autograd_lite.engine import OpError
from tests.helpers import check_op, rand


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d_loops(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time."""
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, f, oh, ow))
    fg = f // groups
    for i in range(n):
        for k in range(f):
            grp = k // fg
            for r in range(oh):
                for s in range(ow):
                    patch = xp[i, grp * cg:(grp + 1) * cg, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                               s * sw:s * sw + dw * (kw - 1) + 1:dw]
                    out[i, k, r, s] = np.sum(patch * w[k]) + (0 if b is None else b[k])
    return out


def pool_loops(x, kernel, stride, padding, reduce, fill, dilation=1):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = pair(kernel), pair(stride), pair(padding), pair(dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for r in range(oh):
        for s in range(ow):
            window = xp[:, :, r * sh:r * sh + dh * (kh - 1) + 1:dh, s * sw:s * sw + dw * (kw - 1) + 1:dw]
            out[:, :, r, s] = reduce(window.reshape(*x.shape[:2], -1), axis=-1)
    return out


# (N, C, H, W), (F, KH, KW), stride, padding, dilation, groups
CONV_CASES = [
    ((2, 3, 5, 5), (4, 3, 3), 1, 0, 1, 1),
    ((1, 2, 6, 5), (3, 3, 2), 2, 1, 1, 1),           # batch of 1, odd sizes, rectangular kernel
    ((2, 4, 7, 6), (4, 3, 3), (2, 1), (1, 2), 1, 2),  # pair args, groups
    ((1, 2, 7, 7), (2, 3, 3), 1, 2, 2, 1),           # dilation
    ((2, 3, 4, 4), (6, 1, 1), 1, 0, 1, 3),           # 1x1 kernel, 3 groups
    ((1, 1, 3, 3), (2, 3, 3), 1, 0, 1, 1),           # kernel = input: one output pixel
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_matches_loops(xs, ws, stride, padding, dilation, groups):
    x, w, b = rand(*xs, seed=1), rand(ws[0], xs[1] // groups, *ws[1:], seed=2), rand(ws[0], seed=3)
    out = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    expected = conv2d_loops(x.data, w.data, b.data, stride, padding, dilation, groups)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_gradcheck(xs, ws, stride, padding, dilation, groups):
    x, w, b = rand(*xs, seed=4), rand(ws[0], xs[1] // groups, *ws[1:], seed=5), rand(ws[0], seed=6)
    check_op(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b,
             order=2)


def test_conv2d_second_order_mixed():
    # d²L/dx dw through Conv2dGradInput / Conv2dGradWeight on a bigger input than the gradgradcheck above
    x, w = rand(1, 2, 5, 4, seed=7), rand(2, 2, 3, 2, seed=8)
    check_op(lambda x, w: (F.conv2d(x, w, stride=2, padding=1) ** 2).sum(), x, w)


def test_conv2d_unbatched_and_no_bias():
    x, w = rand(2, 5, 5, seed=9), rand(3, 2, 3, 3, seed=10)
    out = F.conv2d(x, w, padding=1)
    assert out.shape == (3, 5, 5)
    np.testing.assert_allclose(out.data, conv2d_loops(x.data[None], w.data, None, 1, 1, 1, 1)[0], atol=1e-12)


def test_conv2d_float32_stays_float32():
    x = al.tensor(np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32))
    w = al.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = al.tensor(np.zeros(4, np.float32), requires_grad=True)
    out = F.max_pool2d(F.conv2d(x, w, b, padding=1), 2)
    out.sum().backward()
    assert out.dtype == w.grad.dtype == b.grad.dtype == np.float32


@pytest.fixture
def one_sample_chunks(monkeypatch):
    """Make conv2d and its gradients walk the batch one sample at a time (as big inputs do)."""
    monkeypatch.setattr(conv_ops, "CHUNK_ELEMENTS", 1)


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_in_batch_chunks(one_sample_chunks, xs, ws, stride, padding, dilation, groups):
    xs = (3,) + xs[1:]  # three chunks
    x, w, b = rand(*xs, seed=17), rand(ws[0], xs[1] // groups, *ws[1:], seed=18), rand(ws[0], seed=19)
    out = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(out.data, conv2d_loops(x.data, w.data, b.data, stride, padding, dilation, groups),
                               rtol=1e-10, atol=1e-12)
    check_op(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b, order=2)


@pytest.fixture
def shifted_products(monkeypatch):
    """Make every one-group conv2d take the shifted-products path (`Shifted`), in chunks of one or two images."""
    monkeypatch.setattr(conv_ops, "SHIFTED_MIN_CHANNELS", 1)
    monkeypatch.setattr(conv_ops, "SHIFTED_ROWS", 60)


SHIFTED_CASES = CONV_CASES + [
    ((3, 2, 6, 7), (3, 3, 3), 1, 1, 1, 1),           # "same" padding: neighbours share their zeros
    ((2, 2, 7, 6), (2, 3, 3), 2, 1, 1, 1),           # stride 2: four phase images
    ((2, 2, 9, 8), (3, 3, 5), (2, 3), (2, 1), (2, 1), 1),
    ((2, 1, 5, 5), (2, 3, 3), 1, 3, 1, 1),           # padding wider than the kernel reaches
    ((2, 2, 6, 6), (2, 1, 1), 3, 1, 1, 1),           # 1×1 stride 3: phases no tap reads get no gradient
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", SHIFTED_CASES)
def test_conv2d_shifted_products(shifted_products, xs, ws, stride, padding, dilation, groups):
    x, w, b = rand(*xs, seed=24), rand(ws[0], xs[1] // groups, *ws[1:], seed=25), rand(ws[0], seed=26)
    out = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(out.data, conv2d_loops(x.data, w.data, b.data, stride, padding, dilation, groups),
                               rtol=1e-10, atol=1e-12)
    check_op(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b, order=2)


@pytest.mark.parametrize("stride,hw,dtype", [(2, (16, 16), np.float32), (1, (16, 16), np.float32),
                                             (2, (8, 16), np.float64), (2, (7, 9), np.float64)])
def test_shifted_products_chunks_and_staging(monkeypatch, stride, hw, dtype):
    # chunks of two images and a last one of one (its buffers laid out anew), 1 KiB channel planes (x goes through
    # the skewed staging buffer: 16×16 float32, 8×16 float64); against the loop definition and its adjoints
    r = np.random.default_rng(32)
    x, w = r.standard_normal((3, 4) + hw), r.standard_normal((5, 4, 3, 3))
    window = conv_ops.Window((3, 3), (stride, stride), (1, 1), (1, 1), hw)
    g = r.standard_normal((3, 5) + window.out_hw)
    probe = conv_ops.Shifted(window, 3)
    monkeypatch.setattr(conv_ops, "SHIFTED_ROWS", 2 * len(probe.read) * probe.hq * probe.wq)
    shifted = conv_ops.Shifted(window, 3)
    assert shifted.step == 2
    x_, w_, g_ = x.astype(dtype), w.astype(dtype), g.astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(shifted.forward(x_, w_, None, dtype), conv2d_loops(x, w, None, stride, 1, 1, 1), **tol)
    dx, dw = conv_ops.Shifted(window, 3).gradients(g_, x_, w_, x.shape, w.shape)
    # <G, conv(x, W)> is bilinear: its derivatives in x and W are dx and dW
    xt, wt = al.tensor(x, requires_grad=True), al.tensor(w, requires_grad=True)
    monkeypatch.setattr(conv_ops, "SHIFTED_MIN_CHANNELS", 10 ** 6)  # the reference gradients by im2col
    (F.conv2d(xt, wt, stride=stride, padding=1) * al.tensor(g)).sum().backward()
    np.testing.assert_allclose(dx, xt.grad.data, **tol)
    np.testing.assert_allclose(dw, wt.grad.data, **tol)


@pytest.fixture
def winograd(monkeypatch):
    """Make every one-group 3×3 "same" stride-1 conv2d take the Winograd path, in chunks of one or two images."""
    monkeypatch.setattr(winograd_ops, "WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(winograd_ops, "WINOGRAD_TILES", 12)


WINOGRAD_CASES = [
    (3, 2, 3, 6, 7),   # C ≠ F, odd width: the last tile column is cropped
    (1, 3, 2, 5, 5),   # batch of 1, odd height and width
    (2, 2, 2, 1, 1),   # one pixel: one tile, three quarters of it cropped
    (4, 1, 3, 2, 3),   # four chunks of one image
    (2, 3, 2, 8, 16),  # planes of 1 KiB (float64): x goes through the staging buffer
    (3, 2, 3, 4, 5),   # chunks of two images, then a shorter one: the buffers laid out again
]


@pytest.mark.parametrize("n,c,f,h,w", WINOGRAD_CASES)
def test_conv2d_winograd(winograd, n, c, f, h, w):
    x, wt, b = rand(n, c, h, w, seed=27), rand(f, c, 3, 3, seed=28), rand(f, seed=29)
    window = conv_ops.Window((3, 3), (1, 1), (1, 1), (1, 1), (h, w))
    assert winograd_ops.Winograd.applies(window, 1, c, f, np.dtype(np.float64))
    out = F.conv2d(x, wt, b, padding=1)
    np.testing.assert_allclose(out.data, conv2d_loops(x.data, wt.data, b.data, 1, 1, 1, 1), rtol=1e-10, atol=1e-12)
    # second order: the create_graph path runs Conv2dGradInput / Conv2dGradWeight on the same kernels
    check_op(lambda x, w, b: F.conv2d(x, w, b, padding=1), x, wt, b, order=2)


@pytest.mark.parametrize("n,c,f,h,w", WINOGRAD_CASES[:2] + WINOGRAD_CASES[-1:])
def test_conv2d_winograd_gradients_match_the_shifted_products(winograd, n, c, f, h, w):
    # the no-grad backward computes dx and dW in one call; against the shifted products' arrays
    r = np.random.default_rng(30)
    x, wt, g = r.standard_normal((n, c, h, w)), r.standard_normal((f, c, 3, 3)), r.standard_normal((n, f, h, w))
    window = conv_ops.Window((3, 3), (1, 1), (1, 1), (1, 1), (h, w))
    dx, dw = winograd_ops.Winograd((h, w), n).gradients(g, x, wt, x.shape, wt.shape)
    ref_dx, ref_dw = conv_ops.Shifted(window, n).gradients(g, x, wt, x.shape, wt.shape)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dw, ref_dw, rtol=1e-10, atol=1e-12)


def test_conv2d_winograd_float32_accuracy():
    # float32 rounding of the transforms against a float64 reference, next to the direct (shifted) path's:
    # measured 3.5e-7 against 2.1e-7 of the largest output (16×16, 64 channels)
    r = np.random.default_rng(31)
    x = r.standard_normal((4, 64, 16, 16)).astype(np.float32)
    w = (r.standard_normal((64, 64, 3, 3)) * np.sqrt(2 / 576)).astype(np.float32)
    window = conv_ops.Window((3, 3), (1, 1), (1, 1), (1, 1), (16, 16))
    assert winograd_ops.Winograd.applies(window, 1, 64, 64, np.dtype(np.float32))
    ref = conv_ops.Shifted(window, 4).forward(x.astype(np.float64), w.astype(np.float64), None, np.float64)
    out = F.conv2d(al.tensor(x), al.tensor(w), padding=1).data
    direct = conv_ops.Shifted(window, 4).forward(x, w, None, np.float32)
    assert out.dtype == np.float32
    scale = np.abs(ref).max()
    assert np.abs(out - ref).max() / scale < max(3 * np.abs(direct - ref).max() / scale, 1e-6)


def test_winograd_applies_only_where_it_should():
    def applies(stride=1, padding=1, hw=(16, 16), channels=64, dtype=np.float32, kernel=(3, 3)):
        window = conv_ops.Window(kernel, (stride, stride), (padding, padding), (1, 1), hw)
        return winograd_ops.Winograd.applies(window, 1, channels, channels, np.dtype(dtype))
    assert applies() and applies(dtype=np.float64) and applies(hw=(63, 64))
    assert not applies(stride=2) and not applies(padding=0) and not applies(kernel=(5, 5)) and not applies(channels=16)
    assert not applies(dtype=np.int64) and not applies(dtype=np.float16) and not applies(hw=(66, 64))


def test_conv2d_integers_skip_winograd():
    # the transforms' halves would truncate integers: they keep the exact shifted products
    r = np.random.default_rng(32)
    x, w = r.integers(-5, 5, (2, 32, 3, 4)), r.integers(-5, 5, (32, 32, 3, 3))
    out = F.conv2d(al.tensor(x), al.tensor(w), padding=1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, conv2d_loops(x, w, None, 1, 1, 1, 1))


def test_conv2d_saves_no_arrays_for_backward():
    # backward rebuilds the windows from x: the node keeps its inputs and no im2col buffer
    x, w, b = rand(2, 3, 8, 8, seed=20, requires_grad=False), rand(4, 3, 3, 3, seed=21), rand(4, seed=22)
    node = F.conv2d(x, w, b, padding=1).grad_fn
    assert not [k for k, v in vars(node).items() if isinstance(v, np.ndarray)]


def test_conv2d_float32_gradients_of_every_input_stay_float32():
    r = np.random.default_rng(23)
    x, w, b = (al.tensor(r.standard_normal(s).astype(np.float32), requires_grad=True)
               for s in [(3, 2, 6, 5), (4, 2, 3, 3), (4,)])
    out = F.conv2d(x, w, b, stride=(2, 1), padding=1)
    (gx, gw, gb) = al.grad((out ** 2).sum(), [x, w, b], create_graph=True)
    assert {t.dtype for t in (out, gx, gw, gb, al.grad(gx.sum(), w)[0])} == {np.dtype(np.float32)}


@pytest.mark.parametrize("xs,kernel,stride,padding,dilation", [
    ((2, 3, 6, 6), 2, None, 0, 1),       # tiling fast path
    ((1, 2, 7, 5), 3, 2, 1, 1),          # overlapping, padded, odd sizes
    ((2, 1, 6, 8), (2, 3), (1, 2), (1, 0), 1),
    ((1, 2, 7, 7), 2, 1, 0, 2),          # dilation
    ((1, 1, 5, 5), 2, None, 0, 1),       # non-divisible: last row/column dropped
])
def test_max_pool2d_matches_loops_and_gradcheck(xs, kernel, stride, padding, dilation):
    x = rand(*xs, seed=11)
    out = F.max_pool2d(x, kernel, stride, padding, dilation)
    expected = pool_loops(x.data, kernel, stride or kernel, padding, np.max, -np.inf, dilation)
    np.testing.assert_array_equal(out.data, expected)
    check_op(lambda x: F.max_pool2d(x, kernel, stride, padding, dilation), x)


def test_max_pool2d_ties_route_to_first_element():
    x = al.tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)
    y = al.tensor(np.zeros((1, 1, 5, 5)), requires_grad=True)
    F.max_pool2d(y, 3, 2, 1).sum().backward()
    first = np.zeros((5, 5))  # each window's first element inside the input: rows/cols 0, 1, 3
    first[np.ix_([0, 1, 3], [0, 1, 3])] = 1
    np.testing.assert_array_equal(y.grad.data[0, 0], first)


def max_pool_grad_loops(x, g, kernel, stride, padding, dilation):
    """dx of max-pool, one window at a time: G goes to the window's first maximum (row-major)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = pair(kernel), pair(stride), pair(padding), pair(dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    dxp = np.zeros_like(xp)
    for n, c, r, s in np.ndindex(*g.shape):
        rows, cols = r * sh + dh * np.arange(kh), s * sw + dw * np.arange(kw)
        i, j = np.unravel_index(np.argmax(xp[n, c][np.ix_(rows, cols)]), (kh, kw))
        dxp[n, c, rows[i], cols[j]] += g[n, c, r, s]
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


@pytest.mark.parametrize("xs,kernel,stride,padding,dilation", [
    ((2, 3, 8, 6), 2, None, 0, 1),        # tiles: the separable fast path
    ((2, 2, 7, 8), (2, 3), None, 0, 1),   # rectangular tiles, last rows dropped
    ((1, 2, 9, 7), 3, None, 0, 1),
    ((2, 2, 7, 6), 3, 2, 1, 1),           # general path: overlapping, padded
    ((1, 2, 8, 8), 2, 2, 0, 2),           # general path: dilated
])
def test_max_pool2d_routes_ties_to_first_maximum(xs, kernel, stride, padding, dilation):
    # few distinct values (as after a ReLU): most windows have ties
    data = np.random.default_rng(24).integers(0, 3, xs).astype(np.float64)
    x = al.tensor(data, requires_grad=True)
    out = F.max_pool2d(x, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(out.data, pool_loops(data, kernel, stride or kernel, padding, np.max, -np.inf,
                                                       dilation))
    g = np.random.default_rng(25).standard_normal(out.shape)
    out.backward(al.tensor(g))
    np.testing.assert_array_equal(x.grad.data, max_pool_grad_loops(data, g, kernel, stride or kernel, padding,
                                                                   dilation))
    # the double backward (d/dG of Σ dx·GG) gathers GG through the same routing
    g_t, gg = al.tensor(g, requires_grad=True), np.random.default_rng(26).standard_normal(xs)
    dx, = al.grad((F.max_pool2d(x, kernel, stride, padding, dilation) * g_t).sum(), x, create_graph=True)
    dg, = al.grad((dx * al.tensor(gg)).sum(), g_t)
    gout = np.zeros(out.shape)
    for idx in np.ndindex(*out.shape):
        one = np.zeros(out.shape)
        one[idx] = 1
        gout[idx] = (max_pool_grad_loops(data, one, kernel, stride or kernel, padding, dilation) * gg).sum()
    np.testing.assert_allclose(dg.data, gout, atol=1e-12)


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), (2, 1, 0)])
def test_max_pool2d_nan_routing_matches_torch(kernel, stride, padding):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(27).standard_normal((2, 2, 6, 6))
    data[0, 0, 0, 1] = data[0, 0, 1, 0] = data[1, 1, 3, 3] = data[1, 1, 4, 5] = np.nan  # two NaNs in a window
    x = al.tensor(data, requires_grad=True)
    out = F.max_pool2d(x, kernel, stride, padding)
    out.sum().backward()
    xt = torch.tensor(data, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(xt, kernel, stride, padding)
    expected.sum().backward()
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    np.testing.assert_array_equal(x.grad.data, xt.grad.numpy())


@pytest.mark.parametrize("kernel", [2, (2, 3)])
def test_max_pool2d_float32_stays_float32(kernel):
    x = al.tensor(np.random.default_rng(28).standard_normal((2, 3, 6, 7)).astype(np.float32), requires_grad=True)
    out = F.max_pool2d(x, kernel)
    gx, = al.grad((out ** 2).sum(), x, create_graph=True)
    assert out.dtype == gx.dtype == al.grad(gx.sum(), x, allow_unused=True)[0].dtype == np.float32


@pytest.mark.parametrize("xs,kernel,stride,padding", [
    ((2, 3, 6, 6), 2, None, 0),
    ((1, 2, 7, 5), 3, 2, 1),             # padded zeros count in the mean
    ((2, 1, 5, 8), (2, 3), (1, 2), (1, 1)),
])
def test_avg_pool2d_matches_loops_and_gradcheck(xs, kernel, stride, padding):
    x = rand(*xs, seed=12)
    out = F.avg_pool2d(x, kernel, stride, padding)
    np.testing.assert_allclose(out.data, pool_loops(x.data, kernel, stride or kernel, padding, np.mean, 0.0),
                               atol=1e-12)
    check_op(lambda x: F.avg_pool2d(x, kernel, stride, padding), x)


@pytest.mark.parametrize("call,words", [
    (lambda: F.conv2d(rand(1, 3, 5, 5), rand(2, 2, 3, 3)), ["conv2d", "3 channels", "expects 2"]),
    (lambda: F.conv2d(rand(1, 2, 3, 3), rand(2, 2, 5, 5)), ["conv2d", "larger than the padded input"]),
    (lambda: F.conv2d(rand(1, 4, 5, 5), rand(3, 2, 3, 3), groups=2), ["conv2d", "groups=2"]),
    (lambda: F.conv2d(rand(1, 2, 5, 5), rand(2, 2, 3, 3), rand(3)), ["conv2d", "bias"]),
    (lambda: F.conv2d(rand(2, 5, 5), rand(2, 2, 3), padding=1), ["conv2d", "weight"]),
    (lambda: F.max_pool2d(rand(1, 1, 3, 3), 4), ["max_pool2d", "larger than the padded input"]),
    (lambda: F.max_pool2d(rand(1, 1, 6, 6), 2, padding=2), ["max_pool2d", "half the kernel"]),
    (lambda: F.avg_pool2d(rand(6, 6), 2), ["avg_pool2d", "(6, 6)"]),
])
def test_bad_input_raises_clear_error(call, words):
    with pytest.raises(OpError) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("xs", [(4, 3), (2, 5, 3), (3,)])
def test_linear_values_and_gradcheck(xs):
    x, w, b = rand(*xs, seed=13), rand(2, 3, seed=14), rand(2, seed=15)
    np.testing.assert_allclose(F.linear(x, w, b).data, x.data @ w.data.T + b.data, atol=1e-12)
    check_op(F.linear, x, w, b)
    check_op(lambda x, w: F.linear(x, w), x, w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_gradients_of_parameters_only(dtype):
    r = np.random.default_rng(16)
    x = al.tensor(r.standard_normal((2, 4, 3)).astype(dtype))  # a data batch: no gradient wanted
    w, b = (al.tensor(r.standard_normal(s).astype(dtype), requires_grad=True) for s in [(2, 3), (2,)])
    g = r.standard_normal((2, 4, 2)).astype(dtype)
    F.linear(x, w, b).backward(g)
    assert x.grad is None and w.grad.dtype == b.grad.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(w.grad.data, np.einsum("nko,nki->oi", g, x.data), rtol=tol, atol=tol)
    np.testing.assert_allclose(b.grad.data, g.sum((0, 1)), rtol=tol, atol=tol)


def test_linear_bad_shapes():
    with pytest.raises(OpError, match=r"linear.*\(4, 3\).*\(2, 4\)"):
        F.linear(rand(4, 3), rand(2, 4))
