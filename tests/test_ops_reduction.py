"""Reductions: dim/axis (int, tuple, negative, None), keepdim/keepdims, gradchecked
first and second order; max/min ties, var/std correction, logsumexp stability."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, rand

# (input shape, dim): all, one dim, a negative dim, a tuple of dims, batched 3-D
CASES = [((5,), None), ((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]
REDUCTIONS = {
    "sum": al.sum, "mean": al.mean, "amax": al.amax, "amin": al.amin,
    "var": al.var, "std": al.std, "logsumexp": al.logsumexp,
}


@pytest.mark.parametrize("keepdim", [False, True], ids=["drop", "keep"])
@pytest.mark.parametrize("shape,dim", CASES, ids=[f"{s}-dim{d}" for s, d in CASES])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_gradcheck(name, shape, dim, keepdim):
    x = rand(*shape, seed=21)  # continuous random data: no ties
    fn = REDUCTIONS[name]
    check_op(lambda t: fn(t, dim, keepdim=keepdim), x)


NUMPY = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min,
         "var": lambda a, axis, keepdims: np.var(a, axis=axis, ddof=1, keepdims=keepdims),
         "std": lambda a, axis, keepdims: np.std(a, axis=axis, ddof=1, keepdims=keepdims)}


@pytest.mark.parametrize("shape,dim", CASES, ids=[f"{s}-dim{d}" for s, d in CASES])
@pytest.mark.parametrize("name", NUMPY)
def test_values_and_the_axis_keepdims_aliases(name, shape, dim):
    x = rand(*shape, seed=22)
    fn = REDUCTIONS[name]
    for keep in (False, True):
        want = NUMPY[name](x.data, axis=dim, keepdims=keep)
        for got in (fn(x, dim, keepdim=keep), fn(x, axis=dim, keepdims=keep), fn(x, dim=dim, keepdims=keep)):
            assert got.shape == np.shape(want)
            np.testing.assert_allclose(got.data, want, rtol=1e-12)
    method = getattr(x, name)(dim=dim, keepdim=True)
    np.testing.assert_allclose(method.data, NUMPY[name](x.data, axis=dim, keepdims=True), rtol=1e-12)


def test_empty_dim_tuple_reduces_everything_like_pytorch():
    x = rand(2, 3, seed=25)
    assert al.sum(x, ()).shape == () and al.mean(x, dim=[]).item() == pytest.approx(x.data.mean())


def test_dim_and_axis_together_is_an_error():
    with pytest.raises(TypeError, match="dim or axis"):
        al.sum(rand(2, 3), 0, axis=1)


def test_out_of_range_dim_names_the_op():
    with pytest.raises(IndexError, match=r"mean: Dimension out of range \(expected to be in range of \[-2, 1\], "
                                         r"but got 2\)"):
        al.mean(rand(2, 3), 2)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_return_values_and_indices_like_pytorch(name):
    x = al.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    out = getattr(x, name)(1)
    values, indices = out
    want = (np.max if name == "max" else np.min)(x.data, axis=1)
    np.testing.assert_array_equal(values.data, want)
    np.testing.assert_array_equal(indices.data, (np.argmax if name == "max" else np.argmin)(x.data, axis=1))
    assert out.values is values and out.indices is indices and out[1] is indices  # out.max(1)[1] is the argmax
    assert indices.dtype == np.int64 and not indices.requires_grad
    kept = getattr(al, name)(x, dim=0, keepdim=True)
    assert kept.values.shape == kept.indices.shape == (1, 3)
    whole = getattr(x, name)()
    assert isinstance(whole, al.Tensor) and whole.shape == () and whole.item() == want.max() if name == "max" \
        else whole.item() == x.data.min()


def test_max_with_dim_sends_the_gradient_to_the_returned_index_at_ties():
    x = al.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    values.sum().backward()
    np.testing.assert_array_equal(indices.data, [1, 0])
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])


def test_max_with_a_tensor_is_the_elementwise_maximum_and_a_tuple_dim_is_refused():
    a, b = al.tensor([1.0, 4.0]), al.tensor([3.0, 2.0])
    np.testing.assert_array_equal(al.max(a, b).data, [3.0, 4.0])
    np.testing.assert_array_equal(al.min(a, b).data, [1.0, 2.0])
    with pytest.raises(TypeError, match="max: dim must be an int.*amax"):
        al.max(al.zeros(2, 3), (0, 1))


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_ties_share_the_gradient_evenly(name):
    x = al.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    if name == "amin":
        x = al.tensor(-x.data, requires_grad=True)
    REDUCTIONS[name](x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    getattr(al, name[1:])(x).backward()  # max() over everything: the two 3s share
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [0, 0, 0]])


def test_max_of_empty_tensor_is_a_clear_error():
    with pytest.raises(ValueError, match="max: cannot reduce an empty tensor"):
        al.max(al.zeros(0, 3))


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_correction(correction):
    x = rand(3, 5, seed=23)
    for fn, ref in ((al.var, np.var), (al.std, np.std)):
        got = fn(x, dim=1, correction=correction)
        np.testing.assert_allclose(got.data, ref(x.data, axis=1, ddof=correction), rtol=1e-12)
        check_op(lambda t: fn(t, dim=1, correction=correction), x)


def test_var_unbiased_flag_and_default():
    x = rand(6, seed=24)
    np.testing.assert_allclose(al.var(x).data, np.var(x.data, ddof=1))
    np.testing.assert_allclose(al.var(x, unbiased=False).data, np.var(x.data))
    np.testing.assert_allclose(x.std(unbiased=True).data, np.std(x.data, ddof=1))


def test_logsumexp_is_stable_for_huge_and_minus_infinite_inputs():
    x = al.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    y = al.logsumexp(x, dim=1)
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000 + np.log(2)])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((2, 2), 0.5))
    assert al.logsumexp(al.tensor([-np.inf, -np.inf])).item() == -np.inf


def test_sum_and_mean_of_a_scalar():
    x = al.tensor(3.0, requires_grad=True)
    (x.sum() + x.mean()).backward()
    assert x.grad.item() == 2.0


def test_argmax_argmin_give_indices_without_grad():
    x = al.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    np.testing.assert_array_equal(al.argmax(x, dim=1).data, [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=0).data, [0, 1, 0])
    assert al.argmax(x).item() == 3 and not al.argmax(x).requires_grad


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import compare_with_torch, data, torch_or_skip  # noqa: E402

REDUCTION_NAMES = ["sum", "mean", "amax", "amin", "var", "std", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_aliases_axis_and_keepdims(name):
    x = al.tensor(data(2, 3, 4))
    base = getattr(al, name)(x, dim=(0, 2), keepdim=True)
    for kwargs in (dict(axis=(0, 2), keepdims=True), dict(axis=(0, 2), keepdim=True), dict(dim=(0, 2), keepdims=True)):
        np.testing.assert_allclose(getattr(al, name)(x, **kwargs).data, base.data)
        np.testing.assert_allclose(getattr(x, name)(**kwargs).data, base.data)
    assert base.shape == (1, 3, 1)


def test_argmax_argmin_give_indices():
    torch = torch_or_skip()
    a = data(3, 4, 5)
    x, t = al.tensor(a), torch.tensor(a)
    for name in ("argmax", "argmin"):
        for kwargs in (dict(), dict(dim=1), dict(dim=-1, keepdim=True)):
            out = getattr(al, name)(x, **kwargs)
            assert out.dtype.kind == "i" and not out.requires_grad
            np.testing.assert_array_equal(out.data, getattr(torch, name)(t, **kwargs).numpy())
            np.testing.assert_array_equal(getattr(x, name)(**kwargs).data, out.data)


def test_var_std_default_to_n_minus_1_and_accept_correction():
    torch = torch_or_skip()
    a = data(4, 5)
    x, t = al.tensor(a), torch.tensor(a)
    np.testing.assert_allclose(al.var(x).data, a.var(ddof=1))
    np.testing.assert_allclose(x.std(dim=0).data, a.std(axis=0, ddof=1))
    for c in (0, 1, 2):
        np.testing.assert_allclose(al.var(x, dim=1, correction=c).data, torch.var(t, dim=1, correction=c).numpy())
        np.testing.assert_allclose(x.std(1, correction=c).data, torch.std(t, 1, correction=c).numpy())
    compare_with_torch(lambda u: u.var(dim=0, correction=0), lambda u: u.var(dim=0, correction=0), a)
