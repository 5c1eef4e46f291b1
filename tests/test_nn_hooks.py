"""Module forward pre-hooks, forward hooks and full backward hooks, with removable handles."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import nn

rng = np.random.default_rng(5)


def layer():
    al.manual_seed(0)
    return nn.Linear(3, 2)


def test_forward_pre_hook_and_forward_hook_can_replace_values():
    m, calls = layer(), []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append((mod, args[0].shape, out.shape)))
    h3 = m.register_forward_hook(lambda mod, args, out: out + 1)
    x = al.tensor(rng.standard_normal((4, 3)))
    y = m(x)
    np.testing.assert_allclose(y.data, (2 * x.data) @ m.weight.data.T + m.bias.data + 1)
    assert calls == [(m, (4, 3), (4, 2))]
    for h in (h1, h2, h3):
        h.remove()
    h1.remove()  # removing twice is harmless
    np.testing.assert_allclose(m(x).data, x.data @ m.weight.data.T + m.bias.data)
    assert len(calls) == 1


def test_hook_order_prepend_and_kwargs():
    m, order = layer(), []
    m.register_forward_hook(lambda *a: order.append("first"))
    m.register_forward_hook(lambda *a: order.append("prepended"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
    m(al.tensor(np.ones((1, 3))))
    assert order == ["prepended", "first"]
    with m.register_forward_hook(lambda *a: order.append("scoped")):
        m(al.tensor(np.ones((1, 3))))
    m(al.tensor(np.ones((1, 3))))
    assert order.count("scoped") == 1


def test_full_backward_hook_sees_and_can_replace_grad_input():
    m, seen = layer(), []

    def hook(mod, grad_input, grad_output):
        seen.append((grad_input[0].data.copy(), grad_output[0].data.copy()))
        return (grad_input[0] * 0.5,)

    handle = m.register_full_backward_hook(hook)
    x = al.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    g = rng.standard_normal((4, 2))
    m(x).backward(al.tensor(g))
    (gi, go), = seen
    np.testing.assert_allclose(go, g)
    np.testing.assert_allclose(gi, g @ m.weight.data)
    np.testing.assert_allclose(x.grad.data, 0.5 * g @ m.weight.data)
    np.testing.assert_allclose(m.weight.grad.data, g.T @ x.data)  # parameters are not affected
    handle.remove()
    x.grad = None
    m(x).backward(al.tensor(g))
    np.testing.assert_allclose(x.grad.data, g @ m.weight.data)
    assert len(seen) == 1


def test_backward_hook_without_input_gradient_gets_none():
    m, seen = layer(), []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go[0].shape)))
    m(al.tensor(np.ones((2, 3)))).sum().backward()
    assert seen == [((None,), (2, 2))]
    assert m.weight.grad is not None


def test_backward_hook_wrong_result_raises_naming_the_module():
    m = layer()
    m.register_full_backward_hook(lambda mod, gi, go: (al.tensor(np.ones(7)),))
    x = al.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="backward hook of Linear returned a gradient of shape \\(7,\\)"):
        m(x).sum().backward()
    assert x.grad is None


def test_hooks_match_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 3))
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    results = {}
    for lib, mod, tensor in (("ours", nn.Linear(3, 2), lambda a, **k: al.tensor(a, **k)),
                             ("torch", torch.nn.Linear(3, 2).double(), lambda a, **k: torch.tensor(a, **k))):
        with (torch.no_grad() if lib == "torch" else al.no_grad()):
            mod.weight.data[...] = w if lib == "ours" else torch.tensor(w)
            mod.bias.data[...] = b if lib == "ours" else torch.tensor(b)
        got = []
        mod.register_forward_pre_hook(lambda m_, args: (args[0] * 3,))
        mod.register_forward_hook(lambda m_, args, out: out.tanh())
        mod.register_full_backward_hook(lambda m_, gi, go: got.append((gi[0] * 1, go[0] * 1)) or (gi[0] * 2,))
        xt = tensor(x, requires_grad=True)
        y = mod(xt)
        (y * y).sum().backward()
        as_np = (lambda t: t.detach().numpy()) if lib == "torch" else (lambda t: t.data)
        results[lib] = [as_np(y), as_np(xt.grad), as_np(got[0][0]), as_np(got[0][1]), as_np(mod.weight.grad)]
    for a, b_ in zip(results["ours"], results["torch"]):
        np.testing.assert_allclose(a, b_, rtol=1e-10)
