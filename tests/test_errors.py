"""Bad input gets a clear error naming the op and the shapes, and a failed op
changes nothing; plus the user-facing surface: repr, np.asarray, item."""
from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import rand


def _shapes(*shapes):
    return ".*".join(re.escape(str(s)) for s in shapes)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_shape_mismatch_names_op_and_both_shapes(op):
    # NumPy's own exception, with a note naming the op and the input shapes (pytest matches notes too)
    with pytest.raises(ValueError, match="broadcast") as info:
        getattr(al, op)(rand(2, 3), rand(4))
    assert info.value.__notes__ == [f"{op}: input shapes (2, 3), (4,)"]


@pytest.mark.parametrize("call,op,shapes", [
    (lambda: rand(2, 3) @ rand(2, 3), "matmul", [(2, 3), (2, 3)]),
    (lambda: rand(2, 3) + rand(3, 2), "add", [(2, 3), (3, 2)]),
    (lambda: al.where(np.ones(3, bool), rand(2), rand(2)), "where", [(2,), (2,)]),
    (lambda: al.einsum("ij,jk->ik", rand(2, 3), rand(2, 3)), "einsum", [(2, 3), (2, 3)]),
    (lambda: al.outer(rand(2, 2), rand(2)), "outer", [(2, 2), (2,)]),
], ids=["matmul", "operator", "where", "einsum", "outer"])
def test_other_mismatches_name_op_and_shapes(call, op, shapes):
    with pytest.raises(ValueError, match=f"{op}.*" + _shapes(*shapes)):
        call()


def test_backward_on_non_scalar_without_gradient():
    with pytest.raises(RuntimeError, match=r"backward\(\): .*shape \(3,\).*gradient="):
        (rand(3) * 2.0).backward()


def test_backward_on_tensor_not_requiring_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        al.tensor([1.0, 2.0]).sum().backward()
    with al.no_grad():
        y = (rand(2) * 2.0).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_backward_with_wrong_gradient_shape():
    with pytest.raises(RuntimeError, match=r"gradient of shape \(2,\) given for output 0 of shape \(3,\)"):
        (rand(3) * 2.0).backward(al.ones(2))


def test_backward_through_released_graph():
    x = rand(2)
    h = x.exp()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="ExpBackward a second time"):
        (h * 2.0).sum().backward()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require grad.*int64"):
        al.tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(TypeError, match="bool"):
        al.tensor(np.array([True])).requires_grad_()


def test_failed_op_leaves_tensors_and_grads_unchanged():
    a, b = rand(2, 3, seed=131), rand(3, 2, seed=132)
    (a.sum() + b.sum()).backward()
    before = [t.data.copy() for t in (a, b, a.grad, b.grad)]
    grad_objects = (a.grad, b.grad)
    for bad in (lambda: a + b, lambda: a @ a, lambda: a.reshape(5), lambda: al.cat([a, b], 1),
                lambda: a[5], lambda: al.sum(a, 3)):
        with pytest.raises((ValueError, IndexError)):
            bad()
    for t, want in zip((a, b, a.grad, b.grad), before):
        np.testing.assert_array_equal(t.data, want)
    assert (a.grad, b.grad) == grad_objects and a.grad_fn is None


def test_failed_inplace_ops_change_nothing():
    x = rand(3, seed=133)
    y = x * 2.0
    data, node, version = y.data.copy(), y.grad_fn, y._version
    with pytest.raises(ValueError):
        y += rand(4)
    with pytest.raises(IndexError):
        y[7] = 1.0
    np.testing.assert_array_equal(y.data, data)
    assert y.grad_fn is node and y._version == version
    c = al.tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        c += np.ones(2)
    np.testing.assert_array_equal(c.data, [1.0, 2.0, 3.0])


def test_inplace_on_leaf_requiring_grad_is_refused():
    x = rand(3)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        x += 1.0
    with al.no_grad():
        x -= 1.0  # the optimizer's way


def test_failed_backward_leaves_grads_unchanged():
    x = rand(3, seed=134)
    (x * 2.0).sum().backward()
    before = x.grad.data.copy()
    y = x * 1.0
    z = (y * y).sum()
    y[0] = 5.0
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()
    np.testing.assert_array_equal(x.grad.data, before)


def test_item_and_bool_on_many_elements():
    with pytest.raises(ValueError, match=r"item\(\).*\(2,\)"):
        rand(2).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(rand(2))


def test_ragged_data_is_rejected():
    with pytest.raises((TypeError, ValueError)):
        al.tensor([[1.0, 2.0], [3.0]])


# ----- the user-facing surface ---------------------------------------------------------
def test_repr_reads_like_pytorch():
    assert repr(al.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(al.tensor([1.0, 2.5], requires_grad=True)) == "tensor([1.0000, 2.5000], requires_grad=True)"
    assert repr(al.tensor(3.0)) == "tensor(3.)"
    x = al.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert repr(x @ x) == ("tensor([[ 7., 10.],\n        [15., 22.]], grad_fn=<MatmulBackward>)")
    assert repr(al.tensor(np.array([1, 2]))) == "tensor([1, 2])"
    assert repr(al.tensor([1.0], dtype=np.float32)) == "tensor([1.], dtype=float32)"
    assert repr(x > 2.0) == "tensor([[False, False],\n        [ True,  True]])"


def test_numpy_interop():
    x = rand(2, 3, seed=135)
    arr = np.asarray(x)
    assert isinstance(arr, np.ndarray) and arr.shape == (2, 3)
    np.testing.assert_array_equal(arr, x.data)
    assert x.detach().numpy() is x.data  # x.numpy() refuses: x requires grad (tests/test_dtypes.py)
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    assert float(al.tensor(2.5)) == 2.5 and al.tensor([7.0]).item() == 7.0
    assert len(x) == 2 and x.numel() == 6 and x.ndim == 2 and x.shape == (2, 3)
