"""al.check: rel_error (the homework's formula), numerical_grad (one array per
input, a tuple for several), gradcheck / gradgradcheck (raise naming input and element)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.check import GradcheckError, gradcheck, gradgradcheck, numerical_grad, rel_error
from autograd_lite.engine import Function
from tests.helpers import rand


def test_rel_error_is_the_homework_formula():
    x, y = np.array([1.0, 2.0, 0.0]), np.array([1.1, 2.0, 0.0])
    assert rel_error(x, y) == pytest.approx(0.1 / 2.1)
    assert rel_error(x, x) == 0.0
    assert rel_error(0.0, 1e-9) == pytest.approx(1e-9 / 1e-8)  # the 1e-8 floor
    assert rel_error(al.tensor([1.0]), [3.0]) == pytest.approx(0.5)  # accepts Tensors and lists


def test_numerical_grad_of_one_input_is_one_array():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = numerical_grad(lambda t: (t ** 3).sum(), x)
    assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == (2, 2)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-8)


def test_numerical_grad_of_several_inputs_is_a_tuple_and_inputs_are_tensors():
    seen = []

    def f(a, b):
        seen.append((type(a), type(b)))
        return (a * b).sum()
    a, b = rand(3, seed=141), rand(3, seed=142)
    ga, gb = numerical_grad(f, a, b)
    np.testing.assert_allclose(ga, b.data, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(gb, a.data, rtol=1e-8, atol=1e-9)
    assert seen[0] == (al.Tensor, al.Tensor)
    assert a.grad is None  # the caller's tensors are not perturbed or touched
    np.testing.assert_array_equal(a.data, rand(3, seed=141).data)


def test_numerical_grad_with_grad_output_for_non_scalar_functions():
    x = rand(3, seed=143)
    dout = np.array([1.0, -2.0, 0.5])
    g = numerical_grad(lambda t: t.exp(), x, grad_output=dout)
    np.testing.assert_allclose(g, np.exp(x.data) * dout, rtol=1e-7)


def test_numerical_grad_runs_in_float64_even_for_float32_inputs():
    x = al.tensor(np.array([1.0, 2.0], np.float32))
    g = numerical_grad(lambda t: (t * t).sum(), x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [2.0, 4.0], rtol=1e-7)


def test_gradcheck_passes_for_correct_ops_with_several_inputs():
    assert gradcheck(lambda a, b: (a @ b).tanh(), (rand(2, 3, seed=144), rand(3, 2, seed=145)))
    assert gradcheck(lambda a: a.exp(), rand(3, seed=146))  # a single tensor
    assert gradcheck(lambda a: a.sin(), [np.array([0.1, 0.2])])  # plain arrays: all checked


def test_gradcheck_runs_in_float64_on_copies_of_any_input():
    x32 = al.tensor(np.array([0.3, -1.2, 2.0], np.float32), requires_grad=True)
    assert gradcheck(lambda t: t.tanh() * t, x32)  # float32 differences would be noise at eps=1e-6
    strided = al.tensor(np.arange(6.0).reshape(2, 3)).T.detach().requires_grad_()
    assert not strided.data.flags.c_contiguous
    assert gradcheck(lambda t: t ** 2, strided)
    np.testing.assert_array_equal(strided.data, np.arange(6.0).reshape(2, 3).T)
    assert strided.grad is None and x32.grad is None


def test_gradcheck_only_checks_inputs_requiring_grad():
    w = rand(3, seed=147)
    c = al.tensor([1.0, 2.0, 3.0])
    assert gradcheck(lambda w, c: w * c, (w, c))


def test_gradcheck_multiple_outputs():
    assert gradcheck(lambda a: (a.exp(), a.sum()), rand(3, seed=148))


class WrongSquare(Function):
    """x², with a deliberately wrong gradient at element 2 (3x instead of 2x)."""

    def forward(self, a):
        return a * a

    def backward(self, g):
        a = self.inputs[0]
        w = np.array([2.0, 2.0, 3.0, 2.0])
        return g * a * al.tensor(w)


def test_gradcheck_raises_naming_input_and_worst_element():
    x, y = rand(2, seed=149), al.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a.sum() + WrongSquare().apply(b), (x, y))
    msg = str(info.value)
    assert "input 1" in msg and "(4,)" in msg and "element (2,)" in msg
    assert "analytical 9" in msg and "numerical 6" in msg
    assert isinstance(info.value, AssertionError)


def test_gradcheck_can_return_false_instead_of_raising():
    y = al.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    assert gradcheck(lambda b: WrongSquare().apply(b), y, raise_exception=False) is False


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # sqrt(-eps) and 1/0 are the point here
def test_gradcheck_flags_non_finite_gradients():
    with pytest.raises(GradcheckError):
        gradcheck(lambda a: al.sqrt(a), al.tensor([0.0, 1.0], requires_grad=True))


class LinearWrongSecondOrder(Function):
    """x³ whose backward 3x²·G is built from constants: right first derivative, wrong second."""

    def forward(self, a):
        return a ** 3

    def backward(self, g):
        return g * al.tensor(3 * self.inputs[0].data ** 2)


def test_gradgradcheck_checks_second_derivatives():
    x = rand(3, seed=150)
    assert gradcheck(lambda t: LinearWrongSecondOrder().apply(t), x)
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda t: LinearWrongSecondOrder().apply(t), x)
    assert gradgradcheck(lambda t: t ** 3, x)


def test_checks_of_a_function_that_itself_calls_grad():
    def grad_norm(x):
        (g,) = al.grad((x ** 3).sum(), x, create_graph=True)
        return (g * g).sum()
    x = rand(3, seed=151)
    assert gradcheck(grad_norm, x)
    np.testing.assert_allclose(numerical_grad(grad_norm, x), 36 * x.data ** 3, rtol=1e-6)


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
import inspect  # noqa: E402

from tests.helpers import assert_signature, data, leaf  # noqa: E402


def test_rel_error_is_the_homework_formula():
    x, y = np.array([1.0, 0.0, -2.0, 0.0]), np.array([1.1, 0.0, -2.0, 1e-9])
    expected = np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))
    assert al.check.rel_error(x, y) == pytest.approx(expected)
    assert al.check.rel_error(al.tensor(x), al.tensor(x)) == 0.0


def test_numerical_grad_returns_one_array_per_input_and_passes_tensors():
    assert_signature(al.check.numerical_grad, ["f"], eps=1e-6)
    assert inspect.signature(al.check.numerical_grad).parameters["inputs"].kind is inspect.Parameter.VAR_POSITIONAL
    seen = []

    def f(u, v):
        seen.append((type(u), type(v)))
        return (u * u * v).sum()

    a, b = data(3), data(3, seed=1)
    gu, gv = al.check.numerical_grad(f, a, al.tensor(b))
    assert set(seen) == {(al.Tensor, al.Tensor)}
    np.testing.assert_allclose(gu, 2 * a * b, rtol=1e-6), np.testing.assert_allclose(gv, a * a, rtol=1e-6)
    single = al.check.numerical_grad(lambda u: (u ** 3).sum(), a, eps=1e-5)
    assert isinstance(single, np.ndarray) and single.shape == a.shape
    np.testing.assert_allclose(single, 3 * a ** 2, rtol=1e-6)


def test_gradcheck_returns_true_or_raises_naming_input_and_element():
    assert_signature(al.check.gradcheck, ["f", "inputs", "eps", "atol", "rtol"], eps=1e-6, atol=1e-5, rtol=1e-3)
    assert al.check.gradcheck(lambda u, v: (u * v).sin(), [leaf(data(3)), leaf(data(3, seed=1))]) is True

    class WrongGradient(al.Function):
        def forward(self, a):
            return a * a

        def backward(self, g):
            return g * self.inputs[0] * 3.0  # should be 2·a

    with pytest.raises(Exception, match=r"input 0.*element") as info:
        al.check.gradcheck(lambda u: WrongGradient().apply(u), [leaf([1.0, -2.0])])
    assert "analytical" in str(info.value) and "numerical" in str(info.value)


def test_gradcheck_on_a_function_returning_no_tensor_says_so():
    with pytest.raises(TypeError, match="gradcheck.*Tensor.*float"):
        al.check.gradcheck(lambda u: 3.0, [leaf([1.0])])


def test_richardson_grad_estimate_and_error_bound():
    from autograd_lite.check import richardson_grad
    x = np.array([0.3, -1.2, 2.0])
    est, err = richardson_grad(lambda v: float(np.sum(np.exp(v) * np.sin(v))), x)
    exact = np.exp(x) * (np.sin(x) + np.cos(x))
    assert np.all(np.abs(est - exact) <= err)  # the bound holds
    assert np.all(err < 1e-8 * np.abs(exact))  # and is tight: Richardson beats plain central differences
    noisy = lambda v: float(np.sum(v ** 2)) + 1e3  # a large constant: rounding noise of ~1e-13 in the loss
    est, err = richardson_grad(noisy, x, value_scale=1e3)
    assert np.all(np.abs(est - 2 * x) <= err) and np.all(err > 1e-12)
