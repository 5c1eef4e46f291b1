"""Saved arrays are released by backward (the graph keeps only its structure), and
graph depth is unbounded: no recursion anywhere, including deallocation."""
from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.engine import Function
from autograd_lite.viz.recorder import parents


def _nodes(root: al.Tensor) -> list[Function]:
    seen, stack, out = set(), [root.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(p for p in parents(node) if isinstance(p, Function))
    return out


def _held_arrays(node: Function) -> list[str]:
    def heavy(v: object) -> bool:  # leaves that require grad are the user's own (parameters), not saved state
        return isinstance(v, np.ndarray) or (isinstance(v, al.Tensor) and not (v.is_leaf and v.requires_grad))
    return [k for k, v in vars(node).items()
            if heavy(v) or (isinstance(v, (list, tuple)) and any(heavy(x) for x in v))]


def _mixed_graph() -> tuple[al.Tensor, list[al.Tensor]]:
    rng = np.random.default_rng(0)
    a = al.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = al.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    h = al.relu(a @ b) + al.sigmoid(a.sum(1, keepdim=True)) * al.tanh(b[0]) - al.exp(-a.mean()) / 3
    h = al.cat([h, h ** 2], dim=0)[::2].reshape(-1).logsumexp(0) + al.where(a > 0, a, a.abs() ** 0.5).var()
    h = h + al.einsum("ij,jk->", a, b) + al.trace(a @ a.T) + al.maximum(a, 0.1).max() + al.sqrt(b * b + 1).sum()
    return h, [a, b]


def test_backward_frees_every_saved_array() -> None:
    loss, _ = _mixed_graph()
    nodes = _nodes(loss)
    assert len(nodes) > 30
    loss.backward()
    for node in nodes:
        assert node.inputs is None
        assert not _held_arrays(node), f"{node.name} still holds {_held_arrays(node)} after backward"


def test_intermediate_activations_are_freed_by_backward() -> None:
    x = al.tensor(np.ones((100, 100)), requires_grad=True)
    hidden = al.tanh(x * 2.0)
    ref = weakref.ref(hidden)
    loss = (hidden * x).sum()  # Mul's backward reads both inputs
    del hidden
    assert ref() is not None  # the graph keeps it for backward...
    loss.backward()
    gc.collect()
    assert ref() is None  # ...and lets go of it afterwards, although `loss` is still alive


def _array_bytes_alive(step) -> int:
    """Bytes of NumPy arrays allocated by step() and still alive when it returns (what its graph keeps)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kept = step()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - base, kept
    finally:
        tracemalloc.stop()


def test_a_node_whose_backward_reads_no_input_values_does_not_keep_them() -> None:
    """tanh's backward uses its output, a sum's none: like PyTorch, the graph of mul → tanh → sum keeps
    tanh's output (saved) but not tanh's input, once the caller drops it."""
    x = al.tensor(np.ones((128, 128, 8)), requires_grad=True)  # 1 MiB per activation
    n = x.data.nbytes

    def step():
        pre = x * 2.0  # (MulScalar keeps nothing: its backward needs only the scalar)
        return al.tanh(pre).sum(), weakref.ref(pre)
    alive, (loss, pre) = _array_bytes_alive(step)
    assert pre() is None  # nothing keeps the pre-activation tensor...
    assert n <= alive < 1.5 * n, f"{alive} bytes kept for one {n}-byte activation"  # ...nor its array
    tanh = loss.grad_fn.inputs[0].grad_fn
    assert not tanh.reads_inputs and tanh.inputs[0].grad_fn is not None  # the edge stays (a stand-in)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, 2.0 * (1.0 - np.tanh(2.0) ** 2))


def test_relu_keeps_a_bit_mask_of_a_large_output() -> None:
    """A large ReLU output is not kept for backward (a packed mask [out > 0] is, 1/64 of float64): in
    conv → relu → max-pool nothing full-size stays between forward and backward. Gradients, second order
    included, are those of the output's sign at forward time."""
    x = al.tensor(np.random.default_rng(0).standard_normal((128, 128, 8)), requires_grad=True)
    n = x.data.nbytes

    def step():
        return al.relu(x * 2.0).sum(), None
    alive, (loss, _) = _array_bytes_alive(step)
    assert alive <= n / 32, f"{alive} bytes kept for one {n}-byte activation"
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, 2.0 * (x.data > 0))
    (g,) = al.grad((al.relu(x) ** 2).sum(), [x], create_graph=True)  # 2·relu(x), differentiable again
    np.testing.assert_allclose(g.data, 2.0 * np.maximum(x.data, 0))
    (gg,) = al.grad(g.sum(), [x])
    np.testing.assert_array_equal(gg.data, 2.0 * (x.data > 0))


def test_stand_ins_are_only_for_nodes_that_do_not_read_their_inputs() -> None:
    x = al.tensor(np.ones((128, 128, 8)), requires_grad=True)
    h = x * 2.0
    kept = al.relu(h)
    multiplied = h * h  # Mul reads its inputs: they stay themselves
    assert multiplied.grad_fn.inputs[0] is h and kept.grad_fn.inputs[0] is not h
    assert kept.grad_fn.inputs[0].shape == h.shape and kept.grad_fn.inputs[0].dtype == h.dtype
    assert h.grad_fn.out_ref() is h  # the viewer's weak link to the value the stand-in replaces
    small = al.tensor(np.ones((100, 100)), requires_grad=True) * 2.0  # 80 KB: drawn graphs keep their values
    assert al.relu(small).grad_fn.inputs[0] is small


def test_retain_graph_keeps_saved_arrays() -> None:
    loss, (a, b) = _mixed_graph()
    loss.backward(retain_graph=True)
    first = a.grad.data.copy()
    loss.backward()
    np.testing.assert_allclose(a.grad.data, 2 * first)


@pytest.mark.parametrize("n", [100_000])
def test_deep_chain_backward_and_deallocation(n: int) -> None:
    x = al.tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    z = x
    for _ in range(n):  # never backpropagated: freed by deallocating a 100k-deep chain of nodes
        z = al.tanh(z)
    del z
    gc.collect()


def test_gradients_through_stand_ins_match_the_kept_inputs() -> None:
    """Second order and retain_graph through nodes holding stand-ins give what keeping the inputs gives."""
    x0 = np.random.default_rng(3).standard_normal((400, 400))  # 1.3 MB: large enough for stand-ins

    def grads(keep_below: int) -> tuple[np.ndarray, np.ndarray]:
        from autograd_lite import engine
        saved_limit, engine._KEPT_BELOW = engine._KEPT_BELOW, keep_below
        try:
            x = al.tensor(x0, requires_grad=True)
            h = x * 2.0
            r = al.relu(h)
            y = (al.tanh(h) ** 2 + r + al.sigmoid(h).exp()).mean()
            assert (r.grad_fn.inputs[0] is h) == (keep_below > h.data.nbytes)
            (g,) = al.grad(y, x, create_graph=True, retain_graph=True)
            (g * g).sum().backward(retain_graph=True)
            y.backward()
            return g.data, x.grad.data
        finally:
            engine._KEPT_BELOW = saved_limit

    for stand_in, kept in zip(grads(1 << 20), grads(1 << 40)):
        np.testing.assert_allclose(stand_in, kept, rtol=1e-12)


def test_a_drawing_never_shows_a_freed_input_as_values(monkeypatch):
    """An intermediate whose values were freed in the forward (a stand-in) is drawn by shape, not as NaN."""
    from autograd_lite import engine, saving
    monkeypatch.setattr(saving, "VALUES_KEPT_BELOW", 0)
    monkeypatch.setattr(engine, "_KEPT_BELOW", 0)  # the engine's copy of the limit
    x = al.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
    loss = al.relu(x * 2.0).sum()  # relu's backward reads its output only: x * 2.0 becomes a stand-in
    dot = al.viz.to_dot(loss)
    assert "nan" not in dot.lower() and "(2, 3)" in dot
