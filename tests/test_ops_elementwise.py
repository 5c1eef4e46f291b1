"""Elementwise ops and operators: gradchecked (first and second order) in float64
over plain, broadcast and batched shapes; each op/shape pair is its own test id."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, rand

# (a's shape, b's shape): same shape, scalar, broadcasting both ways, batched
BINARY_SHAPES = [((3,), (3,)), ((2, 3), ()), ((2, 3), (3,)), ((4, 1), (1, 3)), ((2, 1, 3), (4, 1))]
UNARY_SHAPES = [(), (5,), (2, 3), (2, 3, 2)]


def _away_from(x: al.Tensor, points: list[float], gap: float = 0.1) -> al.Tensor:
    """Nudge values off kinks (|x|, relu, clamp) so finite differences are well defined."""
    data = x.data.copy()
    for p in points:
        near = np.abs(data - p) < gap
        data[near] = p + np.where(data[near] >= p, gap, -gap)
    return al.tensor(data, requires_grad=True)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "maximum": al.maximum,
    "minimum": al.minimum,
    "fn_add": al.add,
    "fn_sub": al.sub,
    "fn_mul": al.mul,
    "fn_div": al.div,
    "fn_pow": al.pow,
}


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_gradcheck(name, shapes):
    positive = name in ("div", "pow", "fn_div", "fn_pow")
    a, b = rand(*shapes[0], seed=1, positive=positive), rand(*shapes[1], seed=2, positive=positive)
    if name in ("maximum", "minimum"):  # a on a 0.1-grid + 0.05, b on the grid: never within eps of a tie
        a = al.tensor(np.round(a.data, 1) + 0.05, requires_grad=True)
        b = al.tensor(np.round(b.data, 1), requires_grad=True)
    check_op(BINARY[name], a, b)


UNARY = {
    "neg": (lambda a: -a, False),
    "exp": (al.exp, False),
    "log": (al.log, True),
    "sqrt": (al.sqrt, True),
    "abs": (al.abs, False),
    "sin": (al.sin, False),
    "cos": (al.cos, False),
    "tanh": (al.tanh, False),
    "sigmoid": (al.sigmoid, False),
    "relu": (al.relu, False),
    "clamp": (lambda a: al.clamp(a, -0.5, 0.7), False),
    "clamp_min": (lambda a: a.clamp(min=0.2), False),
    "clamp_max": (lambda a: a.clamp(max=0.2), False),
    "pow_scalar_3": (lambda a: a ** 3, False),
    "pow_scalar_2": (lambda a: a ** 2, False),
    "pow_scalar_half": (lambda a: a ** 0.5, True),
    "pow_scalar_neg": (lambda a: a ** -1.5, True),
    "rpow": (lambda a: 2.0 ** a, False),
    "radd": (lambda a: 1.5 + a, False),
    "rsub": (lambda a: 1.5 - a, False),
    "rmul": (lambda a: 1.5 * a, False),
    "rdiv": (lambda a: 1.5 / a, True),
    "div_scalar": (lambda a: a / 4.0, False),
    "sub_scalar": (lambda a: a - 4.0, False),
    "square_self": (lambda a: a * a, False),
}
KINKS = {"abs": [0.0], "relu": [0.0], "clamp": [-0.5, 0.7], "clamp_min": [0.2], "clamp_max": [0.2]}


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary_gradcheck(name, shape):
    fn, positive = UNARY[name]
    x = _away_from(rand(*shape, seed=3, positive=positive), KINKS.get(name, []))
    check_op(fn, x)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((4, 1), (1, 3), (4, 3))], ids=str)
def test_where_gradcheck(shapes):
    cond = rand(*shapes[0], seed=4, requires_grad=False).data > 0
    a, b = rand(*shapes[1], seed=5), rand(*shapes[2], seed=6)
    check_op(lambda a, b: al.where(al.tensor(cond), a, b), a, b)


@pytest.mark.parametrize("bounds", ["both", "min", "max"])
def test_clamp_with_tensor_bounds_gradcheck(bounds):
    x = al.tensor(np.round(rand(2, 3, seed=7).data, 1) + 0.05, requires_grad=True)  # off the 0.1 grid
    lo, hi = al.tensor(np.array([-0.5, 0.0, 0.3]), requires_grad=True), al.tensor([0.6], requires_grad=True)
    fns = {"both": lambda x, lo, hi: al.clamp(x, lo, hi), "min": lambda x, lo, hi: x.clamp(min=lo) * hi,
           "max": lambda x, lo, hi: al.clamp(x, max=hi) * lo}
    check_op(fns[bounds], x, lo, hi)


def test_where_values_and_scalar_branches():
    x = al.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = al.where(x > 0, x, 0.0)
    np.testing.assert_array_equal(y.data, [0.0, 2.0, 0.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_pow_with_zero_base_has_finite_exponent_gradient():
    a = al.tensor([0.0, 2.0], requires_grad=True)
    b = al.tensor([2.0, 3.0], requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad.data, [0.0, 8.0 * np.log(2.0)])
    np.testing.assert_allclose(a.grad.data, [0.0, 12.0])


@pytest.mark.parametrize("fn", [al.maximum, al.minimum], ids=["maximum", "minimum"])
def test_maximum_minimum_ties_split_evenly(fn):
    a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = al.tensor([1.0, 0.0, 5.0], requires_grad=True)
    fn(a, b).sum().backward()
    win_a = [0.5, 1.0, 0.0] if fn is al.maximum else [0.5, 0.0, 1.0]
    np.testing.assert_array_equal(a.grad.data, win_a)
    np.testing.assert_array_equal(b.grad.data, 1 - np.array(win_a))


def test_kinks_use_pytorch_subgradients():
    x = al.tensor([0.0, 0.0, 1.0], requires_grad=True)
    (al.relu(x) + al.abs(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 2.0])  # relu'(0) = 0, sign(0) = 0
    x = al.tensor([-1.0, 1.0], requires_grad=True)
    al.clamp(x, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])  # bounds included, as in PyTorch


def test_sigmoid_is_stable_for_large_inputs():
    x = al.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    y = al.sigmoid(x)
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 1.0])
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_give_bool_tensors_without_grad(op):
    a = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = al.tensor([2.0, 2.0, 2.0], requires_grad=True)
    for other in (b, 2.0, np.full(3, 2.0)):
        out = getattr(a, op)(other)
        assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out.data, getattr(a.data, op)(np.asarray(getattr(other, "data", other))))


def test_operators_match_numpy_values():
    x, y = rand(2, 3, seed=8), rand(3, seed=9, positive=True)
    for got, want in [(x + y, x.data + y.data), (x - y, x.data - y.data), (x * y, x.data * y.data),
                      (x / y, x.data / y.data), (y ** 2.5, y.data ** 2.5), (-x, -x.data),
                      (x.data + y, x.data + y.data), (3 - x, 3 - x.data), (2 / y, 2 / y.data)]:
        assert isinstance(got, al.Tensor)
        np.testing.assert_allclose(got.data, want, rtol=1e-12)


def test_ndarray_on_the_left_defers_to_tensor():
    x = rand(3, seed=10)
    out = np.ones(3) * x
    assert isinstance(out, al.Tensor) and out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(3))


def test_same_tensor_used_twice_accumulates():
    x = rand(4, seed=11)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 1)


def test_clone_is_a_differentiable_copy():
    x = rand(3, seed=12)
    y = x.clone()
    assert y.data is not x.data and y.grad_fn is not None
    check_op(al.clone, x)


def test_astype_between_floats_is_differentiable():
    x = rand(3, seed=13)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_scalar_constants_cache_is_bounded_and_keeps_signed_zero_and_nan():
    from autograd_lite.ops import elementwise as ew
    x = al.tensor(np.array([-0.0, 1.0, 2.0]), requires_grad=True)
    for i in range(3 * ew._CONSTANTS_MAX):  # a constant per op, as a wide tree of scalings has
        c = 1.0 + i / 7
        np.testing.assert_array_equal((x * c + c).data, x.data * c + c)
        assert len(ew._CONSTANTS) <= ew._CONSTANTS_MAX
    assert np.signbit((x + -0.0).data[0]) and not np.signbit((x + 0.0).data[0])  # −0.0 + −0.0 is −0.0
    assert np.signbit((x * -0.0).data[1]) and np.isnan((x * float("nan")).data).all()
    assert all(not k.flags.writeable for k in ew._CONSTANTS.values())
