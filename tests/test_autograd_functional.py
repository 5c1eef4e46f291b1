"""al.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp — values, structure, options, and PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import autograd
from autograd_lite.autograd import functional as AF

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 2))
B = rng.standard_normal((2,))


def t(a, grad=False):
    return al.tensor(a, requires_grad=grad)


def f_two(x, y):  # (3,) x (2,) -> (3,): tanh(x) * (A @ y)
    return x.tanh() * (t(A) @ y)


def scalar(x, y):  # (3,) x (2,) -> (): Σ sin(x)·(A y) + (y·y)²
    return (x.sin() * (t(A) @ y)).sum() + (y * y).sum() ** 2


def jac_two(x, y):
    """Closed forms of ∂f_two/∂x (diagonal) and ∂f_two/∂y."""
    ay = A @ y
    return np.diag((1 - np.tanh(x) ** 2) * ay), np.tanh(x)[:, None] * A


X, Y = rng.standard_normal(3), rng.standard_normal(2)


def test_jacobian_values_and_structure():
    jx, jy = AF.jacobian(f_two, (t(X), t(Y)))
    ex, ey = jac_two(X, Y)
    np.testing.assert_allclose(jx.data, ex, rtol=1e-12)
    np.testing.assert_allclose(jy.data, ey, rtol=1e-12)
    single = AF.jacobian(lambda x: f_two(x, t(Y)), t(X))
    assert isinstance(single, al.Tensor) and single.shape == (3, 3)
    both = AF.jacobian(lambda x: (x * 2, x.sum()), t(X))
    assert isinstance(both, tuple) and both[0].shape == (3, 3) and both[1].shape == (3,)
    assert not jx.requires_grad


def test_hessian_matches_closed_form():
    x, y = X, Y
    (hxx, hxy), (hyx, hyy) = AF.hessian(scalar, (t(x), t(y)))
    ay = A @ y
    np.testing.assert_allclose(hxx.data, np.diag(-np.sin(x) * ay), rtol=1e-12)
    np.testing.assert_allclose(hxy.data, np.cos(x)[:, None] * A, rtol=1e-12)
    np.testing.assert_allclose(hyx.data, hxy.data.T, rtol=1e-12)
    s = y @ y
    np.testing.assert_allclose(hyy.data, 4 * s * np.eye(2) + 8 * np.outer(y, y), rtol=1e-12)


def test_vjp_jvp_are_transposes_through_the_jacobian():
    ex, ey = jac_two(X, Y)
    v = rng.standard_normal(3)
    out, (gx, gy) = AF.vjp(f_two, (t(X), t(Y)), t(v))
    np.testing.assert_allclose(out.data, np.tanh(X) * (A @ Y))
    np.testing.assert_allclose(gx.data, v @ ex, rtol=1e-12)
    np.testing.assert_allclose(gy.data, v @ ey, rtol=1e-12)
    u = (rng.standard_normal(3), rng.standard_normal(2))
    out, jv = AF.jvp(f_two, (t(X), t(Y)), (t(u[0]), t(u[1])))
    np.testing.assert_allclose(jv.data, ex @ u[0] + ey @ u[1], rtol=1e-12)


def test_hvp_equals_vhp_equals_hessian_times_v():
    (hxx, hxy), (hyx, hyy) = AF.hessian(scalar, (t(X), t(Y)))
    h = np.block([[hxx.data, hxy.data], [hyx.data, hyy.data]])
    v = (rng.standard_normal(3), rng.standard_normal(2))
    expected = h @ np.concatenate(v)
    for fn in (AF.hvp, AF.vhp):
        val, (a, b) = fn(scalar, (t(X), t(Y)), (t(v[0]), t(v[1])))
        np.testing.assert_allclose(val.data, scalar(t(X), t(Y)).data)
        np.testing.assert_allclose(np.concatenate([a.data, b.data]), expected, rtol=1e-12)


def test_create_graph_keeps_results_differentiable_in_the_callers_inputs():
    x = t(X, grad=True)
    jac = AF.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert jac.requires_grad
    (g,) = autograd.grad(jac.sum(), x)
    np.testing.assert_allclose(g.data, 6 * X, rtol=1e-12)
    _, hv = AF.hvp(lambda a: (a ** 4).sum(), x, t(np.ones(3)), create_graph=True)
    (g,) = autograd.grad(hv.sum(), x)
    np.testing.assert_allclose(g.data, 24 * X, rtol=1e-12)


def test_unused_input_zeros_or_strict_error():
    jx, jy = AF.jacobian(lambda x, y: x * 2, (t(X), t(Y)))
    assert jy.shape == (3, 2) and not jy.data.any()
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda x, y: x * 2, (t(X), t(Y)), strict=True)
    _, (gx, gy) = AF.vjp(lambda x, y: x.sum(), (t(X), t(Y)))
    assert not gy.data.any()
    with pytest.raises(RuntimeError, match="strict"):
        AF.hessian(lambda x: x.sum(), t(X), strict=True)


def test_bad_arguments_raise_pytorch_errors():
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda x: x, [1.0, 2.0])
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        AF.jacobian(lambda x: 3.0, t(X))
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda x: x * 2, t(X))
    with pytest.raises(RuntimeError, match="mismatch in shape"):
        AF.jvp(lambda x: x * 2, t(X), t(np.ones(4)))
    with pytest.raises(RuntimeError, match="single element"):
        AF.hessian(lambda x: x * 2, t(X))


def test_caller_inputs_are_not_changed():
    x = t(X)
    AF.jacobian(lambda a: a * 2, x)
    assert not x.requires_grad and x.grad is None


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    TAF = torch.autograd.functional

    def ours(x, y):
        return f_two(x, y) if name in ("jacobian", "vjp", "jvp") else scalar(x, y)

    def theirs(x, y):
        a = torch.tensor(A)
        if name in ("jacobian", "vjp", "jvp"):
            return x.tanh() * (a @ y)
        return (x.sin() * (a @ y)).sum() + (y * y).sum() ** 2

    v_out, v_in = rng.standard_normal(3), (rng.standard_normal(3), rng.standard_normal(2))
    args = {"vjp": (v_out,), "jvp": (v_in,), "hvp": (v_in,), "vhp": (v_in,)}.get(name)
    to_ours = lambda a: tuple(al.tensor(e) for e in a) if isinstance(a, tuple) else al.tensor(a)  # noqa: E731
    to_torch = lambda a: tuple(torch.tensor(e) for e in a) if isinstance(a, tuple) else torch.tensor(a)  # noqa: E731
    mine = getattr(AF, name)(ours, to_ours((X, Y)), *([to_ours(args[0])] if args else []))
    ref = getattr(TAF, name)(theirs, to_torch((X, Y)), *([to_torch(args[0])] if args else []))

    def flat(value):
        if isinstance(value, (tuple, list)):
            return [e for v in value for e in flat(v)]
        return [np.asarray(value.detach().numpy() if hasattr(value, "detach") else value)]

    a, b = flat(mine), flat(ref)
    assert len(a) == len(b)
    for u, w in zip(a, b):
        assert u.shape == w.shape
        np.testing.assert_allclose(u, w, rtol=1e-10, atol=1e-12)
