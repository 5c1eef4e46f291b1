"""Indexing `t[idx]` (NumPy's rules) and `t[idx] = v`: values, gradients, and the
guards that keep in-place writes from corrupting a graph."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import check_op, rand

INDICES = {
    "int": 1,
    "neg_int": -1,
    "slice": slice(1, 3),
    "step_slice": (slice(None), slice(None, None, 2)),
    "neg_step": slice(None, None, -1),
    "neg_step_range": (slice(3, 0, -2), slice(None, None, -1)),
    "ellipsis": (Ellipsis, 0),
    "newaxis": (None, slice(None), 1),
    "int_array": np.array([0, 2]),
    "repeated_ints": np.array([1, 1, 3, 1]),
    "list": [3, 0],
    "neg_int_array": np.array([-1, -4]),
    "two_arrays": (np.array([0, 3]), np.array([1, 2])),
    "array_and_slice": (np.array([[0], [2]]), slice(0, 2)),
    "bool_mask_rows": np.array([True, False, True, True]),
    "bool_mask_full": "mask",
    "int_tensor": "int_tensor",
    "bool_tensor": "bool_tensor",
}


def _index(name, x):
    """The index itself; the named ones depend on x's data or must be Tensors."""
    idx = INDICES[name]
    if not isinstance(idx, str):
        return idx
    return {"mask": lambda: x.data > 0,
            "int_tensor": lambda: al.tensor(np.array([2, 2, 0])),
            "bool_tensor": lambda: al.tensor(x.data[:, 0] > 0)}[idx]()


@pytest.mark.parametrize("name", INDICES)
def test_getitem_values_and_gradients(name):
    x = rand(4, 3, seed=51)
    idx = _index(name, x)
    np_idx = tuple(i.data if isinstance(i, al.Tensor) else i for i in idx) if isinstance(idx, tuple) else (
        idx.data if isinstance(idx, al.Tensor) else idx)
    np.testing.assert_array_equal(x[idx].data, x.data[np_idx])
    check_op(lambda t: t[idx], x)


def test_repeated_indices_accumulate():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[al.tensor(np.array([0, 0, 2, 0]))].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_gradient_of_negative_step_slice():
    x = rand(5, seed=52)
    w = al.tensor(np.arange(1.0, 4.0))
    (x[4:0:-2] * w[:2]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 2, 0, 1])


def test_index_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"index: .*input shapes \(3,\)"):
        rand(3)[5]


def test_float_index_is_rejected():
    with pytest.raises(ValueError, match="integer or bool"):
        rand(3)[al.tensor([0.0, 1.0])]


def test_iteration_yields_differentiable_rows():
    x = rand(3, 2, seed=53)
    total = sum(row.sum() * (i + 1) for i, row in enumerate(x))
    total.backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [2, 2], [3, 3]])


# ----- setitem ---------------------------------------------------------------------
def test_setitem_on_a_plain_tensor_writes_values():
    x = al.zeros(3, 3)
    x[1] = 5.0
    x[al.tensor(np.array([0, 2])), 0] = al.tensor([7.0, 8.0])
    x[x.data == 0] = -1.0
    np.testing.assert_array_equal(x.data, [[7, -1, -1], [5, 5, 5], [8, -1, -1]])


def test_setitem_on_a_leaf_requiring_grad_is_an_error_that_says_what_to_do():
    x = rand(3)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*clone"):
        x[0] = 1.0
    with al.no_grad():
        x[0] = 1.0  # allowed: e.g. an optimizer step
    assert x.data[0] == 1.0


def test_gradient_flows_through_setitem_on_a_non_leaf():
    x, v = rand(4, seed=54), rand(2, seed=55)
    y = x * 2.0
    y[1:3] = v * 3.0
    (y * al.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 0.0, 8.0])  # overwritten slots get nothing
    np.testing.assert_array_equal(v.grad.data, [6.0, 9.0])


def test_setitem_gradcheck_with_broadcast_value():
    def f(x, v):
        y = x * 1.0
        y[:, 1] = v  # v of shape (1,) broadcast into a column
        return y * y
    check_op(f, rand(3, 2, seed=56), rand(1, seed=57))


def test_setitem_into_a_constant_makes_it_require_grad():
    base = al.zeros(3)
    v = rand(1, seed=58)
    base[1] = v
    assert base.requires_grad and not base.is_leaf
    base.sum().backward()
    np.testing.assert_array_equal(v.grad.data, [1.0])


def test_modifying_a_saved_input_makes_backward_refuse():
    x = rand(3, seed=59)
    y = x * 1.0
    z = (y * y).sum()  # mul saved y
    y[0] = 0.0
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_inplace_add_on_saved_input_makes_backward_refuse():
    x = rand(3, seed=60)
    y = x.exp()
    z = (y * y).sum()
    y += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_setitem_does_not_change_views_taken_before():
    x = al.tensor([1.0, 2.0, 3.0])
    head = x[:2]
    x[0] = 9.0
    np.testing.assert_array_equal(head.data, [1.0, 2.0])


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import compare_with_torch, data, leaf, torch_or_skip  # noqa: E402


def test_negative_step_slices_follow_numpy():
    a = data(5, 6)
    x = leaf(a)
    y = x[::-2, 4:0:-3]
    np.testing.assert_array_equal(y.data, a[::-2, 4:0:-3])
    w = data(*y.shape, seed=3)
    (y * al.tensor(w)).sum().backward()
    expected = np.zeros_like(a)
    expected[::-2, 4:0:-3] = w
    np.testing.assert_array_equal(x.grad.data, expected)


@pytest.mark.parametrize("index_kind", ["int_tensor", "bool_tensor", "int_list", "pair_of_int_tensors",
                                        "mixed", "none_ellipsis"])
def test_advanced_indexing_with_tensors_against_torch(index_kind):
    torch = torch_or_skip()
    a = data(4, 5)
    idx = np.array([3, 0, 3, 1])  # a repeated index: its gradient accumulates
    rows, cols = np.array([0, 2, 2]), np.array([4, 1, 1])
    mask = a > 0.2
    indices = {
        "int_tensor": (al.tensor(idx), torch.tensor(idx)),
        "bool_tensor": (al.tensor(mask), torch.tensor(mask)),
        "int_list": ([3, 3, 0], [3, 3, 0]),
        "pair_of_int_tensors": ((al.tensor(rows), al.tensor(cols)), (torch.tensor(rows), torch.tensor(cols))),
        "mixed": ((slice(1, None), al.tensor(cols)), (slice(1, None), torch.tensor(cols))),
        "none_ellipsis": ((None, Ellipsis, -1), (None, Ellipsis, -1)),
    }
    al_index, torch_index = indices[index_kind]
    compare_with_torch(lambda x: x[al_index], lambda x: x[torch_index], a)
