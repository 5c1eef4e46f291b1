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


# ----- gather / scatter / index_select / index_add (issue 16.3) ----------------------------------------------
def test_gather_backward_is_a_scatter_add_that_accumulates_repeats():
    x = leaf(np.arange(12.0).reshape(3, 4))
    index = al.tensor([[0, 0, 2, 0], [0, 1, 1, 1]])
    w = data(2, 4, seed=4)
    (x.gather(0, index) * al.tensor(w)).sum().backward()
    expected = np.zeros((3, 4))
    np.add.at(expected, (index.data, np.arange(4)[None, :]), w)  # twice-picked elements get both weights
    np.testing.assert_array_equal(x.grad.data, expected)
    assert x.gather(0, index).grad_fn.name == "GatherBackward"


def test_gather_second_derivative_flows_through_its_scatter_add():
    x = leaf(data(3, 4, seed=5))
    index = al.tensor([[2, 0, 2, 1]])
    (g,) = al.grad((x.gather(0, index) ** 3).sum(), x, create_graph=True)
    g.sum().backward()  # d/dx Σ 3 x² at the gathered places = 6x per pick
    expected = np.zeros((3, 4))
    expected[index.data[0], np.arange(4)] = 6 * x.data[index.data[0], np.arange(4)]
    np.testing.assert_allclose(x.grad.data, expected)


def test_index_add_source_gradient_is_index_select_and_input_passes_g():
    x, s = leaf(data(3, 2, seed=6)), leaf(data(4, 2, seed=7))
    index = al.tensor([2, 0, 2, 2])
    w = data(3, 2, seed=8)
    (x.index_add(0, index, s, alpha=2.0) * al.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, w)
    np.testing.assert_array_equal(s.grad.data, 2.0 * w[index.data])
    out = al.zeros(3).index_add(0, index, al.ones(4))
    np.testing.assert_array_equal(out.data, [1.0, 0.0, 3.0])  # repeats accumulate in the forward too


def test_scatter_gradients_zero_the_overwritten_places():
    x, s = leaf(data(3, 4, seed=9)), leaf(data(1, 4, seed=10))
    index = al.tensor([[1, 0, 2, 1]])
    x.scatter(0, index, s).sum().backward()
    expected = np.ones((3, 4))
    expected[index.data[0], np.arange(4)] = 0.0
    np.testing.assert_array_equal(x.grad.data, expected)
    np.testing.assert_array_equal(s.grad.data, np.ones((1, 4)))


@pytest.mark.parametrize("op,call", [
    ("gather", lambda x, i: x.gather(0, i)), ("scatter", lambda x, i: x.scatter(0, i, 1.0)),
    ("scatter_add", lambda x, i: x.scatter_add(0, i, x[:1])), ("index_select", lambda x, i: x.index_select(0, i[0])),
    ("index_add", lambda x, i: x.index_add(0, i[0], x[:1])),
    ("take_along_dim", lambda x, i: al.take_along_dim(x, i, 0))])
@pytest.mark.parametrize("bad", [3, -1])
def test_out_of_range_index_is_a_one_line_error_naming_op_and_index(op, call, bad):
    x = al.zeros(3, 4)
    i = al.tensor([[0, bad, 1, 2]])
    with pytest.raises(IndexError, match=rf"^{op}: index {bad} is out of bounds for dimension 0 with size 3$"):
        call(x, i)
    with pytest.raises(RuntimeError):  # PyTorch raises RuntimeError for gather/scatter: both catch it
        call(x, i)


def test_index_shape_and_dtype_errors():
    x = al.zeros(3, 4)
    with pytest.raises(ValueError, match=r"gather: index \(4,\) must have as many dimensions as the input \(3, 4\)"):
        x.gather(0, al.tensor([0, 1, 2, 0]))
    with pytest.raises(ValueError, match=r"gather: expected an integer \(int64\) index, got dtype float64"):
        x.gather(0, al.tensor([[0.0]]))
    with pytest.raises(ValueError, match=r"gather: index \(1, 5\) is larger than the input \(3, 4\) outside dim 0"):
        x.gather(0, al.zeros(1, 5, dtype=al.int64))
    with pytest.raises(IndexError, match="gather: Dimension out of range"):
        x.gather(2, al.tensor([[0]]))
    with pytest.raises(ValueError, match=r"index_add: source \(2, 3\) must have shape \(2, 4\)"):
        x.index_add(0, al.tensor([0, 1]), al.ones(2, 3))
    with pytest.raises(ValueError, match="masked_fill: expected a bool mask, got dtype int64"):
        x.masked_fill(al.tensor([1, 0, 1, 0]), 1.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask \(2,\) does not broadcast with input \(3, 4\)"):
        x.masked_fill(al.tensor([True, False]), 1.0)
    with pytest.raises(ValueError, match="scatter: give exactly one of src"):
        x.scatter(0, al.tensor([[0]]))


def test_inplace_forms_write_into_the_tensor_and_keep_the_graph():
    x = leaf(data(3, 4, seed=11))
    y = x * 2.0
    same = y.masked_fill_(al.tensor([True, False, False, True]), 0.0)
    assert same is y
    y.index_add_(0, al.tensor([1, 1]), al.ones(2, 4)).scatter_(1, al.tensor([[0], [0], [0]]), -1.0)
    y.scatter_add_(0, al.tensor([[2, 2, 2, 2]]), al.ones(1, 4))
    expected = 2.0 * x.data
    expected[:, [0, 3]] = 0.0
    expected[1] += 2.0
    expected[:, 0] = -1.0
    expected[2] += 1.0
    np.testing.assert_allclose(y.data, expected)
    y.sum().backward()
    want = np.full((3, 4), 2.0)
    want[:, [0, 3]] = 0.0
    np.testing.assert_array_equal(x.grad.data, want)


def test_inplace_forms_follow_the_leaf_rule():
    x = leaf(data(2, 3, seed=12))
    for write in (lambda: x.masked_fill_(al.tensor([True, False, True]), 0.0),
                  lambda: x.index_add_(0, al.tensor([0]), al.ones(1, 3)),
                  lambda: x.scatter_(0, al.tensor([[1, 0, 1]]), 0.0),
                  lambda: x.scatter_add_(0, al.tensor([[1, 0, 1]]), al.ones(1, 3))):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            write()
    with al.no_grad():
        x.masked_fill_(al.tensor([True, False, True]), 0.0)  # allowed, as an optimizer step is
    np.testing.assert_array_equal(x.data[:, [0, 2]], 0.0)


def test_integer_tensors_keep_their_dtype():
    a = al.arange(6).reshape(2, 3)
    assert a.gather(1, al.tensor([[2], [0]])).data.tolist() == [[2], [3]]
    assert a.masked_fill(a > 2, 7).dtype == np.int64
    assert a.index_add(0, al.tensor([1]), al.ones(1, 3, dtype=al.int64)).data.tolist() == [[0, 1, 2], [4, 5, 6]]


def test_gather_family_matches_torch():
    torch = torch_or_skip()
    a, s = data(3, 4, seed=13), data(3, 4, seed=14)
    idx = np.array([[0, 2, 2, 1], [1, 1, 0, 0], [3, 3, 3, 3]])  # repeats along dim 1
    for ours, theirs in [
        (lambda x, y: x.gather(1, al.tensor(idx)), lambda x, y: x.gather(1, torch.tensor(idx))),
        (lambda x, y: x.scatter_add(1, al.tensor(idx), y), lambda x, y: x.scatter_add(1, torch.tensor(idx), y)),
        (lambda x, y: x.index_add(1, al.tensor([3, 3, 0, 1]), y, alpha=0.5),
         lambda x, y: x.index_add(1, torch.tensor([3, 3, 0, 1]), y, alpha=0.5)),
        (lambda x, y: al.take_along_dim(x, al.tensor(idx[:1]), 0), lambda x, y: torch.take_along_dim(x, torch.tensor(
            idx[:1]), 0)),
    ]:
        compare_with_torch(ours, theirs, a, s)
    compare_with_torch(lambda x: x.scatter(1, al.tensor(idx), 2.0, reduce="add"),  # PyTorch: no derivative
                       lambda x: x.scatter(1, torch.tensor(idx), 2.0, reduce="add"), a, grad=False)


# ----- masks, nonzero, where(cond), one_hot -----------------------------------------------------------------
def test_nonzero_forms_and_argwhere():
    x = al.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    assert x.nonzero().data.tolist() == [[0, 1], [1, 0], [1, 2]] and x.nonzero().dtype == np.int64
    rows, cols = al.nonzero(x, as_tuple=True)
    assert rows.data.tolist() == [0, 1, 1] and cols.data.tolist() == [1, 0, 2]
    np.testing.assert_array_equal(x[al.nonzero(x, as_tuple=True)].data, [1.5, 2.0, -1.0])  # usable as an index
    assert al.argwhere(x).data.tolist() == x.nonzero().data.tolist()
    assert al.nonzero(al.tensor(3.0)).shape == (1, 0) and al.nonzero(al.zeros(0)).shape == (0, 1)
    assert not al.nonzero(leaf([1.0, 0.0])).requires_grad


def test_nonzero_matches_torch_including_as_tuple():
    torch = torch_or_skip()
    a = np.array([[[0.0, 1.0], [2.0, 0.0]], [[0.0, 0.0], [3.0, 4.0]]])
    np.testing.assert_array_equal(al.nonzero(al.tensor(a)).data, torch.nonzero(torch.tensor(a)).numpy())
    ours, theirs = al.nonzero(al.tensor(a), as_tuple=True), torch.nonzero(torch.tensor(a), as_tuple=True)
    assert isinstance(ours, tuple) and len(ours) == len(theirs) == 3
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.data, t.numpy())


def test_masked_select_and_fill_gradients():
    x = leaf(data(2, 3, seed=15))
    mask = al.tensor([True, False, True])  # broadcast over the rows
    picked = x.masked_select(mask)
    np.testing.assert_array_equal(picked.data, x.data[:, [0, 2]].reshape(-1))
    (picked * al.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0, 2.0], [3.0, 0.0, 4.0]])
    v = leaf(0.5)
    x.grad = None
    x.masked_fill(mask, v).sum().backward()  # a 0-d tensor value gets the masked places' gradient
    assert v.grad.item() == 4.0
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 0.0]] * 2)


def test_one_hot_values_defaults_and_errors():
    F = al.nn.functional
    out = F.one_hot(al.tensor([0, 2, 1]))
    assert out.dtype == np.int64 and out.data.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(al.tensor([[1], [0]]), num_classes=4).shape == (2, 1, 4)
    with pytest.raises(ValueError, match="one_hot: class value 5 is not smaller than num_classes=3"):
        F.one_hot(al.tensor([0, 5]), 3)
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative, got -1"):
        F.one_hot(al.tensor([-1, 0]))
    with pytest.raises(ValueError, match="one_hot: expected an integer"):
        F.one_hot(al.tensor([0.0, 1.0]))


# ----- repeat, tile, repeat_interleave, roll, tril/triu ----------------------------------------------------
def test_repeat_family_values_and_gradients_against_numpy():
    a = data(2, 3, seed=16)
    x = leaf(a)
    np.testing.assert_array_equal(x.repeat(2, 1, 2).data, np.tile(a, (2, 1, 2)))
    np.testing.assert_array_equal(al.tile(x, (2,)).data, np.tile(a, 2))
    np.testing.assert_array_equal(x.repeat_interleave(2, dim=1).data, np.repeat(a, 2, 1))
    np.testing.assert_array_equal(al.repeat_interleave(x, 2).data, np.repeat(a.reshape(-1), 2))  # dim=None: flat
    x.repeat(3, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 6.0))  # each element has 6 copies
    x.grad = None
    x.repeat_interleave(al.tensor([2, 0, 1]), dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0, 0.0, 1.0]] * 2)
    assert al.repeat_interleave(al.tensor([2, 0, 1])).data.tolist() == [0, 0, 2]
    with pytest.raises(ValueError, match=r"repeat: 1 repeat sizes \(2,\) are fewer than the 2 dimensions"):
        x.repeat(2)
    with pytest.raises(ValueError, match="repeat_interleave: repeats must be a non-negative int or 3 counts"):
        x.repeat_interleave(al.tensor([1, 2]), dim=1)


def test_roll_and_triangles():
    a = np.arange(12.0).reshape(3, 4)
    x = leaf(a)
    np.testing.assert_array_equal(x.roll(1).data, np.roll(a, 1))  # flattened
    np.testing.assert_array_equal(al.roll(x, (1, -1), (0, 1)).data, np.roll(a, (1, -1), (0, 1)))
    np.testing.assert_array_equal(al.tril(x, 1).data, np.tril(a, 1))
    np.testing.assert_array_equal(x.triu(-1).data, np.triu(a, -1))
    (al.triu(x) * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2.0 * np.triu(np.ones((3, 4))))
    with pytest.raises(ValueError, match=r"tril: input tensor must have at least 2 dimensions, got shape \(3,\)"):
        al.tril(al.zeros(3))
    with pytest.raises(ValueError, match="roll: shifts .* and dims .* must have the same length"):
        al.roll(x, (1, 2), 0)


# ----- sort, argsort, topk, unique -----------------------------------------------------------------------
def test_sort_and_topk_return_named_tuples():
    x = leaf(data(3, 5, seed=17))
    result = al.sort(x, dim=1, descending=True)
    assert type(result).__name__ == "sort" and result._fields == ("values", "indices")
    values, indices = result
    assert values is result.values and indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(values.data, -np.sort(-x.data, 1))
    np.testing.assert_array_equal(x.argsort(1, descending=True).data, indices.data)
    top = x.topk(2, dim=0, largest=False)
    assert type(top).__name__ == "topk" and top._fields == ("values", "indices")
    np.testing.assert_array_equal(top.values.data, np.sort(x.data, 0)[:2])
    (top.values * 3.0).sum().backward()  # the two smallest of each column get 3, the rest 0
    want = np.zeros((3, 5))
    np.put_along_axis(want, top.indices.data, 3.0, 0)
    np.testing.assert_array_equal(x.grad.data, want)


def test_sort_is_stable_and_puts_nan_where_torch_does():
    x = al.tensor([2.0, np.nan, 1.0, 2.0, 1.0])
    assert al.sort(x).indices.data.tolist() == [2, 4, 0, 3, 1]
    assert al.sort(x, descending=True).indices.data.tolist() == [1, 0, 3, 2, 4]  # NaN counts as the largest
    torch = pytest.importorskip("torch")
    t = torch.tensor(x.data)
    for descending in (False, True):
        np.testing.assert_array_equal(al.sort(x, descending=descending).indices.data,
                                      torch.sort(t, descending=descending, stable=True).indices.numpy())


def test_topk_k_out_of_range():
    with pytest.raises(ValueError, match=r"topk: selected index k=4 out of range for dim -1 of size 3"):
        al.topk(al.zeros(2, 3), 4)
    with pytest.raises(IndexError, match="sort: Dimension out of range"):
        al.sort(al.zeros(2, 3), 2)


@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True}, {"dim": 0},
                                    {"dim": 1, "return_inverse": True, "return_counts": True},
                                    {"sorted": False, "return_counts": True}])
def test_unique_options_match_torch(kwargs):
    torch = torch_or_skip()
    a = np.array([[3.0, 1.0, 3.0], [1.0, 2.0, 3.0], [3.0, 1.0, 3.0]])
    ours, theirs = al.unique(al.tensor(a), **kwargs), torch.unique(torch.tensor(a), **kwargs)
    ours, theirs = (ours, theirs) if isinstance(theirs, tuple) else ((ours,), (theirs,))
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape) and (o.dtype == np.int64) == (t.dtype == torch.int64)
        np.testing.assert_array_equal(o.data, t.numpy())


def test_unique_without_torch():
    values, inverse, counts = al.tensor([[2, 1], [2, 5]]).unique(return_inverse=True, return_counts=True)
    assert values.data.tolist() == [1, 2, 5] and counts.data.tolist() == [1, 2, 1]
    assert inverse.data.tolist() == [[1, 0], [1, 2]]  # input's shape: values[inverse] rebuilds the input
    assert not al.unique(leaf([1.0, 1.0])).requires_grad


# ----- hstack, vstack, broadcast_tensors, meshgrid ---------------------------------------------------------
def test_stacks_follow_numpy():
    a, b = data(2, 3, seed=18), data(2, 1, seed=19)
    np.testing.assert_array_equal(al.hstack([al.tensor(a), al.tensor(b)]).data, np.hstack([a, b]))
    np.testing.assert_array_equal(al.vstack([al.tensor(a[0]), al.tensor(a)]).data, np.vstack([a[0], a]))
    np.testing.assert_array_equal(al.hstack([al.tensor(1.0), al.tensor([2.0, 3.0])]).data, [1.0, 2.0, 3.0])


def test_broadcast_tensors_gradients_sum_back():
    x, y = leaf(data(3, 1, seed=20)), leaf(data(4, seed=21))
    bx, by = al.broadcast_tensors(x, y)
    assert bx.shape == by.shape == (3, 4)
    (bx * by).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((3, 1), y.data.sum()))
    np.testing.assert_allclose(y.grad.data, np.full(4, x.data.sum()))
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \[\(2,\), \(3,\)\] do not broadcast"):
        al.broadcast_tensors(al.zeros(2), al.zeros(3))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_indexing_against_numpy_and_torch(indexing):
    a, b, c = np.arange(2.0), np.arange(3.0) + 10, np.arange(4.0) + 100
    ours = al.meshgrid(al.tensor(a), al.tensor(b), al.tensor(c), indexing=indexing)
    for o, want in zip(ours, np.meshgrid(a, b, c, indexing=indexing)):
        np.testing.assert_array_equal(o.data, want)
    assert ours[0].shape == ((2, 3, 4) if indexing == "ij" else (3, 2, 4))
    torch = pytest.importorskip("torch")
    theirs = torch.meshgrid(torch.tensor(a), torch.tensor(b), torch.tensor(c), indexing=indexing)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.data, t.numpy())


def test_meshgrid_defaults_to_ij_and_checks_its_arguments():
    x, y = al.meshgrid([al.arange(2), al.arange(3)])  # a list works as in PyTorch
    assert x.shape == y.shape == (2, 3)
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy', got 'yx'"):
        al.meshgrid(al.arange(2), indexing="yx")
    with pytest.raises(ValueError, match=r"meshgrid: expects 0-d or 1-D tensors, got shapes \[\(2, 2\)\]"):
        al.meshgrid(al.zeros(2, 2))


def test_a_failed_inplace_write_leaves_the_tensor_unchanged():
    x = al.tensor(np.arange(6.0).reshape(2, 3))
    before = x.data.copy()
    for write in (lambda: x.index_add_(1, al.tensor([0, 3]), al.ones(2, 2)),
                  lambda: x.scatter_(0, al.tensor([[0, 2, 0]]), 1.0),
                  lambda: x.scatter_add_(1, al.tensor([[0], [-1]]), al.ones(2, 1))):
        with pytest.raises(IndexError, match="out of bounds"):
            write()
    with pytest.raises((ValueError, RuntimeError), match=r"\(2, 2, 3\).*differs"):
        x.masked_fill_(al.tensor([[[True]], [[False]]]), 0.0)  # a mask that would grow x
    np.testing.assert_array_equal(x.data, before)


def test_triangle_nodes_are_named_for_the_graph():
    y = al.triu(leaf(data(3, 3, seed=22)), 1)
    assert y.grad_fn.op_name == "triu" and y.grad_fn.expr == "triu(a, 1)"
