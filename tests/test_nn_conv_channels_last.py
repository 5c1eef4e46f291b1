"""Channels-last arrays through conv2d, relu, max_pool2d and flatten: conv2d's large-map forward returns the
(N, F, OH, OW) view of an (N, OH, OW, F) buffer, and ReLU, max-pool and the gradients keep that layout. Every op
must give the same values and gradients for such views as for contiguous arrays (float64 gradchecks included)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
import autograd_lite.ops.conv as conv_ops
import autograd_lite.ops.elementwise as elementwise_ops
from tests.helpers import check_op, rand
from tests.test_nn_conv import CONV_CASES, conv2d_loops


def channels_last(a: np.ndarray) -> np.ndarray:
    """The (N, C, H, W) view of a's values laid out (N, H, W, C) in memory."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def is_channels_last(a: np.ndarray) -> bool:
    return a.transpose(0, 2, 3, 1).flags.c_contiguous and not a.flags.c_contiguous


@pytest.fixture
def every_map_channels_last(monkeypatch):
    """Make every one-group im2col conv2d take the channels-last forward (as maps of ≥ 512 pixels do)."""
    monkeypatch.setattr(conv_ops, "SAMPLE_GEMM_COLUMNS", 1)


@pytest.fixture(params=[False, True], ids=["kept-output", "packed-mask"])
def relu_mask(request, monkeypatch):
    """ReLU keeping its output (small arrays) or its bit-packed mask (large ones)."""
    if request.param:
        monkeypatch.setattr(elementwise_ops, "RELU_MASK_BYTES", 0)
    return request.param


@pytest.mark.parametrize("chunk_elements", [conv_ops.CHUNK_ELEMENTS, 1])
@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", CONV_CASES)
def test_conv2d_channels_last_forward(every_map_channels_last, monkeypatch, chunk_elements, xs, ws, stride, padding,
                                      dilation, groups):
    monkeypatch.setattr(conv_ops, "CHUNK_ELEMENTS", chunk_elements)  # 1: one sample per chunk
    xs = (3,) + xs[1:]
    x, w, b = rand(*xs, seed=41), rand(ws[0], xs[1] // groups, *ws[1:], seed=42), rand(ws[0], seed=43)
    out = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert is_channels_last(out.data) == (groups == 1 and out.shape[1] > 1 and out.shape[2] * out.shape[3] > 1)
    np.testing.assert_allclose(out.data, conv2d_loops(x.data, w.data, b.data, stride, padding, dilation, groups),
                               rtol=1e-10, atol=1e-12)
    # second order through Conv2dGradInput / Conv2dGradWeight fed channels-last G
    check_op(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), x, w, b, order=2)


@pytest.mark.parametrize("xs,ws,padding,stride,dilation", [
    ((4, 3, 32, 32), (32, 3, 7, 7), 3, 1, 1),  # the ConvNet's layer
    ((2, 8, 24, 24), (16, 8, 5, 5), 2, 1, 1),
    ((2, 3, 64, 64), (8, 3, 3, 3), 1, 2, 1),
    ((2, 4, 40, 40), (8, 4, 3, 3), 2, 1, 2),
])
def test_conv2d_channels_last_float32_errors_match_the_nchw_products(monkeypatch, xs, ws, padding, stride, dilation):
    # the channels-last im2col sums in (i, j, c) order with the bias last, the NCHW products in (c, i, j) order
    # and the bias after: the output and the weight gradient must be as close to float64 as the NCHW path's
    rng = np.random.default_rng(5)
    x = rng.standard_normal(xs).astype(np.float32)
    w = (rng.standard_normal(ws) / np.sqrt(np.prod(ws[1:]))).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)

    def run(dtype):
        xt, wt, bt = (al.tensor(a.astype(dtype), requires_grad=True) for a in (x, w, b))
        out = F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation)
        g = np.random.default_rng(6).standard_normal(out.shape).astype(dtype)
        out.backward(al.tensor(channels_last(g) if is_channels_last(out.data) else g))
        return out.data, wt.grad.data, is_channels_last(out.data)

    def error(a, reference):
        return np.abs(a - reference).max() / np.abs(reference).max()

    *exact, _ = run(np.float64)
    *fast, fast_layout = run(np.float32)
    monkeypatch.setattr(conv_ops, "SAMPLE_GEMM_COLUMNS", 1 << 30)  # the NCHW products and weight gradient
    *nchw, nchw_layout = run(np.float32)
    assert fast_layout and not nchw_layout and fast[0].dtype == np.float32
    for a, before, reference in zip(fast, nchw, exact):
        assert error(a, reference) < max(2 * error(before, reference), 1e-6)


def layer(name: str):
    """(fn of one tensor, its extra float64 parameters) for each op of the ConvNet's chain."""
    if name == "conv2d":
        w, b = rand(5, 4, 3, 3, seed=51), rand(5, seed=52)
        return (lambda t: F.conv2d(t, w, b, padding=1)), (w, b)
    if name == "conv2d-stride2-groups2":
        w = rand(4, 2, 3, 3, seed=53)
        return (lambda t: F.conv2d(t, w, stride=2, padding=1, groups=2)), (w,)
    if name == "relu":
        return F.relu, ()
    if name == "max_pool2d":
        return (lambda t: F.max_pool2d(t, 2)), ()
    if name == "max_pool2d-4x3":  # non-square tiles; rows and columns past the last whole tile get no gradient
        return (lambda t: F.max_pool2d(t, (4, 3))), ()
    if name == "max_pool2d-3x3-stride2":  # overlapping windows: the general routing
        return (lambda t: F.max_pool2d(t, 3, stride=2, padding=1)), ()
    if name == "avg_pool2d":
        return (lambda t: F.avg_pool2d(t, 2)), ()
    if name == "flatten":
        return (lambda t: t.reshape(t.shape[0], -1)), ()
    raise ValueError(name)


LAYERS = ["conv2d", "conv2d-stride2-groups2", "relu", "max_pool2d", "max_pool2d-4x3", "max_pool2d-3x3-stride2",
          "avg_pool2d", "flatten"]


@pytest.mark.parametrize("name", LAYERS)
def test_each_op_on_a_channels_last_view(every_map_channels_last, relu_mask, name):
    fn, params = layer(name)
    values = rand(2, 4, 6, 7, seed=61).data
    contiguous = al.tensor(values, requires_grad=True)
    viewed = al.tensor(channels_last(values), requires_grad=True)
    assert is_channels_last(viewed.data)
    out, out_viewed = fn(contiguous), fn(viewed)
    np.testing.assert_allclose(out_viewed.data, out.data, rtol=1e-12, atol=1e-12)
    upstream = np.random.default_rng(62).standard_normal(out.shape)
    for g in (upstream, channels_last(upstream) if upstream.ndim == 4 else upstream.T.copy().T):
        grads = al.autograd.grad(out, [contiguous, *params], al.tensor(g), retain_graph=True)
        grads_viewed = al.autograd.grad(out_viewed, [viewed, *params], al.tensor(g), retain_graph=True)
        for a, b in zip(grads, grads_viewed):
            assert a.shape == b.shape
            np.testing.assert_allclose(b.data, a.data, rtol=1e-12, atol=1e-12)
    check_op(fn, viewed, order=2)


def test_convnet_chain_channels_last_matches_contiguous(relu_mask, monkeypatch):
    # conv (a 24×24 map: the channels-last forward) → ReLU → 2×2 max-pool → flatten → a linear layer, float64:
    # values and gradients as with the NCHW forward, and first and second derivatives against central differences
    x, w, b = rand(2, 3, 24, 24, seed=71), rand(4, 3, 5, 5, seed=72), rand(4, seed=73)
    w2 = rand(4 * 12 * 12, 3, seed=74)

    def chain(x, w, b):
        pooled = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=2)), 2)
        return pooled.reshape(pooled.shape[0], -1) @ w2

    def run():
        out = chain(x, w, b)
        return out.data, al.autograd.grad((out ** 2).sum(), [x, w, b, w2])

    assert is_channels_last(F.conv2d(x, w, b, padding=2).data)
    out, grads = run()
    monkeypatch.setattr(conv_ops, "SAMPLE_GEMM_COLUMNS", 1 << 30)
    assert F.conv2d(x, w, b, padding=2).data.flags.c_contiguous
    out_nchw, grads_nchw = run()
    np.testing.assert_allclose(out, out_nchw, rtol=1e-12, atol=1e-12)
    for a, b_ in zip(grads, grads_nchw):
        np.testing.assert_allclose(a.data, b_.data, rtol=1e-10, atol=1e-12)
    monkeypatch.undo()
    if relu_mask:
        monkeypatch.setattr(elementwise_ops, "RELU_MASK_BYTES", 0)
    small = [rand(1, 2, 24, 24, seed=75), rand(2, 2, 3, 3, seed=76), rand(2, seed=77)]
    check_op(lambda x, w, b: F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2).sum((2, 3)), *small, order=2)


def test_float32_convnet_chain_keeps_its_layout_and_dtype():
    rng = np.random.default_rng(81)
    x = al.tensor(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))
    w = al.tensor(rng.standard_normal((8, 3, 7, 7)).astype(np.float32), requires_grad=True)
    b = al.tensor(np.zeros(8, np.float32), requires_grad=True)
    conv = F.conv2d(x, w, b, padding=3)
    activated = F.relu(conv)
    pooled = F.max_pool2d(activated, 2)
    assert is_channels_last(conv.data) and is_channels_last(activated.data) and is_channels_last(pooled.data)
    (pooled.reshape(2, -1) ** 2).sum().backward()
    assert w.grad.dtype == b.grad.dtype == np.float32
    reference = np.maximum(conv.data, 0).reshape(2, 8, 16, 2, 16, 2).max((3, 5))
    np.testing.assert_array_equal(pooled.data, reference)


@pytest.mark.parametrize("kernel,stride,padding,dilation", [
    ((7, 7), (1, 1), (3, 3), (1, 1)),  # the ConvNet's layer
    ((3, 2), (2, 1), (1, 0), (1, 1)),  # stride along H only: runs of OW
    ((3, 3), (1, 2), (1, 1), (1, 1)),  # stride along W: im2col's two-step copy, strided runs channels-last
    ((3, 3), (1, 1), (2, 2), (2, 2)),  # dilation: channels-last runs of C per tap
    ((1, 1), (1, 1), (0, 0), (1, 1)),
])
@pytest.mark.parametrize("chunk_elements", [conv_ops.CHUNK_ELEMENTS, 1])
def test_im2col_runs_match_the_window_views(monkeypatch, chunk_elements, kernel, stride, padding, dilation):
    # both im2col copies (void runs of a padded copy of x) against the windows' strided view of x, chunk by chunk,
    # for a non-contiguous x and parts of one sample
    monkeypatch.setattr(conv_ops, "CHUNK_ELEMENTS", chunk_elements)
    monkeypatch.setattr(conv_ops, "ROWS_ELEMENTS", 1)
    x = np.random.default_rng(3).standard_normal((3, 9, 5, 2)).astype(np.float32).transpose(0, 3, 1, 2)
    window = conv_ops.Window(kernel, stride, padding, dilation, x.shape[2:])
    windows = window.windows(window.gather_rows(x))  # (C, KH, KW, N, OH, OW)
    seen = []
    for batch, cols in window.im2col(x):
        b = batch.stop - batch.start
        np.testing.assert_array_equal(cols, windows[:, :, :, batch].reshape(cols.shape[0], -1))
        seen.append(b)
    for ones in (False, True):
        for batch, cols in window.im2col_channels_last(x, ones=ones):
            expected = windows[:, :, :, batch].transpose(3, 4, 5, 1, 2, 0).reshape(cols.shape[0], -1)
            np.testing.assert_array_equal(cols[:, :expected.shape[1]], expected)
            assert cols.shape[1] == expected.shape[1] + ones and (not ones or (cols[:, -1] == 1).all())
    assert sum(seen) == 3
