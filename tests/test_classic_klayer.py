"""classic.klayer: the column-major k-layer network of seed 000 (batch norm, running averages, cyclic LR)."""
from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.classic.data_utils import get_CIFAR10_data
from autograd_lite.classic.gradient_check import eval_numerical_gradient
from autograd_lite.classic.klayer import KLayerNetwork, cyclic_learning_rate


def relerr(ga, gn, eps=1e-6):
    """The notebook's relative error: ‖ga − gn‖ / max(eps, ‖ga‖ + ‖gn‖)."""
    return np.linalg.norm(ga - gn) / max(eps, np.linalg.norm(ga) + np.linalg.norm(gn))


def tiny_batch(k=4, d=10, n=5, seed=0):
    rng = np.random.RandomState(seed)
    y = rng.randint(k, size=n)
    return rng.randn(d, n), np.eye(k)[:, y], y


@pytest.mark.parametrize("batchnorm, hidden", [(False, [6, 5, 4]), (True, [6]), (True, [6, 5])],
                         ids=["4-layer", "2-layer-bn", "3-layer-bn"])
def test_gradients_match_centered_differences(batchnorm, hidden):
    """The notebook's sanity checks ("Sanity check with numerical gradients", with and without batch norm)."""
    X, Y, _ = tiny_batch()
    lmda = 0.1 if not batchnorm else 0.01
    net = KLayerNetwork(4, 10, hidden, seed=65465168, batchnorm=batchnorm)
    grads = net.compute_gradients(X, Y, lmda)
    for i, layer in enumerate(net.layers):
        expected = {"W", "b"} | ({"gamma", "beta"} if batchnorm and i < len(net.layers) - 1 else set())
        assert set(grads[i]) == expected
        for name, g in grads[i].items():
            num = eval_numerical_gradient(lambda _: net.compute_cost(X, Y, lmda, train=True)[0], layer[name],
                                          verbose=False, h=1e-5)
            assert g.shape == layer[name].shape
            if batchnorm and name == "b" and i < len(net.layers) - 1:
                assert np.abs(g).max() < 1e-12  # batch norm zeroes out a hidden layer's bias gradient
            else:
                assert relerr(g, num) < 1e-7, (i, name, relerr(g, num))


def test_cost_and_shapes():
    X, Y, y = tiny_batch()
    net = KLayerNetwork(4, 10, [6, 5], seed=1)
    P = net.forward(X)
    assert P.shape == (4, 5)
    np.testing.assert_allclose(P.sum(axis=0), 1)
    cost, loss = net.compute_cost(X, Y, 0.1)
    assert loss == pytest.approx(-np.mean(np.log(P[y, np.arange(5)])), rel=1e-12)
    assert cost == pytest.approx(loss + 0.1 * sum(np.sum(layer["W"] ** 2) for layer in net.layers), rel=1e-12)
    assert net.compute_accuracy(X, y) == np.mean(np.argmax(P, axis=0) == y)
    assert [layer["W"].shape for layer in net.layers] == [(6, 10), (5, 6), (4, 5)]


def test_initialisation_follows_the_seed():
    """W ~ N(0, 1/sqrt(d_in)) then gamma ~ N(1, 1/sqrt(d_out)) per layer, as np.random.seed(seed) would draw."""
    net = KLayerNetwork(4, 10, [6], seed=65465168)
    np.random.seed(65465168)
    W1 = np.random.normal(0, 1 / np.sqrt(10), size=(6, 10))
    gamma1 = np.random.normal(1, 1 / np.sqrt(6), size=(6, 1))
    W2 = np.random.normal(0, 1 / np.sqrt(6), size=(4, 6))
    np.testing.assert_array_equal(net.layers[0]["W"], W1)
    np.testing.assert_array_equal(net.layers[0]["gamma"], gamma1)
    np.testing.assert_array_equal(net.layers[1]["W"], W2)
    sigma_net = KLayerNetwork(4, 10, [6], seed=3, sigma=1e-4)
    assert np.abs(sigma_net.layers[0]["W"]).max() < 1e-3


def test_exponential_running_averages():
    """First batch: the averages start at its statistics; later: alpha·running + (1 − alpha)·batch (alpha 0.8)."""
    net = KLayerNetwork(4, 10, [6], seed=2, batchnorm=True)
    batches = [tiny_batch(seed=s) for s in (1, 2, 3)]
    expected_mu = None
    for X, Y, _ in batches:
        S = net.layers[0]["W"] @ X + net.layers[0]["b"]  # W and b before this step's update
        mu, v = S.mean(axis=1, keepdims=True), S.var(axis=1, keepdims=True)
        expected_mu, expected_v = (mu, v) if expected_mu is None else (expected_mu, expected_v)
        expected_mu, expected_v = 0.8 * expected_mu + 0.2 * mu, 0.8 * expected_v + 0.2 * v
        net.update(net.compute_gradients(X, Y, 0.01), 0.05)
        np.testing.assert_allclose(net.layers[0]["mu"], expected_mu, rtol=1e-12)
        np.testing.assert_allclose(net.layers[0]["v"], expected_v, rtol=1e-12)
    X, _, _ = batches[0]
    S = net.layers[0]["W"] @ X + net.layers[0]["b"]
    H = np.maximum(0, net.layers[0]["gamma"] * (S - expected_mu) / np.sqrt(expected_v + 1e-8) + net.layers[0]["beta"])
    S2 = net.layers[1]["W"] @ H + net.layers[1]["b"]
    np.testing.assert_allclose(net.forward(X), np.exp(S2) / np.exp(S2).sum(axis=0), rtol=1e-10)  # test mode


def test_cyclic_learning_rate():
    eta_min, eta_max, n_s = 1e-5, 1e-1, 500
    assert cyclic_learning_rate(eta_min, eta_max, n_s, 0) == eta_min
    assert cyclic_learning_rate(eta_min, eta_max, n_s, n_s) == pytest.approx(eta_max)
    assert cyclic_learning_rate(eta_min, eta_max, n_s, n_s // 2) == pytest.approx((eta_min + eta_max) / 2)
    assert cyclic_learning_rate(eta_min, eta_max, n_s, 3 * n_s // 2) == pytest.approx((eta_min + eta_max) / 2)
    assert cyclic_learning_rate(eta_min, eta_max, n_s, 2 * n_s) == pytest.approx(eta_min)
    assert cyclic_learning_rate(eta_min, eta_max, n_s, 3 * n_s) == pytest.approx(eta_max)


def test_mini_batch_gd_with_cyclic_rate_learns_digits():
    data = get_CIFAR10_data()
    def columns(X):
        return X.reshape(len(X), -1).T / 64.0
    Xtr, ytr = columns(data["X_train"]), data["y_train"]
    Xv, yv = columns(data["X_val"]), data["y_val"]
    net = KLayerNetwork(10, 64, [50, 30], seed=1, batchnorm=True)
    history = net.mini_batch_gd(Xtr, np.eye(10)[:, ytr], ytr, lmbda=0.005, n_batch=100, eta_min=1e-5, eta_max=1e-1,
                                step_size=39, n_epochs=6, X_val=Xv, Y_val=np.eye(10)[:, yv], y_val=yv, seed=0)
    assert len(history["lr"]) == 6 * (1347 // 100) and len(history["val_acc"]) == 6
    assert max(history["lr"]) == pytest.approx(1e-1) and history["lr"][0] == 1e-5
    assert history["val_acc"][-1] > 0.8 and history["cost"][-1] < history["cost"][0]
