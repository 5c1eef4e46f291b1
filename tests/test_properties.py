"""Property-based tests (hypothesis): for random broadcast-compatible shapes and
values, every binary op's gradient has exactly its input's shape and matches
central differences; reductions and shape ops keep gradients the input's shape."""
from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import autograd_lite as al  # noqa: E402
from autograd_lite.check import numerical_grad  # noqa: E402

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True)
two_broadcastable = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def _values(draw, shape, low=-2.0, high=2.0):
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64)))


BINARY = {
    "add": (lambda a, b: a + b, False),
    "sub": (lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, False),
    "div": (lambda a, b: a / b, True),
    "pow": (lambda a, b: a ** b, True),
    "where": (lambda a, b: al.where(a > 0.0, a, b), False),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data(), shapes=two_broadcastable)
def test_broadcast_gradients_have_input_shape_and_match_numerics(name, data, shapes):
    fn, positive = BINARY[name]
    low, high = (0.5, 2.0) if positive else (-2.0, 2.0)
    a_np = _values(data.draw, shapes.input_shapes[0], low, high)
    b_np = _values(data.draw, shapes.input_shapes[1], low, high)
    if name == "where":  # a's values decide the branch: keep finite differences off the switch
        a_np = np.where(np.abs(a_np) < 1e-3, 0.5, a_np)
    a, b = al.tensor(a_np, requires_grad=True), al.tensor(b_np, requires_grad=True)
    out = fn(a, b)
    assert out.shape == shapes.result_shape
    weight = al.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(out.shape))  # not all-ones: catches mixups
    (out * weight).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    na, nb = numerical_grad(lambda x, y: (fn(x, y) * weight).sum(), a_np, b_np)
    np.testing.assert_allclose(a.grad.data, na, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.grad.data, nb, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3))
def test_batched_matmul_gradients_have_input_shapes(data, shapes):
    k = data.draw(st.integers(1, 3))
    sa = shapes.input_shapes[0] + (data.draw(st.integers(1, 3)), k)
    sb = shapes.input_shapes[1] + (k, data.draw(st.integers(1, 3)))
    a = al.tensor(_values(data.draw, sa), requires_grad=True)
    b = al.tensor(_values(data.draw, sb), requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    na, nb = numerical_grad(lambda x, y: (x @ y).sum(), a.data, b.data)
    np.testing.assert_allclose(a.grad.data, na, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.grad.data, nb, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
       name=st.sampled_from(["sum", "mean", "logsumexp", "amax"]), keepdim=st.booleans())
def test_reduction_gradients_match_numerics(data, shape, name, keepdim):
    dims = data.draw(st.none() | st.sets(st.integers(0, len(shape) - 1), min_size=1).map(tuple))
    x_np = _values(data.draw, shape)
    if name == "amax":  # distinct values: the maximum is unique and stays so under eps
        x_np = x_np + np.arange(x_np.size).reshape(shape) * 1e-2
    fn = getattr(al, name)
    x = al.tensor(x_np, requires_grad=True)
    out = fn(x, dims, keepdim=keepdim)
    assert out.shape == np.sum(x_np, axis=dims, keepdims=keepdim).shape
    out.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_allclose(x.grad.data, numerical_grad(lambda t: fn(t, dims, keepdim=keepdim).sum(), x_np),
                               rtol=1e-5, atol=1e-6)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_expand_then_sum_to_is_the_adjoint_pair(data, shape):
    """<expand(x), y> == <x, sum_to(y)> for every broadcast target: the gradient of a broadcast is a sum."""
    target = data.draw(hnp.broadcastable_shapes(shape, min_dims=len(shape), max_dims=len(shape) + 1,
                                                max_side=3).map(lambda s: np.broadcast_shapes(s, shape)))
    x = al.tensor(_values(data.draw, shape), requires_grad=True)
    y = _values(data.draw, target)
    (x.expand(target) * al.tensor(y)).sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_allclose(x.grad.data, al.sum_to(al.tensor(y), shape).data, rtol=1e-12)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=5))
def test_fancy_index_gradient_counts_how_often_each_element_is_taken(data, shape):
    idx = data.draw(hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(-shape[0], shape[0] - 1)))
    x = al.tensor(np.zeros(shape), requires_grad=True)
    x[idx].sum().backward()
    counts = np.bincount(idx % shape[0], minlength=shape[0]).astype(float)
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(counts.reshape((-1,) + (1,) * (len(shape) - 1)), shape))
