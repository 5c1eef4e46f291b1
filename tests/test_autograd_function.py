"""al.autograd.Function: PyTorch's custom-op form (ctx, saved tensors, apply), one graph node per call."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import autograd


class MyExp(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)  # an output: re-linked to the node under create_graph
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


class Cube(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)  # an input
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class ScaledAdd(autograd.Function):
    """a·x + y with a Python number a: the number gets None as its gradient."""

    @staticmethod
    def forward(ctx, x, alpha, y):
        ctx.alpha = alpha
        ctx.flags = ctx.needs_input_grad
        return x * alpha + y

    @staticmethod
    def backward(ctx, g):
        return g * ctx.alpha, None, g


class SinCos(autograd.Function):
    """Two outputs: backward receives both gradients in one call."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        (x,) = ctx.saved_tensors
        return g_sin * x.cos() - g_cos * x.sin()


def x_(seed=0, shape=(2, 3)):
    return al.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_forward_backward_values_and_node_name():
    x = x_()
    y = MyExp.apply(x)
    assert y.requires_grad and repr(y.grad_fn) == "<MyExpBackward>"
    np.testing.assert_allclose(y.data, np.exp(x.data))
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * x.data))


@pytest.mark.parametrize("fn, second", [(MyExp, np.exp), (Cube, lambda v: 6 * v)])
def test_create_graph_gives_second_derivatives(fn, second):
    x = x_(1)
    (g,) = autograd.grad(fn.apply(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, second(x.data), rtol=1e-12)


@pytest.mark.parametrize("fn", [MyExp, Cube])
def test_gradcheck_and_gradgradcheck(fn):
    x = x_(2)
    assert autograd.gradcheck(fn.apply, (x,))
    assert autograd.gradgradcheck(fn.apply, (x,))


def test_non_tensor_arguments_and_needs_input_grad():
    x, y = x_(3), al.tensor(np.ones((2, 3)))
    out = ScaledAdd.apply(x, 2.5, y)
    assert out.grad_fn.ctx.flags == (True, False, False)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((2, 3), 2.5))
    assert y.grad is None


def test_two_outputs_share_one_backward_call():
    x = x_(4)
    s, c = SinCos.apply(x)
    np.testing.assert_allclose(s.data, np.sin(x.data))
    np.testing.assert_allclose(c.data, np.cos(x.data))
    (3 * s + 2 * c).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.cos(x.data) - 2 * np.sin(x.data))
    assert autograd.gradgradcheck(lambda t: SinCos.apply(t), (x_(5),))


def test_only_one_output_used_gets_zeros_for_the_other():
    x = x_(6)
    s, _ = SinCos.apply(x)
    s.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.cos(x.data))


class ValuesAndArgmax(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        idx = x.argmax(1)
        ctx.save_for_backward(idx)
        doubled = x * 2
        ctx.mark_non_differentiable(idx)
        return doubled, idx

    @staticmethod
    def backward(ctx, g, g_idx):
        ctx.got = g_idx
        return g * 2


def test_integer_output_is_not_differentiable_and_gets_zero_grad():
    x = x_(7)
    d, idx = ValuesAndArgmax.apply(x)
    assert d.requires_grad and not idx.requires_grad
    np.testing.assert_array_equal(idx.data, np.argmax(x.data, 1))
    node = d.grad_fn
    d.sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, np.full((2, 3), 2.0))
    assert node.ctx.got.shape == idx.shape and not node.ctx.got.data.any()


class Square2(autograd.Function):
    """PyTorch 2 style: forward without ctx, and setup_context."""

    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


def test_vjp_is_an_alias_of_backward():
    class Twice(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, g):
            return g * 2

    x = x_(15)
    Twice.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((2, 3), 2.0))


def test_setup_context_style():
    x = x_(8)
    Square2.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


class NumpyCube(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    @autograd.once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return al.tensor(g.data * 3 * x.data ** 2)


def test_once_differentiable_works_once_and_refuses_create_graph():
    x = x_(9)
    (g,) = autograd.grad(NumpyCube.apply(x).sum(), x)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    with pytest.raises(RuntimeError, match="NumpyCube"):
        autograd.grad(NumpyCube.apply(x).sum(), x, create_graph=True)


def test_no_grad_or_constant_inputs_record_nothing():
    x = x_(10)
    with al.no_grad():
        y = MyExp.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    z = MyExp.apply(x.detach())
    assert z.grad_fn is None


def test_second_backward_without_retain_graph_raises():
    x = x_(11)
    y = MyExp.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


class Bad(autograd.Function):
    result = None

    @staticmethod
    def forward(ctx, x, n):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        return Bad.result


@pytest.mark.parametrize("result, match", [
    ((None,), "incorrect number of gradients \\(expected 2, got 1\\)"),
    ((None, None, None), None),  # trailing Nones are fine
    ((None, al.tensor(1.0)), "different than None at position 2"),
    ((np.ones((2, 3)), None), "expected a Tensor"),
    ((al.tensor(np.ones(4)), None), "invalid gradient at index 0 - got \\[4\\] but expected shape compatible with "
                                    "\\[2, 3\\]"),
])
def test_bad_backward_results_raise_clear_errors(result, match):
    Bad.result = result
    x = x_(12)
    y = Bad.apply(x, 3).sum()
    if match is None:
        y.backward()
        assert x.grad is None
    else:
        with pytest.raises((RuntimeError, TypeError), match=match):
            y.backward()
        assert x.grad is None  # nothing accumulated


def test_broadcastable_gradient_is_summed_like_torch():
    class Broadcasting(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g.sum(0, keepdim=True).expand(4, 3) * 0 + 1.0  # (4, 3) for an input (1, 3)

    x = al.tensor(np.zeros((1, 3)), requires_grad=True)
    Broadcasting.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((1, 3), 4.0))


def test_legacy_instance_call_and_keyword_arguments_raise():
    with pytest.raises(RuntimeError, match="staticmethod"):
        MyExp()(x_())
    with pytest.raises(TypeError, match="by position"):
        ScaledAdd.apply(x_(), alpha=2.0, y=x_())


def test_user_errors_from_forward_propagate_unchanged():
    class Boom(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        Boom.apply(x_())


def test_graph_draws_one_node_with_the_class_name():
    x = x_(13)
    y = MyExp.apply(x)
    graph = al.viz.graph.build([y])
    ops = [n.name for n in graph.nodes.values() if n.kind == "op"]
    assert ops == ["MyExp"]
    assert "MyExp" in al.viz.to_dot(y)


def scaled_cube(base):
    """The same custom Function written against either library's Function base class."""

    class ScaledCube(base):
        @staticmethod
        def forward(ctx, x, alpha):
            ctx.save_for_backward(x)
            ctx.alpha = alpha
            ctx.flags = ctx.needs_input_grad
            return alpha * x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * ctx.alpha * x ** 2, None

    return ScaledCube


def test_matches_torch_custom_function():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(14).standard_normal((3, 2))
    tx, ox = torch.tensor(data, requires_grad=True), al.tensor(data, requires_grad=True)
    ty, oy = scaled_cube(torch.autograd.Function).apply(tx, 0.5), scaled_cube(autograd.Function).apply(ox, 0.5)
    assert ty.grad_fn.flags == oy.grad_fn.ctx.flags == (True, False)
    (tg,) = torch.autograd.grad(ty.sum(), tx, create_graph=True)
    (og,) = autograd.grad(oy.sum(), ox, create_graph=True)
    (th,) = torch.autograd.grad((tg * tg).sum(), tx)
    (oh,) = autograd.grad((og * og).sum(), ox)
    np.testing.assert_allclose(og.data, tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(oh.data, th.numpy(), rtol=1e-12)
