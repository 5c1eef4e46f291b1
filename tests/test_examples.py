"""The theory homework's derivations: autodiff equals the hand-derived closed form, and gradcheck passes."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.check import gradcheck
from autograd_lite.examples import autoencoder, gplvm, swish_net


@pytest.mark.parametrize("m,n", [(1, 3), (2, 4), (3, 7)])
def test_autoencoder_closed_form_sums_both_paths(m, n):
    W, x = autoencoder.example_inputs(m, n, seed=m + n)
    Wt = al.tensor(W, requires_grad=True)
    autoencoder.loss(Wt, al.tensor(x)).backward()
    np.testing.assert_allclose(Wt.grad.data, autoencoder.grad_W(W, x), rtol=1e-10, atol=1e-12)
    one_path = autoencoder.grad_W_one_path(W, x)
    assert np.max(np.abs(one_path - Wt.grad.data)) > 1e-3  # the classic answer really is wrong


def test_autoencoder_gradcheck():
    W, x = autoencoder.example_inputs()
    assert gradcheck(lambda w: autoencoder.loss(w, al.tensor(x)), [al.tensor(W)])


@pytest.mark.parametrize("alpha,beta", [(1.0, 4.0), (0.5, 10.0), (2.0, 1.0)])
def test_gplvm_closed_forms_for_x_and_k(alpha, beta):
    X, Y = gplvm.example_inputs(seed=int(beta))
    Xt = al.tensor(X, requires_grad=True)
    L, parts = gplvm.log_likelihood(Xt, Y, alpha, beta, return_intermediates=True)
    dX, dK = al.grad(L, [Xt, parts["K"]])
    np.testing.assert_allclose(dX.data, gplvm.grad_X(X, Y, alpha, beta), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(dK.data, gplvm.grad_K(X, Y, alpha, beta), rtol=1e-9, atol=1e-11)


def test_gplvm_value_matches_direct_formula():
    X, Y = gplvm.example_inputs()
    K = gplvm.kernel(X)
    expected = -Y.shape[1] / 2 * np.log(np.linalg.det(K)) - 0.5 * np.trace(np.linalg.solve(K, Y @ Y.T))
    np.testing.assert_allclose(gplvm.log_likelihood(al.tensor(X), Y).item(), expected, rtol=1e-12)


def test_gplvm_gradcheck_and_second_order():
    X, Y = gplvm.example_inputs(n=4, q=2, d=3)
    from tests.helpers import check_op
    check_op(lambda x: gplvm.log_likelihood(x, Y), al.tensor(X))


def test_swish_net_all_four_gradients():
    data = swish_net.example_inputs()
    params = {k: al.tensor(v, requires_grad=True) for k, v in data.items() if k in ("W1", "b1", "W2", "b2")}
    swish_net.loss(data["X"], data["y"], **params).backward()
    closed = swish_net.grads(**data)
    assert set(closed) == set(params)
    for name, p in params.items():
        np.testing.assert_allclose(p.grad.data, closed[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_swish_net_loss_value_and_gradcheck():
    data = swish_net.example_inputs(n=3, d=2, h=3, c=4)
    Z1 = data["X"] @ data["W1"].T + data["b1"]
    Z2 = Z1 / (1 + np.exp(-Z1)) @ data["W2"].T + data["b2"]
    log_p = Z2 - np.log(np.exp(Z2).sum(1, keepdims=True))
    expected = -log_p[np.arange(3), data["y"]].mean()
    params = [al.tensor(data[k]) for k in ("W1", "b1", "W2", "b2")]
    assert np.isclose(swish_net.loss(data["X"], data["y"], *params).item(), expected, rtol=1e-12)
    assert gradcheck(lambda *ps: swish_net.loss(data["X"], data["y"], *ps), params)


def test_swish_derivative_matches_homework_form():
    z = np.linspace(-5, 5, 11)
    s = 1 / (1 + np.exp(-z))
    homework = (1 + (z + 1) * np.exp(-z)) / (1 + np.exp(-z)) ** 2
    np.testing.assert_allclose(s * (1 + z * (1 - s)), homework, rtol=1e-12)
