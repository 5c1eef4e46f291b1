"""classic batch / layer / spatial batch / group normalization against the notebooks' checks (seed 002)."""
from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.classic.gradient_check import eval_numerical_gradient_array
from autograd_lite.classic.layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward,
                                          layernorm_backward, layernorm_forward, spatial_batchnorm_backward,
                                          spatial_batchnorm_forward, spatial_groupnorm_backward,
                                          spatial_groupnorm_forward)
from tests.helpers import rel_error


def two_layer_activations(N):
    np.random.seed(231)
    D1, D2, D3 = 50, 60, 3
    X = np.random.randn(N, D1)
    W1, W2 = np.random.randn(D1, D2), np.random.randn(D2, D3)
    return np.maximum(0, X.dot(W1)).dot(W2)


def numeric_check(forward, backward, x, gamma, beta, dout, threshold):
    """Gradient-check (dx, dgamma, dbeta) of a normalization layer against eval_numerical_gradient_array."""
    _, cache = forward(x, gamma, beta)
    dx, dgamma, dbeta = backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: forward(v, gamma, beta)[0], x, dout)
    dg_num = eval_numerical_gradient_array(lambda v: forward(x, v, beta)[0], gamma.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: forward(x, gamma, v)[0], beta.copy(), dout)
    assert dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    for name, num, ana in [("dx", dx_num, dx), ("dgamma", dg_num, dgamma), ("dbeta", db_num, dbeta)]:
        assert rel_error(num, ana) < threshold, f"{name}: {rel_error(num, ana)}"


def test_batchnorm_train_statistics():
    a = two_layer_activations(200)
    np.testing.assert_allclose(a.mean(axis=0), [-2.3814598, -13.18038246, 1.91780462], rtol=1e-7)
    np.testing.assert_allclose(a.std(axis=0), [27.18502186, 34.21455511, 37.68611762], rtol=1e-7)
    a_norm, _ = batchnorm_forward(a, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=0), 1, atol=1e-7)   # printed 0.99999999 1. 1.
    gamma, beta = np.asarray([1.0, 2.0, 3.0]), np.asarray([11.0, 12.0, 13.0])
    a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=0), beta, rtol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=0), gamma, rtol=1e-7)


def test_batchnorm_running_averages_and_test_mode():
    """running = 0.9·running + 0.1·batch from zeros, biased variance; test mode uses them."""
    np.random.seed(231)
    N, D1, D2, D3 = 200, 50, 60, 3
    W1, W2 = np.random.randn(D1, D2), np.random.randn(D2, D3)
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(D3), np.zeros(D3)
    expected_mean, expected_var = np.zeros(D3), np.zeros(D3)
    for t in range(50):
        a = np.maximum(0, np.random.randn(N, D1).dot(W1)).dot(W2)
        batchnorm_forward(a, gamma, beta, bn_param)
        expected_mean = 0.9 * expected_mean + 0.1 * a.mean(axis=0)
        expected_var = 0.9 * expected_var + 0.1 * a.var(axis=0)
    np.testing.assert_allclose(bn_param["running_mean"], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], expected_var, rtol=1e-12)
    bn_param["mode"] = "test"
    a = np.maximum(0, np.random.randn(N, D1).dot(W1)).dot(W2)
    a_norm, _ = batchnorm_forward(a, gamma, beta, bn_param)
    # "Means should be close to zero and stds close to one, but will be noisier than training-time"
    np.testing.assert_allclose(a_norm.mean(axis=0), 0, atol=0.15)
    np.testing.assert_allclose(a_norm.std(axis=0), 1, atol=0.15)
    np.testing.assert_allclose(a_norm, (a - expected_mean) / np.sqrt(expected_var + 1e-5), rtol=1e-12)


def test_batchnorm_backward_numeric():
    np.random.seed(231)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma, beta, dout = np.random.randn(D), np.random.randn(D), np.random.randn(N, D)
    bn_param = {"mode": "train"}
    numeric_check(lambda x, g, b: batchnorm_forward(x, g, b, bn_param), batchnorm_backward, x, gamma, beta, dout,
                  1e-8)  # "between 1e-13 and 1e-8"


def test_batchnorm_backward_alt_matches():
    np.random.seed(231)
    N, D = 100, 500
    x = 5 * np.random.randn(N, D) + 12
    gamma, beta, dout = np.random.randn(D), np.random.randn(D), np.random.randn(N, D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for g1, g2 in zip(batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)):
        assert rel_error(g1, g2) < 1e-11  # the notebook: dx difference 2.6e-12, dgamma/dbeta 0.0


def test_layernorm_statistics():
    np.random.seed(231)
    N, D1, D2, D3 = 4, 50, 60, 3
    X = np.random.randn(N, D1)
    W1, W2 = np.random.randn(D1, D2), np.random.randn(D2, D3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    np.testing.assert_allclose(a.mean(axis=1), [-59.06673243, -47.60782686, -43.31137368, -26.40991744], rtol=1e-7)
    np.testing.assert_allclose(a.std(axis=1), [10.07429373, 28.39478981, 35.28360729, 4.01831507], rtol=1e-7)
    a_norm, _ = layernorm_forward(a, np.ones(D3), np.zeros(D3), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=1), [0.99999995, 0.99999999, 1., 0.99999969], atol=1e-8)
    a_norm, _ = layernorm_forward(a, np.full(D3, 3.0), np.full(D3, 5.0), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=1), 5, rtol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=1), [2.99999985, 2.99999998, 2.99999999, 2.99999907], atol=1e-8)


def test_layernorm_backward_numeric():
    np.random.seed(231)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma, beta, dout = np.random.randn(D), np.random.randn(D), np.random.randn(N, D)
    numeric_check(lambda x, g, b: layernorm_forward(x, g, b, {}), layernorm_backward, x, gamma, beta, dout,
                  1e-8)  # "between 1e-12 and 1e-8"


def test_spatial_batchnorm_train_statistics():
    np.random.seed(231)
    N, C, H, W = 2, 3, 4, 5
    x = 4 * np.random.randn(N, C, H, W) + 10
    np.testing.assert_allclose(x.mean(axis=(0, 2, 3)), [9.33463814, 8.90909116, 9.11056338], rtol=1e-7)
    np.testing.assert_allclose(x.std(axis=(0, 2, 3)), [3.61447857, 3.19347686, 3.5168142], rtol=1e-7)
    out, _ = spatial_batchnorm_forward(x, np.ones(C), np.zeros(C), {"mode": "train"})
    assert out.shape == (N, C, H, W)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), [0.99999962, 0.99999951, 0.9999996], atol=1e-8)
    gamma, beta = np.asarray([3, 4, 5]), np.asarray([6, 7, 8])
    out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), [2.99999885, 3.99999804, 4.99999798], atol=1e-8)


def test_spatial_batchnorm_test_mode():
    np.random.seed(231)
    N, C, H, W = 10, 4, 11, 12
    bn_param, gamma, beta = {"mode": "train"}, np.ones(C), np.zeros(C)
    for t in range(50):
        spatial_batchnorm_forward(2.3 * np.random.randn(N, C, H, W) + 13, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    a_norm, _ = spatial_batchnorm_forward(2.3 * np.random.randn(N, C, H, W) + 13, gamma, beta, bn_param)
    # close to 0 and 1, noisier than in training (and the averages started at zero: 0.9**50 of bias)
    np.testing.assert_allclose(a_norm.mean(axis=(0, 2, 3)), 0, atol=0.15)
    np.testing.assert_allclose(a_norm.std(axis=(0, 2, 3)), 1, atol=0.15)
    assert bn_param["running_mean"].shape == (C,) and bn_param["running_var"].shape == (C,)


def test_spatial_batchnorm_backward_numeric():
    np.random.seed(231)
    N, C, H, W = 2, 3, 4, 5
    x = 5 * np.random.randn(N, C, H, W) + 12
    gamma, beta, dout = np.random.randn(C), np.random.randn(C), np.random.randn(N, C, H, W)
    bn_param = {"mode": "train"}
    numeric_check(lambda x, g, b: spatial_batchnorm_forward(x, g, b, bn_param), spatial_batchnorm_backward,
                  x, gamma, beta, dout, 1e-6)  # "between 1e-12 and 1e-06"


def test_spatial_groupnorm_statistics():
    np.random.seed(231)
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 4 * np.random.randn(N, C, H, W) + 10
    x_g = x.reshape((N * G, -1))
    np.testing.assert_allclose(x_g.mean(axis=1), [9.72505327, 8.51114185, 8.9147544, 9.43448077], rtol=1e-7)
    np.testing.assert_allclose(x_g.std(axis=1), [3.67070958, 3.09892597, 4.27043622, 3.97521327], rtol=1e-7)
    out, _ = spatial_groupnorm_forward(x, np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1)), G, {"mode": "train"})
    assert out.shape == (N, C, H, W)
    out_g = out.reshape((N * G, -1))
    np.testing.assert_allclose(out_g.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out_g.std(axis=1), [0.99999963, 0.99999948, 0.99999973, 0.99999968], atol=1e-8)


def test_spatial_groupnorm_backward_numeric():
    np.random.seed(231)
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 5 * np.random.randn(N, C, H, W) + 12
    gamma, beta = np.random.randn(1, C, 1, 1), np.random.randn(1, C, 1, 1)
    dout = np.random.randn(N, C, H, W)
    numeric_check(lambda x, g, b: spatial_groupnorm_forward(x, g, b, G, {}), spatial_groupnorm_backward,
                  x, gamma, beta, dout, 1e-7)  # "between 1e-12~1e-07"


def test_bad_mode_and_groups_are_errors():
    with pytest.raises(ValueError, match="invalid mode"):
        batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "eval"})
    with pytest.raises(ValueError, match="G=4"):
        spatial_groupnorm_forward(np.ones((1, 6, 2, 2)), np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), 4, {})
