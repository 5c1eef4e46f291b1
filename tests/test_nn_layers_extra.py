"""Embedding, Dropout1d/Dropout2d, Unflatten and Conv2d's dilation/groups, against closed forms and PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import nn

rng = np.random.default_rng(21)


def test_embedding_lookup_and_gradient_accumulates_repeats():
    emb = nn.Embedding(5, 3)
    assert emb.weight.shape == (5, 3)
    ids = al.tensor(np.array([[0, 2], [2, 4]]))
    out = emb(ids)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.data[1, 0], emb.weight.data[2])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 2, 0, 1])


def test_embedding_padding_idx_has_zero_row_and_no_gradient():
    emb = nn.Embedding(4, 2, padding_idx=-1)
    assert emb.padding_idx == 3 and not emb.weight.data[3].any()
    with al.no_grad():
        emb.weight.data[3] = 7.0  # the value is still looked up, like PyTorch
    out = emb(np.array([3, 1, 3]))
    np.testing.assert_array_equal(out.data[0], [7.0, 7.0])
    (out * out).sum().backward()
    assert not emb.weight.grad.data[3].any() and emb.weight.grad.data[1].any()


def test_embedding_max_norm_renormalises_used_rows_in_place():
    emb = nn.Embedding.from_pretrained(al.tensor(np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])), freeze=False,
                                       max_norm=1.0)
    emb(np.array([0, 1]))
    np.testing.assert_allclose(np.linalg.norm(emb.weight.data, axis=1), [1.0, 0.5, 10.0], rtol=1e-6)
    assert not nn.Embedding.from_pretrained(al.tensor(np.ones((2, 2)))).weight.requires_grad


@pytest.mark.parametrize("bad, err, match", [
    (np.array([0.0, 1.0]), TypeError, "expected integer indices"),
    (np.array([0, 5]), IndexError, "index 5 is out of range for 5 embeddings"),
    (np.array([-1]), IndexError, "index -1 is out of range"),
])
def test_embedding_bad_indices(bad, err, match):
    with pytest.raises(err, match=match):
        nn.Embedding(5, 2)(bad)


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    w = rng.standard_normal((6, 3))
    ids = np.array([[1, 0, 5], [1, 1, 2]])
    ours = nn.Embedding.from_pretrained(al.tensor(w), freeze=False, padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, padding_idx=1)
    g = rng.standard_normal((2, 3, 3))
    out_o, out_t = ours(ids), theirs(torch.tensor(ids))
    out_o.backward(al.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out_o.data, out_t.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy())


@pytest.mark.parametrize("cls, shape", [(nn.Dropout2d, (40, 30, 2, 3)), (nn.Dropout2d, (30, 4, 5)),
                                        (nn.Dropout1d, (40, 30, 4))])
def test_channel_dropout_zeroes_whole_channels_and_scales(cls, shape):
    al.manual_seed(0)
    m = cls(p=0.25)
    x = al.tensor(np.ones(shape), requires_grad=True)
    if cls is nn.Dropout2d and len(shape) == 3:
        with pytest.warns(UserWarning, match="3-D input"):
            y = m(x)
        per_channel = y.data.reshape(shape[0], shape[1], -1)
    else:
        y = m(x)
        per_channel = y.data.reshape(shape[0], shape[1], -1)
    assert set(np.unique(per_channel)) <= {0.0, 1 / 0.75}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is dropped whole or kept whole
    assert 0.15 < (per_channel[..., 0] == 0).mean() < 0.35
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)
    m.eval()
    assert m(x) is x
    assert not cls(p=1.0)(x).data.any()


def test_unflatten_and_flatten_round_trip():
    x = al.tensor(rng.standard_normal((2, 12)), requires_grad=True)
    y = nn.Unflatten(1, (3, -1))(x)
    assert y.shape == (2, 3, 4)
    assert nn.Unflatten(-1, (2, 2, 3))(x).shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(nn.Flatten()(y).data, x.data)
    with pytest.raises(ValueError, match="don't multiply up to the size of dim 1 \\(12\\)"):
        nn.Unflatten(1, (5, 2))(x)


def test_conv2d_dilation_and_groups_match_torch():
    torch = pytest.importorskip("torch")
    al.manual_seed(1)
    ours = nn.Conv2d(4, 6, 3, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    theirs = torch.nn.Conv2d(4, 6, 3, stride=(2, 1), padding=1, dilation=(1, 2), groups=2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    assert repr(ours) == repr(theirs)
    x = rng.standard_normal((2, 4, 7, 8))
    np.testing.assert_allclose(ours(al.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_global_average_and_max_pooling_closed_forms():
    x = al.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
    y = nn.AdaptiveAvgPool2d(1)(x)
    np.testing.assert_allclose(y.data, x.data.mean((2, 3), keepdims=True))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full(x.shape, 1 / 20))
    np.testing.assert_allclose(nn.AdaptiveMaxPool2d((1, None))(x).data, x.data.max(2, keepdims=True))
    with pytest.raises(ValueError, match="AdaptiveAvgPool2d: output_size must be positive, got 0"):
        nn.AdaptiveAvgPool2d(0)


@pytest.mark.parametrize("name, size", [("AdaptiveAvgPool2d", (3, 2)), ("AdaptiveAvgPool2d", 4),
                                        ("AdaptiveMaxPool2d", (3, None)), ("AdaptiveMaxPool2d", 2)])
def test_adaptive_pools_match_torch(name, size):
    torch = pytest.importorskip("torch")
    data = rng.standard_normal((2, 3, 7, 5))
    x, tx = al.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = getattr(nn, name)(size)(x), getattr(torch.nn, name)(size)(tx)
    g = rng.standard_normal(ty.shape)
    y.backward(al.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's own note on its zero-padded copy
@pytest.mark.parametrize("kwargs", [{"kernel_size": 4, "padding": "same"}, {"kernel_size": 3, "padding": "same",
                                                                            "dilation": 2},
                                    {"kernel_size": (2, 3), "padding": "valid"}])
def test_conv2d_string_padding_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    al.manual_seed(2)
    ours, theirs = nn.Conv2d(2, 3, **kwargs), torch.nn.Conv2d(2, 3, **kwargs).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.data))
        theirs.bias.copy_(torch.tensor(ours.bias.data))
    assert repr(ours) == repr(theirs)
    data = rng.standard_normal((2, 2, 6, 7))
    x, tx = al.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        nn.Conv2d(2, 3, 3, stride=2, padding="same")


def test_max_pool_dilation_matches_torch():
    torch = pytest.importorskip("torch")
    data = rng.standard_normal((1, 2, 9, 9))
    ours, theirs = nn.MaxPool2d(3, 2, 1, dilation=2), torch.nn.MaxPool2d(3, 2, 1, dilation=2)
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(ours(al.tensor(data)).data, theirs(torch.tensor(data)).numpy())


@pytest.mark.parametrize("name, args", [("ZeroPad2d", (1,)), ("ZeroPad2d", ((1, 2, 0, 3),)),
                                        ("ConstantPad1d", ((2, 1), 1.5)), ("ConstantPad3d", (1, -1.0)),
                                        ("ZeroPad1d", (2,))])
def test_padding_layers(name, args):
    x = al.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    m = getattr(nn, name)(*args)
    y = m(x)
    pads = m.padding
    widths = [(0, 0)] * (4 - len(pads) // 2) + [(pads[2 * i], pads[2 * i + 1]) for i in reversed(range(len(pads) // 2))]
    np.testing.assert_array_equal(y.data, np.pad(x.data, widths, constant_values=m.value))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(x.shape))
    torch = pytest.importorskip("torch")
    assert repr(m) == repr(getattr(torch.nn, name)(*args))


def test_padding_refuses_negative_and_wrong_lengths():
    with pytest.raises(ValueError, match="ZeroPad2d: padding must be >= 0, got -1"):
        nn.ZeroPad2d(-1)
    with pytest.raises(ValueError, match="ConstantPad2d: padding must be an int or a tuple of 4 ints"):
        nn.ConstantPad2d((1, 2), 0.0)


def test_init_eye_dirac_orthogonal():
    w = nn.Parameter(np.zeros((3, 5)))
    np.testing.assert_array_equal(nn.init.eye_(w).data, np.eye(3, 5))
    conv = nn.Conv2d(2, 4, 3, groups=1)
    nn.init.dirac_(conv.weight)
    nn.init.zeros_(conv.bias)
    x = al.tensor(rng.standard_normal((1, 2, 5, 5)))
    np.testing.assert_allclose(conv(x).data[0, :2], x.data[0, :, 1:-1, 1:-1])  # identity on the first channels
    assert not conv(x).data[0, 2:].any()
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        q = nn.init.orthogonal_(nn.Parameter(np.zeros(shape)), gain=2.0).data.reshape(shape[0], -1)
        small = min(q.shape)
        gram = q @ q.T if q.shape[0] == small else q.T @ q
        np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-12)
    torch = pytest.importorskip("torch")
    tw = torch.zeros(4, 2, 3, 3)
    torch.nn.init.dirac_(tw, groups=2)
    ow = nn.Parameter(np.zeros((4, 2, 3, 3)))
    np.testing.assert_array_equal(nn.init.dirac_(ow, groups=2).data, tw.numpy())
