"""Behaviour of the math ops of issue 16.4 beyond the op table: PyTorch's dtype and sign rules for
% and //, zero-safe gradients of prod and cumprod, the strict shape rules and errors of mm/bmm/mv/dot/t,
closeness tests with NaN and inf, logical reductions, paired statistics and Tensor.norm."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, compare_with_torch, leaf


# ----- % // fmod ---------------------------------------------------------------------------------
@pytest.mark.parametrize("b", [-3, -2, 2, 3])
def test_remainder_and_floor_divide_follow_python_signs_on_ints(b):
    a = list(range(-7, 8))
    t = al.tensor(a)
    assert (t % b).tolist() == [x % b for x in a] and (t // b).tolist() == [x // b for x in a]
    assert (t % b).dtype == np.int64 and (t // b).dtype == np.int64  # ints stay ints
    assert (7 % al.tensor([b])).tolist() == [7 % b] and (7 // al.tensor([b])).tolist() == [7 // b]


def test_remainder_and_floor_divide_follow_python_on_floats_and_fmod_takes_the_dividends_sign():
    a = [-7.5, -2.25, -0.5, 0.0, 0.5, 2.25, 7.5]
    for b in (-2.0, -0.75, 0.75, 2.0):
        t = al.tensor(a)
        np.testing.assert_allclose((t % b).data, [x % b for x in a])
        np.testing.assert_allclose((t // b).data, [x // b for x in a])
        np.testing.assert_allclose(al.fmod(t, b).data, [math.fmod(x, b) for x in a])
    assert (al.tensor([1.0]) // 0.1).item() == 1.0 // 0.1 == 9.0  # Python's //, not floor(1 / 0.1) = 10


def test_division_dtypes_follow_pytorch():
    f32 = al.tensor([1.5, -2.5], dtype=np.float32)
    assert (f32 % 2).dtype == np.float32 and (f32 // 2).dtype == np.float32 and (3 % f32).dtype == np.float32
    ints = al.tensor([7, -7])
    assert (ints // 2.0).dtype.kind == "f" and (ints // 2.0).tolist() == [3.0, -4.0]
    assert al.fmod(ints, 3).tolist() == [1, -1] and al.fmod(ints, 3).dtype == np.int64
    i32 = al.tensor([7, -7], dtype=np.int32)
    assert (i32 % 3).dtype == np.int32 and (i32 // 2).dtype == np.int32 and (5 % i32).dtype == np.int32


def test_integer_division_by_zero_raises_as_pytorch_and_floats_give_inf_or_nan():
    for op in (lambda t: t // 0, lambda t: t % 0, lambda t: al.fmod(t, 0)):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(al.tensor([1, 2]))
    with np.errstate(all="ignore"):
        assert np.isnan((al.tensor([1.0]) % 0.0).item()) and (al.tensor([1.0]) // 0.0).item() == np.inf


def test_in_place_division_operators():
    t = al.tensor([7, -7])
    t %= 3
    assert t.tolist() == [1, 2]
    t //= 2
    assert t.tolist() == [0, 1] and t.dtype == np.int64


def test_remainder_gradients_are_pytorchs():
    a, b = leaf([5.5, -3.2, 2.7]), leaf([2.0, 1.5, -0.8])
    (a % b).sum().backward()
    np.testing.assert_allclose(a.grad.data, 1.0)
    np.testing.assert_allclose(b.grad.data, -np.floor(a.data / b.data))
    a.grad = b.grad = None
    al.fmod(a, b).sum().backward()
    np.testing.assert_allclose(b.grad.data, -np.trunc(a.data / b.data))
    compare_with_torch(lambda x, y: (x % y, al.fmod(x, y)), lambda x, y: (x % y, x.fmod(y)),
                       [5.5, -3.2, 2.7], [2.0, 1.5, -0.8])


def test_floor_divide_and_rounding_have_zero_gradient():
    x = leaf([-1.7, 0.4, 2.6])
    for f in (lambda t: t // 0.7, al.floor, al.ceil, al.trunc, al.round, lambda t: t.round(decimals=1)):
        (g,) = al.grad(f(x).sum(), x)
        assert np.array_equal(g.data, np.zeros(3))


def test_round_halves_to_even_and_decimals_and_ints_stay():
    assert al.round(al.tensor([0.5, 1.5, 2.5, -0.5, -2.5])).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]
    np.testing.assert_allclose(al.round(al.tensor([1.2345, -2.675]), decimals=2).data, [1.23, -2.68], atol=1e-12)
    ints = al.tensor([3, -4])
    for f in (al.round, al.floor, al.ceil, al.trunc):
        assert f(ints).dtype == np.int64 and f(ints).tolist() == [3, -4]


# ----- unary math ---------------------------------------------------------------------------------
def test_erf_gradient_is_two_over_root_pi_exp_minus_x_squared():
    x = leaf([-1.5, 0.0, 0.3, 2.0])
    (g,) = al.grad(al.erf(x).sum(), x)
    np.testing.assert_allclose(g.data, 2 / np.sqrt(np.pi) * np.exp(-x.data ** 2), rtol=1e-12)
    np.testing.assert_allclose(al.erf(x).data, [math.erf(v) for v in x.data], rtol=1e-12)
    y = al.tensor([-0.99, -0.2, 0.0, 0.7])
    np.testing.assert_allclose(al.erf(al.erfinv(y)).data, y.data, atol=1e-12)


def test_erfinv_without_scipy_matches(monkeypatch):
    import sys
    from autograd_lite.ops.elementwise import _erfinv_newton
    values = np.array([-0.999, -0.5, 0.0, 0.25, 0.9999])
    expected = al.erfinv(al.tensor(values)).data
    monkeypatch.setitem(sys.modules, "scipy.special", None)  # the fallback path: import fails
    np.testing.assert_allclose(al.erfinv(al.tensor(values)).data, expected, rtol=1e-10)
    assert np.array_equal(_erfinv_newton(np.array([1.0, -1.0])), [np.inf, -np.inf])
    assert np.isnan(_erfinv_newton(np.array([1.5]))[0])


def test_integer_inputs_of_unary_math():
    ints = al.tensor([2, -3])
    assert al.square(ints).dtype == np.int64 and al.square(ints).tolist() == [4, 9]
    assert al.reciprocal(ints).dtype == np.float64 and al.reciprocal(ints).tolist() == [0.5, -1 / 3]


@pytest.mark.parametrize("name", ["arcsin", "arccos", "arctan", "arctan2", "fix"])
def test_numpy_style_aliases_exist(name):
    assert callable(getattr(al, name)) and callable(getattr(al.Tensor, name))


# ----- prod and cumprod with zeros -----------------------------------------------------------------
@pytest.mark.parametrize("values,expected", [
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
    ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),  # one zero: only it gets a gradient, the product of the others
    ([0.0, 3.0, 0.0], [0.0, 0.0, 0.0]),  # two zeros: every product of the others holds a zero
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
])
def test_prod_gradient_with_zeros(values, expected):
    x = leaf(values)
    (g,) = al.grad(al.prod(x), x)
    assert np.array_equal(g.data, expected)
    check_op(lambda t: t.prod(), leaf(values))  # second derivatives too (polynomial: exact differences)


def test_prod_along_a_dim_with_zeros_matches_torch_to_second_order():
    rows = np.array([[2.0, 0.0, -1.5, 0.7], [0.0, 1.2, 0.0, -0.8], [0.5, 1.5, -2.0, 1.1]])
    check_op(lambda t: t.prod(1), leaf(rows))
    check_op(lambda t: t.prod(0, keepdim=True), leaf(rows))
    compare_with_torch(lambda t: t.prod(1), lambda t: t.prod(1), rows)


def test_cumprod_gradient_with_zeros():
    x = leaf([2.0, 0.0, 4.0, 3.0])
    (g,) = al.grad(al.cumprod(x, 0).sum(), x)
    # ∂/∂x_k Σ_i Π_{j≤i} x_j = Σ_{i≥k} Π_{j≤i, j≠k} x_j
    assert np.array_equal(g.data, [1.0, 2.0 + 8.0 + 24.0, 0.0, 0.0])
    check_op(lambda t: t.cumprod(1), leaf(np.array([[0.0, 1.5, 0.0], [1.2, -0.7, 0.0]])))


def test_prod_cumsum_cumprod_dtypes_and_errors():
    assert al.tensor([[1, 2], [3, 4]]).prod(1).dtype == np.int64 and al.tensor([True, True]).prod().dtype == np.int64
    assert al.cumsum(al.tensor([1, 2], dtype=np.int32), 0).dtype == np.int64
    assert al.cumsum(al.ones(3, dtype=np.float32), 0).dtype == np.float32
    assert al.prod(al.tensor([1, 2]), dtype=al.float64).dtype == np.float64
    with pytest.raises(IndexError, match="Dimension out of range"):
        al.cumsum(al.ones(2, 3), 2)
    with pytest.raises(TypeError):
        al.cumsum(al.ones(3))  # dim is required, as in PyTorch


# ----- strict products -------------------------------------------------------------------------
@pytest.mark.parametrize("call,match", [
    (lambda: al.mm(al.ones(3), al.ones(3, 2)), "must be matrices"),
    (lambda: al.mm(al.ones(2, 3), al.ones(2, 2)), r"cannot be multiplied \(2x3 and 2x2\)"),
    (lambda: al.mm(al.ones(2, 2, 3), al.ones(3, 2)), "must be matrices"),
    (lambda: al.bmm(al.ones(2, 3), al.ones(3, 2)), "3-D"),
    (lambda: al.bmm(al.ones(2, 2, 3), al.ones(3, 3, 2)), r"\[2, 3\] but got: \[3, 3\]"),
    (lambda: al.mv(al.ones(3), al.ones(3)), "a matrix and a vector"),
    (lambda: al.mv(al.ones(2, 3), al.ones(2)), "size mismatch"),
    (lambda: al.dot(al.ones(2, 3), al.ones(2, 3)), "1D tensors expected, but got 2D and 2D"),
    (lambda: al.dot(al.ones(3), al.ones(2)), "inconsistent tensor size"),
    (lambda: al.mm(al.ones(2, 3, dtype=np.float32), al.ones(3, 2)), "same dtype"),
    (lambda: al.dot(al.ones(3), al.ones(3, dtype=np.float32)), "same dtype"),
    (lambda: al.ones(2, 3, 4).t(), r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
])
def test_strict_products_refuse_what_pytorch_refuses(call, match):
    with pytest.raises(RuntimeError, match=match) as info:
        call()
    assert isinstance(info.value, ValueError)  # the library's OpError too


def test_strict_products_and_t_agree_with_matmul():
    a, b = al.randn(2, 3), al.randn(3, 4)
    assert np.allclose(al.mm(a, b).data, (a @ b).data) and np.allclose(a.mv(b[:, 0]).data, (a @ b[:, 0]).data)
    assert al.dot(b[0], b[1]).shape == () and np.isclose(al.dot(b[0], b[1]).item(), np.dot(b.data[0], b.data[1]))
    assert a.t().shape == (3, 2) and a[0].t().shape == (3,)
    assert al.t(al.tensor(2.0)).shape == ()


# ----- cdist ------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, math.inf])
def test_cdist_matches_brute_force(p):
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 3))
    d = al.cdist(al.tensor(x1), al.tensor(x2), p=p).data
    diff = np.abs(x1[:, :, None, :] - x2[:, None, :, :])
    want = {0.0: (diff != 0).sum(-1), math.inf: diff.max(-1)}.get(p, None)
    want = (diff ** p).sum(-1) ** (1 / p) if want is None else want
    np.testing.assert_allclose(d, want, rtol=1e-12)


def test_cdist_gradient_is_zero_at_zero_distance_and_errors():
    x = leaf([[0.0, 1.0], [2.0, 3.0]])
    (g,) = al.grad(al.cdist(x, x.detach()).sum(), x)
    assert np.all(np.isfinite(g.data))
    with pytest.raises(RuntimeError, match="same M"):
        al.cdist(al.ones(3, 2), al.ones(3, 4))
    with pytest.raises(RuntimeError, match=">= 0"):
        al.cdist(al.ones(3, 2), al.ones(3, 2), p=-1.0)


# ----- closeness ---------------------------------------------------------------------------------
def test_isclose_nan_and_inf_handling():
    a = al.tensor([np.nan, np.inf, -np.inf, np.inf, 1.0, 1.0])
    b = al.tensor([np.nan, np.inf, -np.inf, -np.inf, 1.0 + 1e-6, 1.1])
    assert al.isclose(a, b).tolist() == [False, True, True, False, True, False]
    assert al.isclose(a, b, equal_nan=True).tolist() == [True, True, True, False, True, False]
    assert al.isclose(a, b).dtype == bool and not al.isclose(a, b).requires_grad
    assert al.isclose(al.tensor([1.0]), al.tensor([1.05]), rtol=0.0, atol=0.1).tolist() == [True]


def test_allclose_and_equal_return_python_bools():
    x = al.tensor([1.0, np.nan])
    assert al.allclose(x, x) is False and al.allclose(x, x, equal_nan=True) is True
    assert x.allclose(x * 1.0, equal_nan=True) is True
    assert al.equal(al.ones(2), al.ones(2)) is True and al.equal(al.ones(2), al.ones(3)) is False
    assert al.equal(x, x) is False  # NaN is never equal
    with pytest.raises(RuntimeError, match="do not broadcast"):
        al.allclose(al.ones(2), al.ones(3))
    with pytest.raises(RuntimeError, match="dtypes differ"):
        al.isclose(al.ones(2), al.ones(2, dtype=np.float32))


def test_closeness_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([np.nan, np.inf, 1.0, 1.0, 0.0, -1e-9])
    b = np.array([np.nan, np.inf, 1.0 + 2e-5, 1.0 + 1e-5, 1e-8, 0.0])
    for kw in ({}, {"equal_nan": True}, {"rtol": 1e-3, "atol": 0.0}):
        assert al.isclose(al.tensor(a), al.tensor(b), **kw).tolist() == torch.isclose(
            torch.tensor(a), torch.tensor(b), **kw).tolist()
        assert al.allclose(al.tensor(a[2:]), al.tensor(b[2:]), **kw) == torch.allclose(
            torch.tensor(a[2:]), torch.tensor(b[2:]), **kw)


# ----- logical reductions, paired statistics, Tensor.norm ---------------------------------------
def test_all_and_any():
    x = al.tensor([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.all().item() is False and x.any().item() is True and x.all().dtype == bool
    assert x.all(1).tolist() == [False, True] and x.any(0, keepdim=True).shape == (1, 3)
    assert al.all(x, dim=(0, 1)).shape == () and al.any(x == 0, -1).tolist() == [True, False]
    assert al.tensor([]).all().item() is True and al.tensor([]).any().item() is False


def test_var_mean_and_std_mean_are_plain_tuples_with_pytorchs_correction():
    x = al.tensor(np.arange(12.0).reshape(3, 4))
    out = al.var_mean(x, 1)
    assert type(out) is tuple and len(out) == 2
    np.testing.assert_allclose(out[0].data, np.var(x.data, 1, ddof=1))
    np.testing.assert_allclose(out[1].data, x.data.mean(1))
    v, m = al.var_mean(x, 0, unbiased=False, keepdim=True)
    assert v.shape == m.shape == (1, 4) and np.allclose(v.data, np.var(x.data, 0, keepdims=True))
    s, _ = al.std_mean(x, correction=2)
    np.testing.assert_allclose(s.item(), np.std(x.data, ddof=2))
    compare_with_torch(lambda t: al.std_mean(t, 1), lambda t: __import__("torch").std_mean(t, 1),
                       np.random.default_rng(2).standard_normal((3, 4)))


def test_tensor_norm_follows_torch_norm():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4))
    x = al.tensor(a)
    assert np.isclose(x.norm().item(), np.linalg.norm(a))
    np.testing.assert_allclose(x.norm(1, 1).data, np.abs(a).sum(1))
    np.testing.assert_allclose(x.norm(math.inf, 0, keepdim=True).data, np.abs(a).max(0, keepdims=True))
    assert np.isclose(x.norm(p="nuc").item(), np.linalg.norm(a, "nuc"))
    assert np.isclose(x.norm(p="fro", dim=(0, 1)).item(), np.linalg.norm(a))
    with pytest.raises(ValueError, match="unknown p"):
        x.norm(p="max")
