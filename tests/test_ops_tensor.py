"""The Tensor class as API.md states it: construction and dtype rules, attributes, methods,
operators, gradients flowing to broadcast inputs."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import assert_signature, compare_with_torch, data, leaf


def test_tensor_and_Tensor_signatures():
    for ctor in (al.tensor, al.Tensor.__init__):
        assert_signature(ctor, ["data", "requires_grad", "dtype", "name"], requires_grad=False, dtype=None,
                         name=None)
    t = al.Tensor([1.0, 2.0], True, None, "w")
    assert t.requires_grad and t.name == "w" and isinstance(al.tensor(1.0), al.Tensor)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_numpy_array_keeps_its_dtype(dtype):
    assert al.tensor(np.zeros(3, dtype)).dtype == dtype
    assert al.tensor(al.tensor(np.zeros(3, dtype))).dtype == dtype  # a Tensor too


@pytest.mark.parametrize("value,dtype", [(3, np.int64), (2.5, np.float64), ([1, 2], np.int64),
                                         ([[1.0, 2.0], [3.0, 4.0]], np.float64), ((1, 2.5), np.float64),
                                         (True, np.bool_), ([True, False], np.bool_)], ids=repr)
def test_python_data_gets_pytorchs_dtypes(value, dtype):
    assert al.tensor(value).dtype == dtype  # ints int64, bools bool, floats (or a mix) the default


@pytest.mark.parametrize("spelling", [np.float32, "float32", np.dtype("float32")], ids=str)
def test_set_default_dtype_accepts_numpy_dtypes_and_names(spelling, restore_default_dtype):
    al.set_default_dtype(spelling)
    assert al.tensor([1.0, 2]).dtype == np.float32 and al.tensor([1, 2]).dtype == np.int64
    assert al.zeros(2).dtype == al.ones(2).dtype == al.randn(2).dtype == np.float32
    assert al.tensor(np.zeros(2)).dtype == np.float64  # NumPy data still keeps its dtype
    al.set_default_dtype("float64")
    assert al.tensor(1.0).dtype == np.float64


def test_set_default_dtype_refuses_non_float(restore_default_dtype):
    with pytest.raises(TypeError, match="float"):
        al.set_default_dtype(np.int64)
    assert al.tensor(1.0).dtype == np.float64


def test_explicit_dtype_wins():
    assert al.tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert al.tensor(np.zeros(2), dtype="float32").dtype == np.float32


@pytest.mark.parametrize("data_", [np.arange(3), np.array([True, False])], ids=["int", "bool"])
def test_integer_and_bool_tensors_never_require_grad(data_):
    with pytest.raises(TypeError, match="floating.*gradient of an integer or bool tensor is meaningless"):
        al.tensor(data_, requires_grad=True)
    t = al.tensor(data_)
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad_()
    assert not t.requires_grad


def test_python_numbers_keep_a_float32_tensor_float32():
    assert (al.tensor(np.ones(2, np.float32)) * 2.5 + 1).dtype == np.float32


def test_tensor_attributes():
    t = al.tensor(data(2, 3), requires_grad=True, name="x")
    assert isinstance(t.data, np.ndarray) and t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64
    assert t.T.shape == (3, 2) and np.array_equal(t.T.data, t.data.T)
    assert al.ones(2, 3, 4).T.shape == (4, 3, 2)
    assert t.grad is None and t.requires_grad and t.is_leaf and t.grad_fn is None and t.name == "x"
    y = t * 2.0
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    y.sum().backward()
    assert isinstance(t.grad, al.Tensor) and np.array_equal(t.grad.data, np.full((2, 3), 2.0))


def test_numpy_shares_the_data_and_refuses_a_tensor_requiring_grad_like_torch():
    t = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad\. "
                                           r"Use tensor\.detach\(\)\.numpy\(\) instead\."):
        t.numpy()
    assert t.detach().numpy() is t.data
    forced = t.numpy(force=True)
    forced[0] = 5.0  # force=True: a copy
    assert t.data[0] == 1.0
    assert isinstance(np.asarray(t), np.ndarray) and np.array_equal(np.asarray(t), [1.0, 2.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_item_detach_numel():
    t = al.tensor([[2.5]], requires_grad=True)
    assert t.item() == 2.5 and isinstance(t.item(), float)
    assert al.ones(2, 3).numel() == 6 and al.tensor(1.0).numel() == 1
    d = t.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.data, t.data)


def test_backward_signature_and_gradient_argument():
    assert_signature(al.Tensor.backward, ["gradient", "retain_graph", "create_graph"], gradient=None,
                     create_graph=False)
    assert inspect.signature(al.Tensor.backward).parameters["retain_graph"].default in (False, None)
    x = leaf(data(3))
    (x * x).backward(al.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(x.grad.data, 2 * x.data * [1.0, 0.0, 2.0])


def test_retain_graph_and_create_graph():
    x = leaf(data(3))
    y = (x ** 3).sum()
    y.backward(retain_graph=True)
    y.backward()  # second pass through the retained graph accumulates
    np.testing.assert_allclose(x.grad.data, 2 * 3 * x.data ** 2)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    x.grad = None
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_requires_grad_retain_grad_register_hook():
    t = al.tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    assert not t.requires_grad_(False).requires_grad
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.data.copy()) or g * 10.0)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    np.testing.assert_allclose(seen[0], 6 * h.data)
    np.testing.assert_allclose(x.grad.data, 60 * h.data)  # the hook's return value replaced the gradient
    handle.remove()


def test_operators_against_torch():
    compare_with_torch(lambda a, b, c: (a + b * c - b / (c * c + 1.0)) ** 2 @ (-c.T) @ c + 2.0 ** a,
                       lambda a, b, c: (a + b * c - b / (c * c + 1.0)) ** 2 @ (-c.T) @ c + 2.0 ** a,
                       data(3, 4), data(4), data(3, 4, seed=1))


def test_broadcast_input_gradient_has_that_inputs_shape():
    a, b = leaf(data(2, 3, 4)), leaf(data(3, 1))
    for op in (lambda: a + b, lambda: a * b, lambda: al.maximum(a, b), lambda: al.where(a > 0, a, b),
               lambda: a / (b * b + 1.0), lambda: a ** 2 - b):
        a.grad = b.grad = None
        op().sum().backward()
        assert a.grad.shape == a.shape and b.grad.shape == b.shape


def test_comparisons_are_bool_and_carry_no_grad():
    x = leaf(data(4))
    for c in (x > 0, x >= 0, x < 0, x <= 0, x == x, x != 0):
        assert c.dtype == np.bool_ and not c.requires_grad and c.grad_fn is None


def test_tensor_where_and_outer_methods_like_torch():
    cond = al.tensor(np.array([True, False, True]))
    a, b = al.tensor([1.0, 2.0, 3.0]), al.tensor([-1.0, -2.0, -3.0])
    assert np.array_equal(a.where(cond, b).data, [1.0, -2.0, 3.0])  # torch: self.where(condition, other)
    assert np.array_equal(a.outer(b).data, np.outer(a.data, b.data))
