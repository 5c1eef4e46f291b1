"""Shape ops: values against NumPy, gradients by first- and second-order gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, rand

# name -> (function of one tensor, input shape, NumPy reference)
UNARY_CASES = {
    "reshape": (lambda t: t.reshape(3, 4), (2, 6), lambda a: a.reshape(3, 4)),
    "reshape_infer": (lambda t: al.reshape(t, (-1, 2)), (2, 3, 2), lambda a: a.reshape(-1, 2)),
    "view": (lambda t: t.view(6, 2), (3, 4), lambda a: a.reshape(6, 2)),
    "transpose": (lambda t: al.transpose(t, 0, 2), (2, 3, 4), lambda a: a.swapaxes(0, 2)),
    "transpose_neg": (lambda t: t.transpose(-1, -2), (2, 3, 4), lambda a: a.swapaxes(-1, -2)),
    "T": (lambda t: t.T, (3, 4), lambda a: a.T),
    "mT": (lambda t: t.mT, (2, 3, 4), lambda a: a.swapaxes(-1, -2)),
    "permute": (lambda t: al.permute(t, (2, 0, 1)), (2, 3, 4), lambda a: a.transpose(2, 0, 1)),
    "permute_varargs": (lambda t: t.permute(1, 0), (3, 4), lambda a: a.T),
    "flatten": (al.flatten, (2, 3, 4), lambda a: a.reshape(-1)),
    "flatten_range": (lambda t: al.flatten(t, 1), (2, 3, 4), lambda a: a.reshape(2, 12)),
    "flatten_mid": (lambda t: t.flatten(0, 1), (2, 3, 4), lambda a: a.reshape(6, 4)),
    "squeeze": (al.squeeze, (1, 3, 1, 2), lambda a: a.squeeze()),
    "squeeze_dim": (lambda t: al.squeeze(t, 2), (1, 3, 1, 2), lambda a: a.squeeze(2)),
    "squeeze_non_one": (lambda t: al.squeeze(t, 1), (1, 3, 1, 2), lambda a: a),
    "unsqueeze": (lambda t: al.unsqueeze(t, 1), (3, 4), lambda a: a[:, None]),
    "unsqueeze_neg": (lambda t: t.unsqueeze(-1), (3, 4), lambda a: a[..., None]),
    "expand": (lambda t: al.expand(t, (2, 3, 4)), (3, 1), lambda a: np.broadcast_to(a, (2, 3, 4))),
    "expand_minus_one": (lambda t: t.expand(2, -1, 4), (3, 1), lambda a: np.broadcast_to(a, (2, 3, 4))),
    "broadcast_to": (lambda t: al.broadcast_to(t, (4, 3)), (3,), lambda a: np.broadcast_to(a, (4, 3))),
    "flip": (lambda t: al.flip(t, 0), (3, 4), lambda a: a[::-1]),
    "flip_dims": (lambda t: t.flip((0, -1)), (2, 3, 4), lambda a: a[::-1, :, ::-1]),
    "pad_last": (lambda t: al.pad(t, (1, 2)), (2, 3), lambda a: np.pad(a, ((0, 0), (1, 2)))),
    "pad_two_dims": (lambda t: al.pad(t, (1, 0, 0, 2)), (2, 3), lambda a: np.pad(a, ((0, 2), (1, 0)))),
    "pad_value": (lambda t: al.pad(t, (1, 1), value=-7.0), (2, 2), lambda a: np.pad(a, ((0, 0), (1, 1)), constant_values=-7)),
    "pad_negative": (lambda t: al.pad(t, (-1, 2)), (2, 4), lambda a: np.pad(a[:, 1:], ((0, 0), (0, 2)))),
    "pad_crop_both": (lambda t: al.pad(t, (-1, -1, 1, -1)), (3, 4), lambda a: np.pad(a[:-1, 1:-1], ((1, 0), (0, 0)))),
    "pad_batched": (lambda t: al.pad(t, (1, 1, 2, 0)), (2, 1, 2, 2), lambda a: np.pad(a, ((0, 0), (0, 0), (2, 0), (1, 1)))),
    "movedim": (lambda t: al.movedim(t, 0, -1), (2, 3, 4), lambda a: np.moveaxis(a, 0, -1)),
}


@pytest.mark.parametrize("name", UNARY_CASES)
def test_shape_op_values_and_gradients(name):
    fn, shape, ref = UNARY_CASES[name]
    x = rand(*shape, seed=31)
    out = fn(x)
    assert out.shape == ref(x.data).shape
    np.testing.assert_array_equal(out.data, ref(x.data))
    check_op(fn, x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_values_and_gradients(dim):
    shapes = [[2, 3, 2], [2, 3, 2], [2, 3, 2]]
    for s, n in zip(shapes, (1, 2, 3)):
        s[dim] = n
    xs = [rand(*s, seed=32 + i) for i, s in enumerate(shapes)]
    out = al.cat(xs, dim)
    np.testing.assert_array_equal(out.data, np.concatenate([x.data for x in xs], dim))
    check_op(lambda *ts: al.cat(ts, dim=dim), *xs)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_values_and_gradients(dim):
    xs = [rand(2, 3, seed=35 + i) for i in range(3)]
    np.testing.assert_array_equal(al.stack(xs, dim).data, np.stack([x.data for x in xs], dim))
    check_op(lambda *ts: al.stack(ts, dim), *xs)


def test_cat_with_a_constant_gives_grad_only_to_the_variable():
    x = rand(2, 2, seed=38)
    c = al.ones(1, 2)
    al.cat([x, c]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 2)))
    assert c.grad is None


@pytest.mark.parametrize("sizes,dim", [(2, 0), ([1, 4], 0), ([3, 1, 1], 1), (3, -1)], ids=str)
def test_split_takes_sizes_not_split_points(sizes, dim):
    x = rand(5, 5, seed=39)
    parts = al.split(x, sizes, dim)
    want = [2, 2, 1] if isinstance(sizes, int) and sizes == 2 else ([3, 2] if sizes == 3 else sizes)
    assert [p.shape[dim] for p in parts] == want
    np.testing.assert_array_equal(al.cat(parts, dim).data, x.data)
    check_op(lambda t: al.cat([p * (i + 1) for i, p in enumerate(al.split(t, sizes, dim))], dim), x)


def test_split_sizes_must_add_up():
    with pytest.raises(ValueError, match=r"split: sizes \[2, 2\] sum to 4, but dim 0 has size 5"):
        al.split(rand(5), [2, 2])


def test_chunk():
    parts = rand(7, seed=40).chunk(3)
    assert [p.shape for p in parts] == [(3,), (3,), (1,)]


def test_unused_split_part_gets_zero_gradient():
    x = rand(4, seed=41)
    a, _ = x.split(2)
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1, 1, 0, 0])


def test_expand_gradient_sums_over_broadcast_dims():
    x = rand(3, 1, seed=42)
    x.expand(2, 3, 4).sum().backward()
    assert x.grad.shape == (3, 1)
    np.testing.assert_array_equal(x.grad.data, np.full((3, 1), 8.0))


@pytest.mark.parametrize("call,message", [
    (lambda: rand(2, 3).reshape(4, 2), r"reshape: cannot reshape a tensor of shape \(2, 3\)"),
    (lambda: rand(2, 3).expand(4, 3, 2), r"expand: cannot broadcast shape \(2, 3\) to \(4, 3, 2\)"),
    (lambda: al.cat([rand(2, 3), rand(3, 2)]), r"cat: shapes \[\(2, 3\), \(3, 2\)\] differ outside dim 0"),
    (lambda: al.stack([rand(2), rand(3)]), r"stack: all tensors must have the same shape"),
    (lambda: al.permute(rand(2, 3), (0, 0)), r"permute: dims \(0, 0\) are not a permutation"),
    (lambda: al.pad(rand(2), (1, 1, 1, 1)), r"pad: padding \(1, 1, 1, 1\)"),
    (lambda: al.transpose(rand(2, 3), 0, 2), r"transpose: Dimension out of range \(expected to be in range of "
                                             r"\[-2, 1\], but got 2\)"),
], ids=["reshape", "expand", "cat", "stack", "permute", "pad", "transpose"])
def test_shape_errors_name_the_op_and_shapes(call, message):
    with pytest.raises((ValueError, IndexError), match=message):  # IndexError for a dim, as in PyTorch
        call()


def test_reshape_to_same_shape_and_identity_permute_are_free():
    x = rand(2, 3, seed=43)
    assert x.reshape(2, 3) is x and x.permute(0, 1) is x


def test_sum_to_size_is_the_adjoint_of_expand():
    x = rand(3, 4, seed=321)
    np.testing.assert_allclose(x.sum_to_size(1, 4).data, x.data.sum(0, keepdims=True))
    np.testing.assert_allclose(x.sum_to_size((3, 1)).data, x.data.sum(1, keepdims=True))
    check_op(lambda t: t.sum_to_size(4), rand(2, 3, 4, seed=322))


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import compare_with_torch, data, torch_or_skip  # noqa: E402


def test_expand_takes_a_shape_and_minus_one_keeps_a_size():
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.expand(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4), data(3, 1))
    compare_with_torch(lambda x: x.expand(2, -1, 4), lambda x: x.expand(2, -1, 4), data(3, 1))
    compare_with_torch(lambda x: al.broadcast_to(x, (5, 3)), lambda x: torch.broadcast_to(x, (5, 3)), data(3))


@pytest.mark.parametrize("pad", [(1, 2), (1, 0, 0, 2), (0, 1, 2, 0, 1, 1)], ids=str)
def test_pad_is_flat_last_dimension_first_like_F_pad(pad):
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.pad(x, pad), lambda x: torch.nn.functional.pad(x, pad), data(2, 3, 4))
    assert al.pad(al.ones(2, 3), (1, 0, 0, 2)).shape == (4, 4)


@pytest.mark.parametrize("sizes", [2, [1, 4], [3, 0, 2]], ids=str)
def test_split_takes_sizes_not_split_points(sizes):
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.split(x, sizes, 1), lambda x: torch.split(x, sizes, 1), data(2, 5))
    assert tuple(p.shape[1] for p in al.split(al.ones(2, 5), [1, 4], dim=1)) == (1, 4)


def test_transpose_swaps_dim0_and_dim1():
    torch = torch_or_skip()
    compare_with_torch(lambda x: al.transpose(x, 0, 2), lambda x: torch.transpose(x, 0, 2), data(2, 3, 4))
    compare_with_torch(lambda x: x.transpose(-1, 1), lambda x: x.transpose(-1, 1), data(2, 3, 4))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 5), (20, 16), (200, 10), (200, 100), (4096, 3), (4097, 3)])
def test_sum_to_shape_bias_path_matches_the_general_reduction_bit_for_bit(shape, dtype):
    # the 2-D bias case is checked before the general path; both must give the ones-vector product's bits
    from autograd_lite.ops.shape import sum_rows, sum_to_shape
    a = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    got = sum_to_shape(a, (shape[1],))
    expected = np.ones(shape[0], dtype) @ a if shape[0] <= 4096 else np.add.reduce(a, axis=0)
    assert got.dtype == dtype and got.shape == (shape[1],)
    assert np.array_equal(got, expected)
    assert np.array_equal(sum_to_shape(a, (1, shape[1])), expected[None])  # the general path, same values
    strided = np.asfortranarray(a)  # not C-contiguous: sum_rows keeps the @ product
    assert np.array_equal(sum_rows(strided), np.ones(shape[0], dtype) @ strided)
