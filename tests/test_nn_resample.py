"""F.interpolate, the padding modes (reflect, replicate, circular) and their layers (Upsample, ReflectionPad2d, ...):
against hand-worked values, gradchecks, and PyTorch where installed."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite import nn
from autograd_lite.engine import OpError
from autograd_lite.ops.resample import _mode_pad
from tests.helpers import check_op, rand

rng = np.random.default_rng(8)
ROW = np.array([[[0.0, 1.0, 2.0, 3.0]]])  # (N, C, L) = (1, 1, 4)


# ----- interpolate: hand-worked values ---------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    (dict(size=8), [0, 0, 1, 1, 2, 2, 3, 3]),
    (dict(size=3), [0, 1, 2]),  # ⌊j · 4/3⌋
    (dict(size=3, mode="nearest-exact"), [0, 2, 3]),  # ⌊(j + ½) · 4/3⌋
    (dict(size=7, mode="linear", align_corners=True), [0, 0.5, 1, 1.5, 2, 2.5, 3]),
    (dict(scale_factor=2, mode="linear"), [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]),  # (j + ½)/2 − ½, clamped
    (dict(size=2, mode="area"), [0.5, 2.5]),
    (dict(size=3, mode="area"), [0.5, 1.5, 2.5]),  # windows [0, 2), [1, 3), [2, 4)
])
def test_interpolate_1d_values(kwargs, expected):
    np.testing.assert_allclose(F.interpolate(al.tensor(ROW), **kwargs).data[0, 0], expected)


def test_bilinear_is_linear_along_each_axis():
    x = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])  # x[h, w] = 2h + w: bilinear reproduces it exactly
    out = F.interpolate(al.tensor(x), size=(3, 5), mode="bilinear", align_corners=True).data[0, 0]
    h, w = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 1, 5), indexing="ij")
    np.testing.assert_allclose(out, 2 * h + w)


def test_bicubic_reproduces_its_input_at_integer_positions_and_quadratics_inside():
    x = rng.standard_normal((1, 2, 4, 5))
    same = F.interpolate(al.tensor(x), size=(4, 5), mode="bicubic", align_corners=True)
    np.testing.assert_allclose(same.data, x, atol=1e-12)
    # cubic convolution with a = −0.75 is exact for linear ramps away from the clamped borders
    ramp = np.arange(8.0)[None, None, None, :].repeat(2, axis=2)
    up = F.interpolate(al.tensor(ramp), size=(2, 15), mode="bicubic", align_corners=True).data[0, 0, 0]
    np.testing.assert_allclose(up[2:-2], np.linspace(0, 7, 15)[2:-2], atol=1e-12)


def test_scale_factor_sizes_and_recompute():
    x = al.tensor(rng.standard_normal((1, 1, 5, 7)))
    assert F.interpolate(x, scale_factor=1.5).shape == (1, 1, 7, 10)  # ⌊5·1.5⌋, ⌊7·1.5⌋
    assert F.interpolate(x, scale_factor=(2, 0.5), mode="bilinear").shape == (1, 1, 10, 3)
    assert F.interpolate(x, scale_factor=1.5, mode="bilinear", recompute_scale_factor=True).shape == (1, 1, 7, 10)


@pytest.mark.parametrize("mode, shape, size", [("nearest", (2, 2, 4), 7), ("linear", (1, 2, 5), 3),
                                               ("bilinear", (1, 2, 3, 4), (5, 3)), ("bicubic", (1, 1, 3, 3), (4, 5)),
                                               ("trilinear", (1, 1, 2, 3, 2), (3, 2, 4)), ("area", (1, 2, 5, 4), 3)])
def test_interpolate_gradients_first_and_second_order(mode, shape, size):
    x = rand(*shape)
    check_op(lambda t: F.interpolate(t, size=size, mode=mode) ** 2, x)


def test_interpolate_float32_and_no_copy_of_the_graph():
    x = al.tensor(rng.standard_normal((1, 2, 3, 3)).astype(np.float32), requires_grad=True)
    y = F.interpolate(x, scale_factor=2, mode="bilinear")
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 4.0, rtol=1e-6)  # each input's weights sum to 4 (2× in H and in W)


@pytest.mark.parametrize("call, err, match", [
    (lambda x: F.interpolate(x), ValueError, "either size or scale_factor should be defined"),
    (lambda x: F.interpolate(x, size=3, scale_factor=2), ValueError, "only one of size or scale_factor"),
    (lambda x: F.interpolate(x, size=(3, 3, 3)), ValueError, r"same number of spatial dimensions.*\[4, 5\]"),
    (lambda x: F.interpolate(x, size=3, align_corners=True), ValueError, "align_corners option can only be set"),
    (lambda x: F.interpolate(x, size=3, mode="linear"), NotImplementedError, "got 4-D input .* linear mode needs 3-D"),
    (lambda x: F.interpolate(x, size=3, mode="cubic"), NotImplementedError, r"modes nearest .*got .* mode 'cubic'"),
    (lambda x: F.interpolate(x[0, 0], size=3), NotImplementedError, r"3-D, 4-D and 5-D inputs.*got a 2-D input"),
    (lambda x: F.interpolate(x, size=3, recompute_scale_factor=True), ValueError, "not meaningful with an explicit"),
    (lambda x: F.interpolate(x, scale_factor=0.1), OpError, r"sizes must be positive.*output \(0, 0\)"),
    (lambda x: F.interpolate(x, size=4, mode="bilinear", antialias=True), NotImplementedError, "antialias"),
    (lambda x: F.interpolate(x.long(), size=4, mode="area"), TypeError, "'area' needs a floating-point input"),
])
def test_interpolate_errors(call, err, match):
    with pytest.raises(err, match=match):
        call(al.zeros(1, 2, 4, 5))


def test_nearest_and_padding_keep_integer_dtypes():
    ids = al.tensor(np.array([[[1, 2, 3]]]))
    assert F.interpolate(ids, size=6).data.tolist() == [[[1, 1, 2, 2, 3, 3]]]
    assert _mode_pad(ids, (1, 1), "reflect").data.tolist() == [[[2, 1, 2, 3, 2]]]


def test_upsample_layers():
    x = rand(1, 2, 3, 4)
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')" and not list(up.parameters())
    np.testing.assert_array_equal(up(x).data, F.interpolate(x, scale_factor=2.0, mode="bilinear").data)
    assert repr(nn.Upsample(size=(5, 5))) == "Upsample(size=(5, 5), mode='nearest')"
    np.testing.assert_array_equal(nn.UpsamplingNearest2d(scale_factor=2)(x).data, F.interpolate(x, scale_factor=2).data)
    np.testing.assert_array_equal(nn.UpsamplingBilinear2d(size=(4, 7))(x).data,
                                  F.interpolate(x, size=(4, 7), mode="bilinear", align_corners=True).data)


INTERPOLATIONS = [(nd, mode, kw, ac)
                  for nd, modes in [(3, ["nearest", "nearest-exact", "linear", "area"]),
                                    (4, ["nearest", "nearest-exact", "bilinear", "bicubic", "area"]),
                                    (5, ["nearest", "nearest-exact", "trilinear", "area"])]
                  for mode in modes
                  for kw in [dict(size=9), dict(size=3), dict(scale_factor=2), dict(scale_factor=1.7),
                             dict(scale_factor=0.6), dict(scale_factor=2.5, recompute_scale_factor=True),
                             dict(size=1), dict(scale_factor=1.1)]
                  for ac in ([None] if mode in ("nearest", "nearest-exact", "area") else [False, True])]


@pytest.mark.parametrize("nd, mode, kwargs, align_corners", INTERPOLATIONS)
def test_interpolate_matches_torch(nd, mode, kwargs, align_corners):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 2, 5, 7, 4)[:nd])
    ours = al.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = F.interpolate(ours, mode=mode, align_corners=align_corners, **kwargs)
    ref = torch.nn.functional.interpolate(theirs, mode=mode, align_corners=align_corners, **kwargs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    if out.shape == x.shape and kwargs.get("scale_factor") and mode in ("nearest", "nearest-exact", "bicubic"):
        return  # PyTorch's backward here is the identity though its forward is not: ours is forward's true gradient
    g = rng.standard_normal(out.shape)
    out.backward(al.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_unchanged_size_with_a_scale_gets_the_forward_s_true_gradient():
    """scale_factor=1.1 keeps 5 → 5 but reads x at ⌊j/1.1⌋ (PyTorch too); the gradient follows those reads."""
    x = al.tensor(np.arange(5.0)[None, None], requires_grad=True)
    y = F.interpolate(x, scale_factor=1.1)
    np.testing.assert_array_equal(y.data[0, 0], [0, 0, 1, 2, 3])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [2, 1, 1, 1, 0])
    check_op(lambda t: F.interpolate(t, scale_factor=1.1, mode="bicubic") ** 2, rand(1, 1, 5, 4))


# ----- padding modes -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, pad, expected", [
    ("reflect", (3, 1), [3, 2, 1, 0, 1, 2, 3, 2]),
    ("reflect", (-1, 2), [1, 2, 3, 2, 1]),  # crops, then mirrors at the original edge
    ("replicate", (2, 3), [0, 0, 0, 1, 2, 3, 3, 3, 3]),
    ("circular", (2, 4), [2, 3, 0, 1, 2, 3, 0, 1, 2, 3]),
    ("circular", (-1, 2), [1, 2, 3, 1, 2]),  # wraps what is kept after cropping, as PyTorch
])
def test_pad_mode_values(mode, pad, expected):
    np.testing.assert_array_equal(_mode_pad(al.tensor(ROW), pad, mode).data[0, 0], expected)


def test_pad_mode_2d_corners():
    x = al.tensor(np.arange(6.0).reshape(1, 2, 3))
    np.testing.assert_array_equal(_mode_pad(x, (1, 1, 1, 0), "reflect").data[0],
                                  [[4, 3, 4, 5, 4], [1, 0, 1, 2, 1], [4, 3, 4, 5, 4]])
    np.testing.assert_array_equal(_mode_pad(x, (1, 0, 0, 1), "replicate").data[0], [[0, 0, 1, 2], [3, 3, 4, 5],
                                                                                  [3, 3, 4, 5]])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_mode_gradients_add_up_copies(mode):
    x = rand(2, 3, 4)
    check_op(lambda t: _mode_pad(t, (2, 1), mode) ** 2, x)
    check_op(lambda t: _mode_pad(t, (1, 2, 2, 1), mode) ** 2, rand(1, 2, 3, 4))
    y = al.tensor(ROW, requires_grad=True)
    _mode_pad(y, (2, 1), mode).sum().backward()  # each element's gradient counts its copies
    counts = {"reflect": [1, 2, 3, 1], "replicate": [3, 1, 1, 2], "circular": [2, 1, 2, 2]}[mode]
    np.testing.assert_array_equal(y.grad.data[0, 0], counts)


@pytest.mark.parametrize("x, pad, mode, err, match", [
    ((1, 1, 4), (4, 0), "reflect", OpError, r"reflect padding \(4, 0\) of dim 2 .* less than its size"),
    ((1, 1, 4), (1, 5), "circular", OpError, "wrapping around once"),
    ((4,), (1, 1), "reflect", NotImplementedError, r"last 1, 2 or 3 dims .* input \(4,\)"),
    ((2, 3), (1, 1, 1, 1), "replicate", NotImplementedError, r"padding \(1, 1, 1, 1\) for input \(2, 3\)"),
    ((1, 2, 3), (1, 1), "wrap", NotImplementedError, "unrecognised padding mode 'wrap'"),
])
def test_pad_mode_errors(x, pad, mode, err, match):
    with pytest.raises(err, match=match):
        _mode_pad(al.zeros(*x), pad, mode)


def test_padding_layers():
    x = rand(1, 2, 3, 4)
    layer = nn.ReflectionPad2d((1, 2, 0, 1))
    assert repr(layer) == "ReflectionPad2d((1, 2, 0, 1))"
    np.testing.assert_array_equal(layer(x).data, _mode_pad(x, (1, 2, 0, 1), "reflect").data)
    assert nn.ReplicationPad1d(2)(x[0]).shape == (2, 3, 8)
    assert nn.CircularPad3d(1)(rand(1, 2, 3, 3)).shape == (1, 4, 5, 5)
    with pytest.raises(ValueError, match="ReflectionPad2d: padding must be an int or a tuple of 4 ints"):
        nn.ReflectionPad2d((1, 2))


PADS = [(mode, shape, pad) for mode in ("reflect", "replicate", "circular")
        for shape, pad in [((2, 5), (2, 3)), ((1, 2, 5), (-1, 2)), ((2, 3, 4, 5), (1, 2, 3, 0)),
                           ((3, 4, 5), (1, 1, 2, 2)), ((1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 0)),
                           ((2, 4, 4, 5), (0, 4, -1, 2))]]


@pytest.mark.parametrize("mode, shape, pad", PADS)
def test_pad_modes_and_layers_match_torch(mode, shape, pad):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    ours, theirs = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = _mode_pad(ours, pad, mode), torch.nn.functional.pad(theirs, pad, mode=mode)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(al.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
    name = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode] + f"Pad{len(pad) // 2}d"
    if min(pad) >= 0:
        layer_out = getattr(nn, name)(pad)(al.tensor(x))
        np.testing.assert_array_equal(layer_out.data, getattr(torch.nn, name)(pad)(torch.tensor(x)).numpy())


@pytest.mark.parametrize("mode, size", [("bilinear", (5, 7)), ("bicubic", (2, 3)), ("area", (2, 3)),
                                        ("nearest", (5, 7))])
def test_gather_path_for_large_axes_agrees_with_the_dense_product(monkeypatch, mode, size):
    import autograd_lite.ops.resample as resample
    x = rand(2, 2, 3, 4)
    dense = F.interpolate(x, size=size, mode=mode)
    (g_dense,) = al.grad((dense ** 2).sum(), x)
    monkeypatch.setattr(resample, "DENSE_ENTRIES", 0)  # every axis too large for a dense matrix
    taps = F.interpolate(x, size=size, mode=mode)
    (g_taps,) = al.grad((taps ** 2).sum(), x)
    np.testing.assert_allclose(taps.data, dense.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g_taps.data, g_dense.data, rtol=1e-12, atol=1e-14)


def test_an_infinite_input_stays_local():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = np.inf
    out = F.interpolate(al.tensor(x), size=(8, 8), mode="bilinear").data[0, 0]
    assert np.isinf(out[:2, :2]).all() and np.isfinite(out[3:, :]).all() and not np.isnan(out).any()


def test_new_layers_are_exported():
    names = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "Unfold", "Fold", "CosineSimilarity",
             "PairwiseDistance"] + [f"{kind}Pad{d}d" for kind in ("Reflection", "Replication", "Circular")
                                    for d in (1, 2, 3)]
    for name in names:
        assert name in nn.__all__ and issubclass(getattr(nn, name), nn.Module), name
    assert {"unfold", "fold", "interpolate", "embedding", "normalize", "cosine_similarity",
            "pairwise_distance"} <= set(F.__all__)
    assert al.cosine_similarity is F.cosine_similarity and al.pairwise_distance is F.pairwise_distance
    assert not hasattr(al, "embedding")  # torch.embedding takes (weight, indices): F.embedding only
