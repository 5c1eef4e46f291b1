"""Backward semantics, checked against what PyTorch does: accumulation, retain_graph,
hooks, retain_grad, detach, grad modes, requires_grad propagation, deep graphs,
`al.grad` and `backward(inputs=...)`."""
from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import rand


def test_gradients_accumulate_across_backward_calls():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3 + 2, 3 + 4])
    np.testing.assert_array_equal(first.data, [3.0, 3.0])  # the earlier .grad object is not mutated
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_leaf_grad_has_leaf_shape_and_dtype_and_no_graph():
    x = rand(3, 1, seed=81)
    (x * rand(1, 4, seed=82)).sum().backward()
    assert x.grad.shape == (3, 1) and x.grad.dtype == np.float64
    assert x.grad.grad_fn is None and not x.grad.requires_grad


def test_grads_of_two_leaves_never_share_memory():
    x, y = rand(3, seed=83), rand(3, seed=84)
    (x + y).sum().backward()
    x.grad.data[0] = 100.0
    assert y.grad.data[0] == 1.0


def test_second_backward_through_a_released_graph_raises():
    x = rand(3, seed=85)
    y = (x.exp() * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="a second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = rand(3, seed=86)
    y = (x.exp() * 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 4.0 * np.exp(x.data))


def test_shared_subgraph_is_traversed_once_per_backward():
    x = rand(2, seed=87)
    h = x.tanh()
    ((h * 2.0).sum() + (h * 3.0).sum()).backward()
    np.testing.assert_allclose(x.grad.data, 5.0 * (1 - np.tanh(x.data) ** 2))


def test_hook_on_leaf_replaces_its_gradient():
    x = rand(3, seed=88)
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    handle = x.register_hook(lambda g: g * 10.0)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [20.0, 20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_hook_on_non_leaf_replaces_the_gradient_flowing_on():
    x = rand(3, seed=89)
    y = x * 2.0
    y.register_hook(lambda g: g * 0.0 + 1.0)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_hook_on_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        al.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = rand(3, seed=90)
    y = x * 2.0
    y.retain_grad()
    z = y * 2.0  # not retained: .grad stays None, as in PyTorch
    (z * y).sum().backward()
    np.testing.assert_allclose(y.grad.data, 4.0 * y.data)
    assert z.grad is None and y.grad.grad_fn is None


def test_detach_shares_data_and_cuts_the_graph():
    x = rand(3, seed=91)
    d = (x * 2.0).detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    y = x * 1.0
    assert np.shares_memory(y.detach().data, y.data)
    (x * d).sum().backward()
    np.testing.assert_allclose(x.grad.data, d.data)  # d acted as a constant


def test_no_grad_records_nothing_and_restores_the_mode():
    x = rand(3, seed=92)
    with al.no_grad():
        assert not al.is_grad_enabled()
        y = x * 2.0
        with al.enable_grad():
            z = x * 2.0
        assert not al.is_grad_enabled()
    assert al.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_and_enable_grad_as_decorators():
    x = rand(3, seed=93)

    @al.no_grad()
    def frozen(t):
        """Docstring kept."""
        return t * 2.0

    @al.enable_grad()
    def recorded(t):
        return t * 2.0

    @al.no_grad  # without parentheses too, as in PyTorch
    def bare(t):
        return t * 2.0

    assert not frozen(x).requires_grad and frozen.__doc__ == "Docstring kept." and frozen.__name__ == "frozen"
    assert not bare(x).requires_grad and bare.__name__ == "bare"
    with al.no_grad():
        assert recorded(x).requires_grad
        assert al.enable_grad(lambda t: t * 2.0)(x).requires_grad
    assert al.is_grad_enabled()
    with al.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with al.no_grad():
            1 / 0
    assert al.is_grad_enabled()


def test_requires_grad_propagates():
    x, c = rand(2, seed=94), al.tensor([1.0, 2.0])
    assert (x + c).requires_grad and (c * x).requires_grad and not (c * c).requires_grad
    assert x.is_leaf and not (x + c).is_leaf and (c * c).is_leaf
    c.requires_grad_()
    assert (c * c).requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2.0).requires_grad = False


def test_100k_op_chain_backward_and_delete_without_recursion_error():
    x = al.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward(retain_graph=True)  # retained: every node still holds its inputs
    assert x.grad.item() == 1.0
    del y  # freeing a 100k-deep chain of live references must not overflow the C stack
    gc.collect()


def test_grad_returns_gradients_without_touching_dot_grad():
    x, w = rand(3, seed=95), rand(3, seed=96)
    y = (x * w).sum()
    gx, gw = al.grad(y, (x, w))
    np.testing.assert_allclose(gx.data, w.data)
    np.testing.assert_allclose(gw.data, x.data)
    assert x.grad is None and w.grad is None
    (gx_single,) = al.grad((x * x).sum(), x)
    np.testing.assert_allclose(gx_single.data, 2 * x.data)


def test_grad_allow_unused():
    x, unused = rand(2, seed=97), rand(2, seed=98)
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="input 1 .* not used.*allow_unused=True"):
        al.grad(y, [x, unused], retain_graph=True)
    gx, gu = al.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx is not None


def test_grad_with_respect_to_a_non_leaf():
    x = rand(3, seed=99)
    h = x * 2.0
    y = (h * h).sum()
    (gh,) = al.grad(y, h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def test_grad_with_grad_outputs_and_several_outputs():
    x = rand(3, seed=100)
    a, b = x * 2.0, x * x
    (g,) = al.grad([a, b], x, grad_outputs=[al.ones(3), al.tensor([1.0, 0.0, 1.0])])
    np.testing.assert_allclose(g.data, 2.0 + 2 * x.data * [1, 0, 1])


def test_grad_of_input_not_requiring_grad_is_an_error():
    with pytest.raises(RuntimeError, match="input 0 .* does not require grad"):
        al.grad((rand(2) * 2.0).sum(), al.tensor([1.0, 2.0]))


def test_backward_inputs_accumulates_only_into_those_tensors():
    x, w = rand(3, seed=101), rand(3, seed=102)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.data, x.data)
    (x * w).sum().backward(inputs=w)
    np.testing.assert_allclose(w.grad.data, 2 * x.data)


def test_backward_with_explicit_gradient():
    x = rand(3, seed=103)
    (x * 2.0).backward(al.tensor([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, -2.0])
    x.grad = None
    (x * 2.0).backward(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_backward_on_a_leaf():
    x = rand(2, seed=104)
    x.backward(al.ones(2))
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_gradient_ignores_constant_branches():
    x, c = rand(2, seed=105), al.tensor([5.0, 6.0])
    ((x * c) + (c * c)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, c.data)
    assert c.grad is None


def test_integer_targets_mixed_with_floats():
    x = rand(3, seed=106)
    mask = al.tensor(np.array([1, 0, 1]))
    (x * mask).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])


def test_repr_and_node_names():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x @ x
    assert repr(y.grad_fn) == "<MatmulBackward>"
    assert y.grad_fn.inputs[0] is x


def _function_classes() -> list[type]:
    import autograd_lite.linalg  # noqa: F401  (load every module that defines Functions)
    import autograd_lite.nn  # noqa: F401
    from autograd_lite.engine import Function
    found, stack = [], [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("autograd_lite."):
                found.append(sub)
            stack.append(sub)
    return found


def test_every_function_declares_what_it_saves():
    from autograd_lite.engine import Function
    classes = _function_classes()
    assert len(classes) > 50
    undeclared = [c.__name__ for c in classes if not any("saved" in k.__dict__ for k in c.__mro__ if k is not Function)]
    assert undeclared == []


def test_saved_arrays_of_a_softmax_are_freed_by_backward():
    x = rand(2, 3, seed=107)
    y = al.nn.functional.softmax(x, dim=1)
    node = y.grad_fn
    assert node.saved == ("out",) and isinstance(node.out, np.ndarray)
    (y * y).sum().backward()
    assert node.out is None and node.inputs is None


def test_in_place_writes_do_not_take_node_numbers():
    x = rand(3, seed=108)
    a = x * 1.0
    buf = al.zeros(3)
    for _ in range(5):
        buf += 1.0  # in-place writes tick their own clock
    b = a * 1.0
    assert b.grad_fn.seq == a.grad_fn.seq + 1
    assert b.grad_fn.writes_seen > a.grad_fn.writes_seen


def test_the_module_scope_hook_is_installed_only_inside_a_module_call():
    from autograd_lite import engine
    from autograd_lite.viz.recorder import module_scope, scope_of
    x = rand(2, seed=109)
    assert engine.on_record is None
    with module_scope("net", "Net"):
        with module_scope("net.fc", "Linear"):
            inner = (x * 2.0).grad_fn
        outer = (x * 3.0).grad_fn
        assert engine.on_record is not None
    assert engine.on_record is None
    assert scope_of(inner) == (("net", "Net"), ("net.fc", "Linear"))
    assert scope_of(outer) == (("net", "Net"),) and scope_of((x * 4.0).grad_fn) == ()


def test_a_released_node_keeps_its_structure_for_the_viewer():
    from autograd_lite.viz.recorder import InputStub, parents
    x, c = rand(2, seed=110), al.tensor([3.0, 4.0])
    h = x * c
    y = (h + al.tensor(1.0)).sum()
    add = y.grad_fn.inputs[0].grad_fn
    y.backward()
    assert add.inputs is None
    mul, stub = parents(add)
    assert mul is h.grad_fn and isinstance(stub, InputStub) and stub.shape == ()
    assert parents(mul)[0] is x and parents(mul)[1].ref() is c  # a constant: a weak link to its value
    assert mul.out_ref() is h and (mul.out_shape, mul.out_dtype) == ((2,), np.float64)
    del h
    assert mul.out_ref() is None  # the graph itself does not keep values alive


def test_only_tensors_someone_holds_get_a_weak_link_after_backward():
    x = rand(2, seed=111)
    held = x * 2.0
    y = (al.exp(held) * 3.0).sum()
    exp_node = y.grad_fn.inputs[0].grad_fn.inputs[0].grad_fn
    y.backward()
    assert held.grad_fn.out_ref() is held  # the user holds it: the viewer can show its value
    assert not hasattr(exp_node, "out_ref")  # only the graph held exp(held): no link made



def test_grad_mode_off_in_one_thread_stops_recording_there_only():
    import threading

    from autograd_lite import grad_mode
    x = rand(3, seed=112)
    in_thread_off, go_on = threading.Event(), threading.Event()
    seen = {}

    def worker() -> None:
        with al.no_grad():
            in_thread_off.set()
            go_on.wait(5)
            seen["worker"] = (x * 2.0).requires_grad
    t = threading.Thread(target=worker)
    t.start()
    in_thread_off.wait(5)
    assert not grad_mode.everywhere  # a thread has it off: ops read their own thread's mode
    assert (x * 2.0).requires_grad  # this thread still records
    go_on.set()
    t.join()
    assert seen["worker"] is False
    assert grad_mode.everywhere and al.is_grad_enabled()
    (x * 2.0).sum().backward()  # backward switches it off and on again in this thread
    assert grad_mode.everywhere


def test_released_nodes_of_shape_keeping_ops_report_their_output_shape_and_dtype():
    x = al.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    h = al.tanh(x)  # one input, a leaf: its shape is read from the leaf
    for _ in range(50):
        h = al.tanh(h) * 2.0 + 1.0  # ops that keep their input's shape and dtype record none
    y = (h.reshape(6) * al.tensor(np.ones(6, np.float32))).sum()
    nodes, node = [], y.grad_fn
    while node is not None:
        nodes.append(node)
        node = node.inputs[0].grad_fn
    y.backward()
    assert nodes[-1].out_shape == (2, 3) and nodes[-1].out_dtype == np.float32
    assert [n.out_shape for n in nodes[:3]] == [(), (6,), (6,)]
    assert all(n.out_shape == (2, 3) and n.out_dtype == np.float32 for n in nodes[3:])
