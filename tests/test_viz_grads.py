"""Every tensor node shows data and gradient after backward (#19): computed from a live graph,
or recorded during the user's own backward with `al.viz.record_grads(loss).backward()`."""
from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_lite as al
from tests.test_viz_dot import node_named, parse_dot


def micrograd_expression():
    """micrograd's README example, in scalars: L = (a·b + c)·f with e, d intermediates."""
    a = al.tensor(2.0, requires_grad=True, name="a")
    b = al.tensor(-3.0, requires_grad=True, name="b")
    c = al.tensor(10.0, requires_grad=True, name="c")
    f = al.tensor(-2.0, requires_grad=True, name="f")
    e = a * b
    d = e + c
    L = d * f
    return (a, b, c, f), L


def tensor_nodes(text: str) -> dict[str, str]:
    nodes, _ = parse_dot(text)
    return {k: v for k, v in nodes.items() if "shape=plain" in v}


def grad_of(attrs: str) -> str:
    m = re.search(r"grad (.*?)(?:&#160;)*</TD>", attrs)
    return m.group(1) if m else ""


def test_micrograd_expression_after_backward_retained_shows_data_and_grad_everywhere():
    (a, b, c, f), L = micrograd_expression()
    L.backward(retain_graph=True)
    nodes = tensor_nodes(al.viz.to_dot(L))
    assert len(nodes) == 7  # a, b, c, f, e, d, L
    for attrs in nodes.values():
        assert "data " in attrs and "grad " in attrs
    # micrograd's numbers: dL/da = b·f = 6, dL/db = a·f = -4, dL/dc = dL/dd = f = -2, dL/df = d = 4, dL/de = -2
    by_name = {re.search(r"<B>([^<]*)</B>", v).group(1): grad_of(v) for v in nodes.values()}
    assert by_name["a"] == "6" and by_name["b"] == "-4" and by_name["c"] == "-2" and by_name["f"] == "4"
    assert sorted(v for k, v in by_name.items() if k.startswith("t")) == ["-2", "-2", "1"]  # e, d and L
    assert a.grad.item() == 6.0  # drawing changed no .grad


def test_record_grads_keeps_values_and_gradients_through_a_plain_backward():
    (a, b, c, f), L = micrograd_expression()
    al.viz.record_grads(L).backward()  # the documented one line
    nodes = tensor_nodes(al.viz.to_dot(L, backward=True))
    assert all("data " in v and "grad " in v for v in nodes.values())
    assert sorted(grad_of(v) for v in nodes.values()) == sorted(["6", "-4", "-2", "4", "-2", "-2", "1"])
    assert b.grad.item() == -4.0


def test_without_record_a_released_graph_still_says_how_to_keep_values():
    (a, b, c, f), L = micrograd_expression()
    L.backward()
    text = al.viz.to_dot(L)
    assert "record_grads" in text  # the tooltip of an intermediate nobody holds
    assert grad_of(tensor_nodes(text)[node_named(parse_dot(text)[0], "a")]) == "6"


def test_record_grads_refuses_a_released_graph():
    (a, b, c, f), L = micrograd_expression()
    L.backward()
    with pytest.raises(RuntimeError, match="record_grads"):
        al.viz.record_grads(L)


def test_parameters_show_the_gradient_of_the_drawn_step_not_an_earlier_one():
    W = al.nn.Parameter(np.ones((2, 2)))
    W.name = "W"
    x = al.tensor([[1.0, 2.0]])
    (x @ W).sum().backward()  # an earlier step: W.grad = [[1 1] [2 2]]
    L = (3.0 * (x @ W)).sum()  # the drawn step: dL/dW = 3·xᵀ·1
    attrs = tensor_nodes(al.viz.to_dot(L))[node_named(parse_dot(al.viz.to_dot(L))[0], "W")]
    assert grad_of(attrs).startswith("[[3 3]")
    np.testing.assert_array_equal(W.grad.data, [[1, 1], [2, 2]])


def test_gplvm_draws_data_and_gradient_on_every_tensor_node():
    gplvm = pytest.importorskip("autograd_lite.examples.gplvm")
    X_data, Y_data = gplvm.example_inputs(n=4, q=2, d=3)
    X = al.tensor(X_data, requires_grad=True, name="X")
    L, parts = gplvm.log_likelihood(X, Y_data, return_intermediates=True)
    al.viz.record_grads(L).backward()
    text = al.viz.to_dot(L, names=parts, backward=True)
    nodes = tensor_nodes(text)
    needing = {k: v for k, v in nodes.items() if "constant" not in v}
    assert len(needing) >= 8
    for attrs in needing.values():
        assert "data " in attrs and "grad " in attrs
    for attrs in nodes.values():  # constants show their data
        assert "data " in attrs
    # K's gradient is the closed form of the homework
    K_grad = gplvm.grad_K(X_data, Y_data)
    k_attrs = nodes[node_named(parse_dot(text)[0], "K")]
    assert f"{K_grad.min():.3g}" in k_attrs and f"{K_grad.max():.3g}" in k_attrs


def test_non_scalar_roots_show_the_gradient_of_their_sum():
    a = al.tensor([1.0, 2.0], requires_grad=True, name="a")
    y = a * a
    nodes = tensor_nodes(al.viz.to_dot(y, grads=True))
    assert grad_of(nodes[node_named(parse_dot(al.viz.to_dot(y))[0], "a")]) == "[2 4]"
