"""Higher-order derivatives: the gradient graph (create_graph=True) is itself
differentiable; jacobian and hessian like torch.autograd.functional."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.functional import hessian, jacobian
from tests.helpers import rand


def test_second_and_third_derivative_of_tanh_match_closed_form():
    x = al.tensor(np.linspace(-2, 2, 7), requires_grad=True)
    (d1,) = al.grad(al.tanh(x).sum(), x, create_graph=True)
    (d2,) = al.grad(d1.sum(), x, create_graph=True)
    (d3,) = al.grad(d2.sum(), x)
    t = np.tanh(x.data)
    np.testing.assert_allclose(d1.data, 1 - t ** 2, rtol=1e-12)
    np.testing.assert_allclose(d2.data, -2 * t * (1 - t ** 2), rtol=1e-12)
    np.testing.assert_allclose(d3.data, (1 - t ** 2) * (6 * t ** 2 - 2), rtol=1e-10, atol=1e-14)


def test_backward_with_create_graph_then_backward_again():
    x = al.tensor(3.0, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.item() == 27.0
    x.grad = None
    g.backward()
    assert x.grad.item() == 18.0  # d/dx 3x² = 6x


def test_hessian_of_quadratic_form_is_a_plus_a_transpose():
    a = al.tensor(np.random.default_rng(0).standard_normal((4, 4)))
    x = rand(4, seed=111)
    h = hessian(lambda v: v @ a @ v, x)
    assert h.shape == (4, 4)
    np.testing.assert_allclose(h.data, a.data + a.data.T, rtol=1e-12)


def test_gradient_penalty_differentiated_with_respect_to_parameters():
    """L(w) = ‖∇ₓ f(x; w)‖² with f = Σ tanh(x·w): ∇ₓf = w(1 − tanh²(x·w)); compare dL/dw with finite differences."""
    x, w = rand(5, seed=112, requires_grad=True), rand(5, seed=113)

    def penalty(w_: al.Tensor) -> al.Tensor:
        x_ = x.detach().requires_grad_()
        (gx,) = al.grad(al.tanh(x_ @ w_).sum(), x_, create_graph=True)
        return (gx * gx).sum()

    loss = penalty(w)
    loss.backward()
    s = np.tanh(x.data @ w.data)
    np.testing.assert_allclose(loss.item(), np.sum(w.data ** 2) * (1 - s ** 2) ** 2)
    numeric = al.check.numerical_grad(penalty, w)
    np.testing.assert_allclose(w.grad.data, numeric, rtol=1e-6, atol=1e-9)
    assert x.grad is None  # only the parameters were asked for


def test_gradient_penalty_through_a_small_network():
    rng = np.random.default_rng(1)
    w1 = al.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w2 = al.tensor(rng.standard_normal(4), requires_grad=True)
    x = al.tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def penalty(w1_, w2_):
        out = (al.sigmoid(x @ w1_) @ w2_).sum()
        (gx,) = al.grad(out, x, create_graph=True)
        return (gx ** 2).sum()

    assert al.check.gradcheck(penalty, (w1, w2))


@pytest.mark.parametrize("in_shape,out_fn,out_shape", [
    ((3,), lambda x: x * 2.0, (3,)),
    ((2, 3), lambda x: x.sum(1), (2,)),
    ((3,), lambda x: x.sum(), ()),
    ((2,), lambda x: al.outer(x, x), (2, 2)),
], ids=["vec-vec", "mat-vec", "vec-scalar", "vec-mat"])
def test_jacobian_shape_is_output_then_input(in_shape, out_fn, out_shape):
    x = rand(*in_shape, seed=114)
    j = jacobian(out_fn, x)
    assert j.shape == out_shape + in_shape
    flat = j.data.reshape(int(np.prod(out_shape)), -1)
    for k in range(flat.shape[0]):
        onehot = np.zeros(out_shape)
        onehot.reshape(-1)[k] = 1
        want = al.check.numerical_grad(lambda t: (out_fn(t) * al.tensor(onehot)).sum(), x)
        np.testing.assert_allclose(flat[k], want.reshape(-1), rtol=1e-6, atol=1e-9)


def test_jacobian_for_several_inputs_and_outputs():
    a, b = rand(2, seed=115), rand(3, seed=116)
    ja, jb = jacobian(lambda p, q: al.outer(p, q), (a, b))
    assert ja.shape == (2, 3, 2) and jb.shape == (2, 3, 3)
    np.testing.assert_allclose(ja.data[1, 2], [0.0, b.data[2]])
    (j1a, j1b), (j2a, j2b) = jacobian(lambda p, q: (p.sum() * q, p * 2.0), (a, b))
    assert (j1a.shape, j1b.shape, j2a.shape, j2b.shape) == ((3, 2), (3, 3), (2, 2), (2, 3))
    np.testing.assert_array_equal(j2b.data, np.zeros((2, 3)))  # unused input: zeros
    np.testing.assert_allclose(j1b.data, a.data.sum() * np.eye(3))


def test_hessian_for_several_inputs():
    a, b = rand(2, seed=117), rand(3, seed=118)
    h = hessian(lambda p, q: (p.sum() ** 2) * (q ** 2).sum(), (a, b))
    assert [[blk.shape for blk in row] for row in h] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    s, q2 = a.data.sum(), (b.data ** 2).sum()
    np.testing.assert_allclose(h[0][0].data, np.full((2, 2), 2 * q2))
    np.testing.assert_allclose(h[0][1].data, np.tile(4 * s * b.data, (2, 1)))
    np.testing.assert_allclose(h[1][1].data, 2 * s ** 2 * np.eye(3))


def test_hessian_of_matrix_input_has_doubled_shape():
    x = rand(2, 3, seed=119)
    h = hessian(lambda t: (t ** 3).sum(), x)
    assert h.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(h.data.reshape(6, 6), np.diag(6 * x.data.reshape(-1)))


def test_hessian_requires_a_scalar_function():
    with pytest.raises(RuntimeError, match="single-element"):
        hessian(lambda t: t * 2.0, rand(3))


def test_jacobian_leaves_inputs_untouched():
    x = rand(3, seed=120)
    jacobian(lambda t: t.exp(), x)
    assert x.grad is None and x.is_leaf


@pytest.mark.parametrize("name,fn", [
    ("exp", al.exp), ("log", lambda t: al.log(t + 3.0)), ("sin", al.sin), ("sigmoid", al.sigmoid),
    ("sqrt", lambda t: al.sqrt(t + 3.0)), ("pow", lambda t: t ** 4), ("logsumexp", al.logsumexp),
    ("var", al.var), ("matmul", lambda t: t @ t), ("div", lambda t: 1.0 / (t + 3.0)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_hessian_matches_finite_differences_of_the_gradient(name, fn):
    x = rand(3, seed=121)
    h = hessian(lambda t: fn(t).sum(), x)

    def grad_of(t):
        t = t.detach().requires_grad_()
        return al.grad(fn(t).sum(), t)[0]
    cols = [al.check.numerical_grad(lambda t, k=k: grad_of(t)[k], x) for k in range(3)]
    np.testing.assert_allclose(h.data, np.stack(cols), rtol=1e-5, atol=1e-7)


# ----- the API contract (shared/API.md) as users meet it --------------------------------------------
from tests.helpers import assert_signature, data, leaf, torch_or_skip  # noqa: E402


def test_grad_modes():
    x = leaf(data(3))
    assert al.is_grad_enabled()
    with al.no_grad():
        assert not al.is_grad_enabled()
        assert not (x * 2).requires_grad
        with al.enable_grad():
            assert al.is_grad_enabled() and (x * 2).requires_grad
    assert al.is_grad_enabled()

    @al.no_grad()
    def scaled(t):
        return t * 2

    assert not scaled(x).requires_grad and al.is_grad_enabled()


def test_grad_signature_and_values_against_torch():
    torch = torch_or_skip()
    assert_signature(al.grad, ["outputs", "inputs", "grad_outputs", "retain_graph", "create_graph"],
                     grad_outputs=None, retain_graph=None, create_graph=False)
    a, b = data(3), data(3, seed=2)
    x, y = leaf(a), leaf(b)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out = al.grad((x * y).sin().sum(), [x, y])
    expected = torch.autograd.grad((tx * ty).sin().sum(), [tx, ty])
    assert isinstance(out, tuple) and len(out) == 2
    for o, e in zip(out, expected):
        np.testing.assert_allclose(o.data, e.numpy())
    assert x.grad is None and y.grad is None  # .grad untouched
    w = data(3, seed=5)
    (gx,) = al.grad(x * y, x, grad_outputs=al.tensor(w))
    np.testing.assert_allclose(gx.data, w * b)
    (g,) = al.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = al.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, 6 * a)


def test_jacobian_and_hessian_against_torch():
    torch = torch_or_skip()
    from torch.autograd import functional as TF
    a, b = data(3), data(2, 3, seed=3)

    def f(x, w):
        return al.tanh(w @ x) if isinstance(x, al.Tensor) else torch.tanh(w @ x)

    j = al.functional.jacobian(f, (al.tensor(a), al.tensor(b)))
    tj = TF.jacobian(f, (torch.tensor(a), torch.tensor(b)))
    for o, e in zip(j, tj):
        np.testing.assert_allclose(o.data, e.numpy(), atol=1e-10)
    j1 = al.functional.jacobian(lambda x: x.exp() * x.sum(), al.tensor(a))
    assert isinstance(j1, al.Tensor) and j1.shape == (3, 3)
    np.testing.assert_allclose(j1.data, TF.jacobian(lambda x: x.exp() * x.sum(), torch.tensor(a)).numpy())

    def g(x):
        return (x.sin() * x).sum() if isinstance(x, al.Tensor) else (x.sin() * x).sum()

    np.testing.assert_allclose(al.functional.hessian(g, al.tensor(a)).data,
                               TF.hessian(g, torch.tensor(a)).numpy(), atol=1e-10)
    h = al.functional.hessian(lambda x, y: (x * x * y).sum(), (al.tensor(a), al.tensor(a + 1)))
    th = TF.hessian(lambda x, y: (x * x * y).sum(), (torch.tensor(a), torch.tensor(a + 1)))
    for row, trow in zip(h, th):
        for o, e in zip(row, trow):
            np.testing.assert_allclose(o.data, e.numpy(), atol=1e-10)
