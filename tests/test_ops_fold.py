"""F.unfold / F.fold and nn.Unfold / nn.Fold: against loops, each other, conv2d and PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite import nn
from tests.helpers import check_op, compare_with_torch, rand

rng = np.random.default_rng(5)
SETTINGS = [  # (input shape, kernel, dilation, padding, stride)
    ((2, 3, 5, 6), 2, 1, 0, 1),
    ((1, 2, 6, 5), (3, 2), (1, 2), (1, 0), (2, 1)),
    ((2, 1, 4, 4), 2, 1, 0, 2),  # tiles: no overlap
    ((1, 2, 3, 3), 3, 1, 1, 1),
]


def unfold_loops(x, kernel, dilation, padding, stride):
    """The definition: one column per window position, rows (channel, kernel row, kernel column)."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (np.broadcast_to(v, 2) for v in (kernel, dilation, padding, stride))
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], x.shape[1] * kh * kw, oh * ow))
    for c in range(x.shape[1]):
        for i in range(kh):
            for j in range(kw):
                for a in range(oh):
                    for b in range(ow):
                        out[:, (c * kh + i) * kw + j, a * ow + b] = xp[:, c, a * sh + i * dh, b * sw + j * dw]
    return out


@pytest.mark.parametrize("shape, kernel, dilation, padding, stride", SETTINGS)
def test_unfold_matches_loops(shape, kernel, dilation, padding, stride):
    x = rng.standard_normal(shape)
    out = F.unfold(al.tensor(x), kernel, dilation, padding, stride)
    np.testing.assert_allclose(out.data, unfold_loops(x, kernel, dilation, padding, stride))


@pytest.mark.parametrize("shape, kernel, dilation, padding, stride", SETTINGS)
def test_fold_is_the_transpose_of_unfold(shape, kernel, dilation, padding, stride):
    """<unfold(x), y> = <x, fold(y)> for every x and y."""
    x = rng.standard_normal(shape)
    cols = F.unfold(al.tensor(x), kernel, dilation, padding, stride)
    y = rng.standard_normal(cols.shape)
    back = F.fold(al.tensor(y), shape[2:], kernel, dilation, padding, stride)
    assert back.shape == shape
    np.testing.assert_allclose((cols.data * y).sum(), (x * back.data).sum(), rtol=1e-12)


def test_fold_of_unfold_counts_each_pixel_s_windows():
    """fold(unfold(1)) is the number of windows covering each pixel (3×3, stride 1, padding 1: 4 at corners)."""
    count = F.fold(F.unfold(al.ones(1, 1, 4, 4), 3, padding=1), 4, 3, padding=1)
    np.testing.assert_array_equal(count.data[0, 0], [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])


def test_conv2d_is_unfold_then_matmul():
    x, w = rand(2, 3, 5, 5), rand(4, 3, 3, 3, seed=1)
    cols = F.unfold(x, 3, padding=1, stride=2)  # (N, C·9, L)
    out = (w.reshape(4, -1) @ cols).reshape(2, 4, 3, 3)
    np.testing.assert_allclose(out.data, F.conv2d(x, w, padding=1, stride=2).data, atol=1e-12)


@pytest.mark.parametrize("shape, kernel, dilation, padding, stride", SETTINGS[:2])
def test_gradients_first_and_second_order(shape, kernel, dilation, padding, stride):
    x = rand(*shape)
    check_op(lambda t: F.unfold(t, kernel, dilation, padding, stride) ** 2, x)
    cols = rand(*F.unfold(x, kernel, dilation, padding, stride).shape, seed=2)
    check_op(lambda t: F.fold(t, shape[2:], kernel, dilation, padding, stride) ** 2, cols)


def test_unbatched_forms_and_float32():
    x = al.tensor(rng.standard_normal((2, 4, 4)).astype(np.float32))
    cols = F.unfold(x, 2)
    assert cols.shape == (8, 9) and cols.dtype == np.float32
    np.testing.assert_array_equal(cols.data, F.unfold(x.unsqueeze(0), 2).data[0])
    back = F.fold(cols, (4, 4), 2)
    assert back.shape == (2, 4, 4) and back.dtype == np.float32


@pytest.mark.parametrize("call, match", [
    (lambda: F.unfold(al.zeros(2, 3), 2), r"unfold: expected a 3-D .* got shape \(2, 3\)"),
    (lambda: F.unfold(al.zeros(1, 1, 3, 3), 4), r"unfold: kernel of extent \(4, 4\).*larger than the padded input"),
    (lambda: F.unfold(al.zeros(1, 1, 3, 3), 2, stride=0), r"unfold: .*must be positive"),
    (lambda: F.unfold(al.zeros(1, 1, 3, 3), (2, 2, 2)), r"unfold: kernel_size must be an int or a pair"),
    (lambda: F.fold(al.zeros(1, 5, 4), 3, 2), r"fold: input.shape\[1\] = 5 .* divisible by .* 4"),
    (lambda: F.fold(al.zeros(1, 4, 5), 3, 2), r"fold: .* make 2·2 = 4 windows, but input \(1, 4, 5\) has 5"),
    (lambda: F.fold(al.zeros(4, 4, 4, 4), 3, 2), r"fold: expected a 2-D .* got shape \(4, 4, 4, 4\)"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):  # OpError, or args' ValueError for kernel sizes and strides
        call()


def test_modules():
    unfold, fold = nn.Unfold(kernel_size=(2, 3), stride=1), nn.Fold(output_size=(4, 5), kernel_size=(2, 3))
    assert repr(unfold) == "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    assert repr(fold) == "Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    x = rand(2, 3, 4, 5)
    np.testing.assert_array_equal(fold(unfold(x)).data, F.fold(F.unfold(x, (2, 3)), (4, 5), (2, 3)).data)
    assert not list(unfold.parameters())


@pytest.mark.parametrize("shape, kernel, dilation, padding, stride", SETTINGS)
def test_matches_torch(shape, kernel, dilation, padding, stride):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    compare_with_torch(lambda t: F.unfold(t, kernel, dilation, padding, stride),
                       lambda t: torch.nn.functional.unfold(t, kernel, dilation, padding, stride), x)
    cols = rng.standard_normal(unfold_loops(x, kernel, dilation, padding, stride).shape)
    compare_with_torch(lambda t: F.fold(t, shape[2:], kernel, dilation, padding, stride),
                       lambda t: torch.nn.functional.fold(t, shape[2:], kernel, dilation, padding, stride), cols)
