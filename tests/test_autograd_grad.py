"""al.autograd.grad, al.autograd.backward and gradcheck / gradgradcheck with PyTorch's signatures."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import autograd

rng = np.random.default_rng(1)


def leaf(*shape):
    return al.tensor(rng.standard_normal(shape), requires_grad=True)


def test_grad_leaves_dot_grad_alone_and_handles_unused():
    x, y = leaf(3), leaf(3)
    (gx,) = autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(gx.data, 2 * x.data)
    assert x.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        autograd.grad((x * 2).sum(), (x, y))
    gx, gy = autograd.grad((x * 2).sum(), (x, y), allow_unused=True)
    assert gy is None
    gx, gy = autograd.grad((x * 2).sum(), (x, y), materialize_grads=True)
    assert gy.shape == (3,) and not gy.data.any()
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        autograd.grad((x * 2).sum(), x, is_grads_batched=True)


def test_backward_several_roots_accumulates_like_torch():
    x = leaf(2, 3)
    a, b = x.exp(), (x * x).sum()
    g = al.tensor(rng.standard_normal((2, 3)))
    autograd.backward([a, b], [g, None])
    np.testing.assert_allclose(x.grad.data, g.data * np.exp(x.data) + 2 * x.data)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar"):
        autograd.backward([x * 2, (x * 3).sum()])
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.data, requires_grad=True)
    torch.autograd.backward([tx.exp(), (tx * tx).sum()], [torch.tensor(g.data), None])
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def wrong_square(base):
    """x² with a backward 5% too large, against either library's Function base class."""

    class WrongSquare(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2.1 * x  # should be 2x

    return WrongSquare


WrongBackward = wrong_square(autograd.Function)


class ConstantSecondOrder(autograd.Function):
    """A correct first derivative computed outside the graph: its second derivative is wrongly 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * al.tensor(3 * x.data ** 2)


def test_gradcheck_passes_and_fails_as_torch():
    x = leaf(4)
    assert autograd.gradcheck(lambda a: (a.sin() * a).sum(), (x,), eps=1e-6, atol=1e-5, rtol=1e-3)
    with pytest.raises(autograd.GradcheckError, match="input 0"):
        autograd.gradcheck(WrongBackward.apply, (x,))
    assert autograd.gradcheck(WrongBackward.apply, (x,), raise_exception=False) is False
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        autograd.gradcheck(lambda a: a * 2, (x.detach(),))


def test_gradgradcheck_catches_a_backward_computed_outside_the_graph():
    x = leaf(3)
    assert autograd.gradcheck(ConstantSecondOrder.apply, (x,))
    assert autograd.gradgradcheck(lambda a: a * a * a, (x,))
    assert autograd.gradgradcheck(ConstantSecondOrder.apply, (x,), raise_exception=False) is False
    v = al.tensor(np.ones(3))
    assert autograd.gradgradcheck(lambda a: a.exp(), (x,), grad_outputs=(v,))


def test_gradcheck_checks_only_inputs_that_require_grad_and_warns_on_float32():
    x, c = leaf(3), al.tensor(rng.standard_normal(3))
    assert autograd.gradcheck(lambda a, b: a * b, (x, c))
    with pytest.warns(UserWarning, match="not a double precision"):
        autograd.gradcheck(lambda a: a * 2, (al.tensor(np.ones(2, np.float32), requires_grad=True),))


def test_torch_gradcheck_agrees_on_the_same_wrong_backward():
    torch = pytest.importorskip("torch")

    TorchWrong = wrong_square(torch.autograd.Function)
    data = rng.standard_normal(4)
    tx = torch.tensor(data, requires_grad=True)
    assert torch.autograd.gradcheck(TorchWrong.apply, (tx,), raise_exception=False) is False
    assert autograd.gradcheck(WrongBackward.apply, (al.tensor(data, requires_grad=True),),
                              raise_exception=False) is False


def test_legacy_variable_wraps_without_copying():
    x = al.tensor([1.0, 2.0])
    v = autograd.Variable(x, requires_grad=True)
    assert v.requires_grad and v.is_leaf and np.shares_memory(v.data, x.data) and not x.requires_grad
    (v * v).sum().backward()
    np.testing.assert_array_equal(v.grad.data, [2.0, 4.0])
    assert not autograd.Variable([1.0]).requires_grad
