"""In-place ops with PyTorch's rules: the leaf error, no_grad writes, recording in the graph,
the version counter, backward refusing when a saved value was overwritten, views, float32 kept;
gradients against closed forms and (when installed) PyTorch."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from tests.helpers import check_op, data

LEAF = r"a leaf Variable that requires grad is being used in an in-place operation\."
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def _iadd(t: Any, v: Any) -> Any:
    t += v
    return t


def _isub(t: Any, v: Any) -> Any:
    t -= v
    return t


def _imul(t: Any, v: Any) -> Any:
    t *= v
    return t


def _idiv(t: Any, v: Any) -> Any:
    t /= v
    return t


def _ipow(t: Any, v: Any) -> Any:
    t **= v
    return t


# name -> the in-place call on t (a tensor) — every in-place form, each usable on a float tensor
INPLACE: dict[str, Callable[[Any], Any]] = {
    "add_": lambda t: t.add_(1.5), "sub_": lambda t: t.sub_(0.5), "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(4.0), "pow_": lambda t: t.pow_(2), "clamp_": lambda t: t.clamp_(-0.5, 0.5),
    "clip_": lambda t: t.clip_(min=0.0), "copy_": lambda t: t.copy_(al.ones(t.shape[-1])), "neg_": lambda t: t.neg_(),
    "exp_": lambda t: t.exp_(), "relu_": lambda t: t.relu_(), "sigmoid_": lambda t: t.sigmoid_(),
    "tanh_": lambda t: t.tanh_(), "normal_": lambda t: t.normal_(), "uniform_": lambda t: t.uniform_(),
    "fill_": lambda t: t.fill_(3.0), "zero_": lambda t: t.zero_(),
    "+=": lambda t: _iadd(t, 1.0), "-=": lambda t: _isub(t, 1.0), "*=": lambda t: _imul(t, 3.0),
    "/=": lambda t: _idiv(t, 2.0), "**=": lambda t: _ipow(t, 2.0),
}

# name -> (in-place expression on a non-leaf y, its out-of-place equivalent, positive inputs)
GRADIENTS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], bool]] = {
    "add_": (lambda y: y.add_(y * 0.5), lambda y: y + y * 0.5, False),
    "sub_": (lambda y: y.sub_(3.0), lambda y: y - 3.0, False),
    "mul_": (lambda y: y.mul_(y.exp()), lambda y: y * y.exp(), False),
    "div_": (lambda y: y.div_(y * y + 1.0), lambda y: y / (y * y + 1.0), False),
    "pow_": (lambda y: y.pow_(3), lambda y: y ** 3, False),
    "pow_tensor": (lambda y: y.pow_(y), lambda y: y ** y, True),
    "clamp_": (lambda y: y.clamp_(-0.3, 0.4), lambda y: y.clamp(-0.3, 0.4), False),
    "neg_": (lambda y: y.neg_(), lambda y: -y, False),
    "exp_": (lambda y: y.exp_(), lambda y: y.exp(), False),
    "relu_": (lambda y: y.relu_(), lambda y: y.relu(), False),
    "sigmoid_": (lambda y: y.sigmoid_(), lambda y: y.sigmoid(), False),
    "tanh_": (lambda y: y.tanh_(), lambda y: y.tanh(), False),
    "iadd": (lambda y: _iadd(y, y.sin()), lambda y: y + y.sin(), False),
    "isub": (lambda y: _isub(y, 2.0), lambda y: y - 2.0, False),
    "imul": (lambda y: _imul(y, y), lambda y: y * y, False),
    "idiv": (lambda y: _idiv(y, 3.0), lambda y: y / 3.0, False),
    "ipow": (lambda y: _ipow(y, 2.0), lambda y: y ** 2.0, False),
}


def test_every_inplace_form_exists_and_returns_the_tensor_itself():
    for name, call in INPLACE.items():
        t = al.tensor(data(2, 3, seed=1))
        array = t.data
        assert call(t) is t, name
        assert t.data is array, f"{name}: the result must be written into the tensor's own memory"
        assert t._version == 1, f"{name}: one in-place write is one version"


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_a_leaf_that_requires_grad_is_pytorchs_error(name):
    x = al.tensor(data(2, 3, seed=2), requires_grad=True)
    before = x.data.copy()
    with pytest.raises(RuntimeError, match=LEAF):
        INPLACE[name](x)
    np.testing.assert_array_equal(x.data, before)  # nothing written
    assert x._version == 0 and x.is_leaf and x.grad_fn is None


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_under_no_grad_the_leaf_is_written_in_its_memory(name):
    x = al.tensor(data(2, 3, seed=3), requires_grad=True)
    array, expected = x.data, INPLACE[name](al.tensor(x.data.copy())).data
    with al.no_grad():
        assert INPLACE[name](x) is x
    assert x.data is array and x.is_leaf and x.requires_grad and x._version == 1
    if name not in ("normal_", "uniform_"):
        np.testing.assert_allclose(x.data, expected)


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradient_through_an_inplace_op_equals_the_out_of_place_one(name):
    inplace, outplace, positive = GRADIENTS[name]
    a = data(2, 3, seed=4, positive=positive)
    x1, x2 = al.tensor(a, requires_grad=True), al.tensor(a, requires_grad=True)
    y = x1 * 1.5
    out = inplace(y)
    assert out is y and not y.is_leaf and y._version == 1
    expected = outplace(x2 * 1.5)
    np.testing.assert_allclose(y.data, expected.data, rtol=1e-12)
    w = al.tensor(data(2, 3, seed=5))
    (y * w).sum().backward()
    (expected * w).sum().backward()
    np.testing.assert_allclose(x1.grad.data, x2.grad.data, rtol=1e-12)


@pytest.mark.parametrize("name", ["add_", "mul_", "div_", "pow_tensor", "exp_", "sigmoid_", "tanh_", "iadd"])
def test_inplace_ops_pass_first_and_second_order_gradchecks(name):
    inplace, _, positive = GRADIENTS[name]
    check_op(lambda x: inplace(x * 1.0), al.tensor(data(2, 3, seed=6, positive=positive), requires_grad=True))


def test_pytorchs_two_examples():
    a = al.tensor([0.5, -1.0, 2.0], requires_grad=True)
    b = a.exp()
    b += 1
    with pytest.raises(RuntimeError, match=MODIFIED):  # exp's backward uses its output, overwritten
        b.sum().backward()
    assert a.grad is None
    b = a * 2
    b += 1
    b.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [2.0, 2.0, 2.0])


def test_the_inplace_node_becomes_the_tensors_grad_fn_and_versions_count_writes():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    node = y.grad_fn
    assert y._version == 0
    y.mul_(2.0)
    assert y.grad_fn is not node and y.grad_fn is not None and y._version == 1
    y += 1.0
    y.exp_()
    assert y._version == 3
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6.0 * np.exp(6.0 * np.array([1.0, 2.0]) + 1.0))


def test_backward_refuses_when_an_input_a_node_saved_was_modified():
    x = al.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x + 0.0
    z = (y * y).sum()  # mul keeps y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match=MODIFIED + r".*input 0 of MulBackward.*version 1"):
        z.backward()


@pytest.mark.parametrize("op", [al.exp, al.sigmoid, al.tanh, al.relu, al.sqrt])
def test_backward_refuses_when_a_saved_output_was_modified(op):
    x = al.tensor([0.5, 1.5, 2.0], requires_grad=True)
    y = op(x)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=MODIFIED + ".*saved its output"):
        y.sum().backward()


def test_writes_under_no_grad_also_make_the_graph_refuse():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with al.no_grad():
        y.add_(1.0)  # allowed (no recording), but exp's saved output is gone
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_a_write_through_shared_memory_is_seen_by_nodes_that_saved_it():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    shared = x.detach()  # the same memory, as in PyTorch
    y = (x * x).sum()
    with al.no_grad():
        shared.mul_(10.0)  # changes x's values: mul saved x
    np.testing.assert_array_equal(x.data, [10.0, 20.0, 30.0])
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_an_earlier_view_of_a_written_tensor_makes_its_users_refuse():
    base = al.tensor(data(2, 3, seed=7))  # no grad: the view is a plain slice
    row = base[0:1]
    w = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (row * w).sum()  # mul keeps row, which shares base's memory
    base.add_(1.0)
    np.testing.assert_array_equal(row.data, base.data[0:1])  # the view sees the write, as in PyTorch
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


@pytest.mark.parametrize("make_view", [lambda y: y[0], lambda y: y[:, 1], lambda y: y.reshape(6), lambda y: y.T])
def test_inplace_into_a_view_of_a_graph_tensor_is_refused_in_one_line(make_view):
    x = al.tensor(data(2, 3, seed=8), requires_grad=True)
    y = x * 2.0
    v = make_view(y)
    before = y.data.copy()
    with pytest.raises(RuntimeError, match="view of another tensor") as info:
        v.mul_(3.0)
    assert "\n" not in str(info.value)
    np.testing.assert_array_equal(y.data, before)  # nothing written
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 2.0))


def test_views_are_written_under_no_grad_and_see_their_base_as_in_pytorch():
    y = al.zeros(2, 3)
    row = y[1]
    row.add_(5.0)  # nothing requires grad: a plain write into y's memory
    np.testing.assert_array_equal(y.data, [[0, 0, 0], [5, 5, 5]])
    y.mul_(2.0)
    np.testing.assert_array_equal(row.data, [10, 10, 10])


def test_a_tensor_that_does_not_require_grad_joins_the_graph():
    acc = al.zeros(3)
    w = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    acc += w * w
    acc += w
    assert acc.requires_grad and not acc.is_leaf
    acc.sum().backward()
    np.testing.assert_array_equal(w.grad.data, 2.0 * w.data + 1.0)


def test_copy_takes_the_gradient_to_the_source_and_none_to_the_old_values():
    x = al.tensor(data(2, 3, seed=9), requires_grad=True)
    src = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    y.copy_(src)  # broadcast over the rows
    (y * y).sum().backward()
    np.testing.assert_array_equal(src.grad.data, 2 * 2 * src.data)  # summed over the 2 rows
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    t = al.zeros(2, dtype=al.int64)
    t.copy_(al.tensor([1.7, -2.2]))  # cast to the tensor's dtype, as PyTorch does
    assert t.dtype == np.int64 and t.tolist() == [1, -2]
    with pytest.raises(ValueError, match=r"copy_: the source of shape \(4,\) cannot be broadcast.*\(2, 3\)"):
        al.zeros(2, 3).copy_(al.ones(4))


def test_normal_and_uniform_draw_from_al_random_generators():
    g1, g2 = al.Generator().manual_seed(11), al.Generator().manual_seed(11)
    a = al.empty(1000).normal_(2.0, 0.5, generator=g1)
    b = al.empty(1000).normal_(mean=2.0, std=0.5, generator=g2)
    np.testing.assert_array_equal(a.data, b.data)
    assert abs(a.data.mean() - 2.0) < 0.1 and abs(a.data.std() - 0.5) < 0.05
    u = al.empty(1000, dtype=al.float32).uniform_(-2.0, 3.0, generator=g1)
    assert u.dtype == np.float32 and u.data.min() >= -2.0 and u.data.max() < 3.0
    v = al.empty(5).uniform_(**{"from": 1.0, "to": 2.0})  # PyTorch's keyword names
    assert v.data.min() >= 1.0 and v.data.max() < 2.0
    al.manual_seed(4)
    first = al.empty(3).normal_().data.copy()
    al.manual_seed(4)
    np.testing.assert_array_equal(al.empty(3).normal_().data, first)  # the global stream
    with pytest.raises(ValueError, match="normal_: std must be >= 0"):
        al.empty(2).normal_(0.0, -1.0)
    with pytest.raises(ValueError, match="uniform_: .*from=2.0 > to=1.0"):
        al.empty(2).uniform_(2.0, 1.0)
    with pytest.raises(TypeError, match="normal_: sampling needs a floating-point tensor"):
        al.zeros(2, dtype=al.int64).normal_()


def test_sampling_in_place_gives_zero_gradient_to_the_old_values():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.normal_(generator=al.Generator().manual_seed(0))
    (y * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # only the product's direct path


def test_float32_stays_float32_through_inplace_ops_and_their_gradients():
    x = al.tensor(data(2, 3, seed=10).astype(np.float32), requires_grad=True)
    y = x * 1.0
    y += 1.0
    y.mul_(al.tensor(np.float64(2.0)))  # a float64 operand is cast into the float32 tensor
    y.exp_()
    y.clamp_(max=50.0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_results_that_do_not_fit_the_tensor_are_refused_and_nothing_is_written():
    t = al.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="add_: result type float64 can't be cast to the tensor's dtype int64"):
        t += 0.5
    with pytest.raises(RuntimeError, match=r"mul_: the result has shape \(2, 3\).*tensor's shape \(3,\)"):
        al.ones(3).mul_(al.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"add_: the result has shape \(2, 3\)"):
        (al.ones(3, requires_grad=True) * 1.0).add_(al.ones(2, 3))
    assert t.tolist() == [1, 2, 3] and t._version == 0
    t += 2  # integer into integer is fine
    assert t.tolist() == [3, 4, 5]


def test_read_only_memory_is_refused():
    wide = al.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="add_: this tensor's memory is read-only"):
        wide.add_(1.0)
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(RuntimeError, match="read-only"):
        al.from_numpy(frozen).exp_()


def test_functional_and_namespace_forms():
    x = al.tensor([-1.0, 2.0])
    assert F.relu_(x) is x and x.tolist() == [0.0, 2.0]
    assert al.exp_(x) is x and al.clamp_(x, max=2.0) is x and al.sigmoid_(x) is x and al.tanh_(x) is x
    assert al.neg_(x) is x and al.relu_(x) is x and x.tolist() == [0.0, 0.0]


def test_the_registry_in_place_machinery_passes_extra_arguments_through():
    from autograd_lite import inplace

    def masked_fill(a: al.Tensor, mask: al.Tensor, value: float) -> al.Tensor:  # an op with extra arguments
        return al.where(mask, al.tensor(value, dtype=a.dtype), a)

    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    inplace.write(y, "masked_fill_", masked_fill, al.tensor([True, False, True]), value=0.0)
    assert y.tolist() == [0.0, 2.0, 0.0] and y._version == 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_optimizer_and_init_updates_still_work():
    model = al.nn.Linear(3, 2)
    opt = al.optim.SGD(model.parameters(), lr=0.1)
    x = al.tensor(data(4, 3, seed=12))
    before = model.weight.data.copy()
    model(x).sum().backward()
    opt.step()
    assert not np.array_equal(model.weight.data, before)
    with al.no_grad():
        model.bias.zero_()
        model.weight.normal_(0.0, 0.01)
    assert model.bias.tolist() == [0.0, 0.0] and model.weight.is_leaf
    model(x).sum().backward()  # the next step's graph is unaffected by the writes before it


# ----- PyTorch as the oracle -----------------------------------------------------------
def _run(m: Any, a: np.ndarray, program: Callable[[Any, Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    x = m.tensor(a, requires_grad=True)
    out = program(m, x)
    out.sum().backward()
    value = out.detach().numpy() if hasattr(out, "detach") else out.data
    return np.asarray(value), np.asarray(x.grad.detach().numpy() if hasattr(x.grad, "detach") else x.grad)


def _residual(m: Any, x: Any) -> Any:
    h = x * 2.0
    h += x.sin()  # the ResNet pattern: out += identity
    h = h.sin()  # sin keeps its input, not its output: h may be written
    h.mul_(x)
    return h


def _chain(m: Any, x: Any) -> Any:
    y = (x * 1.0).clamp_(-1.0, 1.0)
    y.pow_(2).add_(1.0).div_(x * x + 2.0)
    y -= 0.25
    return y.sigmoid_()


def _accumulate(m: Any, x: Any) -> Any:
    acc = m.zeros(x.shape, dtype=x.dtype)
    for k in range(3):
        acc += x ** (k + 1)
    acc.relu_()
    return acc


@pytest.mark.parametrize("program", [_residual, _chain, _accumulate])
def test_values_and_gradients_match_pytorch(program):
    torch = pytest.importorskip("torch")
    a = data(3, 4, seed=13)
    ours, theirs = _run(al, a, program), _run(torch, a, program)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10)


def test_pytorch_raises_in_the_same_places():
    torch = pytest.importorskip("torch")
    for m in (al, torch):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match=LEAF):
            a.add_(1.0)
        b = a.exp()
        b += 1
        with pytest.raises(RuntimeError, match=MODIFIED):
            b.sum().backward()
        c = a * 2
        c.relu_()
        c.sum().backward()  # relu_'s own node saved its result: fine in both


def test_relu_layer_takes_pytorchs_inplace_argument():
    layer = al.nn.ReLU(inplace=True)
    assert repr(layer) == "ReLU(inplace=True)" and repr(al.nn.ReLU()) == "ReLU()"
    x = al.tensor([-1.0, 2.0])
    assert layer(x) is x and x.tolist() == [0.0, 2.0]  # the input itself is written
    w = al.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    model = al.nn.Sequential(al.nn.Identity(), al.nn.ReLU(inplace=True))
    (model(w * 3.0) * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 3.0, 12.0])  # d/dw (relu(3w)·w)
    with pytest.raises(RuntimeError, match=LEAF):
        layer(w)  # a leaf that requires grad, as in PyTorch
    torch = pytest.importorskip("torch")
    assert repr(torch.nn.ReLU(inplace=True)) == repr(layer) and repr(torch.nn.ReLU()) == repr(al.nn.ReLU())


def test_one_optimizer_step_ticks_every_parameter_once():
    # the step marks all its parameters written under one tick: versions, and graphs recorded before it
    w, v, unused = (al.tensor(np.ones(3), requires_grad=True) for _ in range(3))
    view_owner = al.tensor(np.ones((2, 3)), requires_grad=True)
    opt = al.optim.SGD([w, v, unused, view_owner], lr=0.1)
    loss = (w * v).sum() + (view_owner * 2.0).sum()
    loss.backward(retain_graph=True)
    opt.step()
    assert (w._version, v._version, unused._version, view_owner._version) == (1, 1, 0, 1)
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()
    opt.zero_grad()
    ((w * v).sum() + (view_owner * 2.0).sum()).backward()  # a graph recorded after the step is fine
    opt.step()
    assert (w._version, v._version, view_owner._version) == (2, 2, 2)


def test_repeated_optimizer_steps_keep_marking_the_same_memory_written():
    # from the second step on a parameter's memory block already has an entry, whose tick is updated in place:
    # a graph recorded between two steps must still refuse to backward after the later one
    w = al.tensor(np.ones((2, 3)), requires_grad=True)
    opt = al.optim.SGD([w], lr=0.1)
    for step in range(3):
        loss = (w * 2.0).sum()
        loss.backward()
        opt.step()
        opt.zero_grad()
        held = (w[0] * w[1]).sum()  # recorded before the next step
        (w * 1.0).sum().backward()
        opt.step()
        opt.zero_grad()
        assert w._version == 2 * step + 2
        with pytest.raises(RuntimeError, match=MODIFIED):
            held.backward()
