"""classic.fc_net and classic.cnn against the notebooks' checks (seeds 002, 004).

Network gradient checks use classic.gradient_check.eval_numerical_gradient on a
strided view of each parameter (writes through the view change the parameter,
as the notebooks' closures expect): every parameter is checked across its
extent at a fraction of the cost of all of its elements.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.classic.cnn import ThreeLayerConvNet
from autograd_lite.classic.fc_net import FullyConnectedNet, TwoLayerNet
from autograd_lite.classic.gradient_check import eval_numerical_gradient
from tests.helpers import rel_error



def spread(shape, per_dim=3):
    """A strided index selecting about per_dim entries along every axis (a view, not a copy)."""
    return tuple(slice(None, None, max(1, n // per_dim)) for n in shape)


def param_errors(model, X, y, names=None, h=1e-5):
    """name -> rel_error(numeric, engine) on a strided view of each parameter."""
    _, grads = model.loss(X, y)
    errors = {}
    for name in sorted(names or grads):
        idx = spread(model.params[name].shape)
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name][idx], verbose=False, h=h)
        errors[name] = rel_error(num, grads[name][idx])
    return errors


def notebook_fc_data():
    np.random.seed(231)
    N, D, C = 2, 15, 10
    return np.random.randn(N, D), np.random.randint(C, size=(N,))


# ----- TwoLayerNet (FullyConnectedNets notebook, In [42]) -------------------------------------------
@pytest.fixture
def two_layer():
    np.random.seed(231)
    N, D, H, C = 3, 5, 50, 7
    np.random.randn(N, D), np.random.randint(C, size=N)  # the notebook draws X and y before the model
    std = 1e-3
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=std)
    assert abs(model.params["W1"].std() - std) < std / 10
    assert np.all(model.params["b1"] == 0)
    assert abs(model.params["W2"].std() - std) < std / 10
    assert np.all(model.params["b2"] == 0)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return model, X, np.asarray([0, 5, 1])


def test_two_layer_scores_and_losses(two_layer):
    model, X, y = two_layer
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    assert np.abs(model.loss(X) - correct_scores).sum() < 1e-6
    loss, _ = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    model.reg = 1.0
    loss, _ = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_gradients(two_layer, reg):
    model, X, y = two_layer
    model.reg = reg
    for name, err in param_errors(model, X, y).items():
        assert err < 1e-6, (name, err)  # "Errors should be around e-7 or less"


# ----- FullyConnectedNet -------------------------------------------------------------------------
@pytest.mark.parametrize("reg, initial_loss", [(0, 2.3004790897684924), (3.14, 7.052114776533016)])
def test_fc_net_initial_loss_and_gradients(reg, initial_loss):
    X, y = notebook_fc_data()
    if reg:  # the notebook builds the reg=3.14 model after the reg=0 one
        FullyConnectedNet([20, 30], input_dim=15, num_classes=10, weight_scale=5e-2)
    model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2, dtype=np.float64)
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(initial_loss, abs=1e-12)
    assert sorted(grads) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    for name, err in param_errors(model, X, y).items():
        limit = 1e-4 if (name == "W2" and reg == 0) else 1e-6  # "fine to see W2 ~e-5 when reg = 0"
        assert err < limit, (name, err)


@pytest.mark.parametrize("reg, initial_loss", [(0, 2.2611955101340957), (3.14, 6.996533220108303)])
def test_fc_net_batchnorm(reg, initial_loss):
    X, y = notebook_fc_data()
    if reg:
        FullyConnectedNet([20, 30], input_dim=15, num_classes=10, weight_scale=5e-2, normalization="batchnorm")
    model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2,
                              dtype=np.float64, normalization="batchnorm")
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(initial_loss, abs=1e-12)
    assert sorted(grads) == ["W1", "W2", "W3", "b1", "b2", "b3", "beta1", "beta2", "gamma1", "gamma2"]
    # a bias right before batch norm cannot change the output: its gradient is zero
    assert np.abs(grads["b1"]).max() < 1e-12 and np.abs(grads["b2"]).max() < 1e-12
    errors = param_errors(model, X, y, names=["W1", "W2", "W3", "b3", "beta1", "beta2", "gamma1", "gamma2"])
    for name, err in errors.items():
        limit = 1e-3 if name.startswith("W") else 1e-7  # "1e-4~1e-10 for W ... 1e-08~1e-09 for beta and gammas"
        assert err < limit, (name, err)
    assert all(p["mode"] == "train" and "running_mean" in p for p in model.bn_params)


def test_fc_net_layernorm():
    X, y = notebook_fc_data()
    model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, weight_scale=5e-2, dtype=np.float64,
                              normalization="layernorm")
    for name, err in param_errors(model, X, y).items():
        assert err < 1e-6, (name, err)


def test_fc_net_dropout_initial_losses_and_gradients():
    """The Dropout notebook's loop: keep probability 1, 0.75, 0.5 with seed 123."""
    X, y = notebook_fc_data()
    expected = {1: 2.3004790897684924, 0.75: 2.302371489704412, 0.5: 2.3042759220785896}
    for dropout, initial_loss in expected.items():
        model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, weight_scale=5e-2, dtype=np.float64,
                                  dropout=dropout, seed=123)
        loss, _ = model.loss(X, y)
        assert loss == pytest.approx(initial_loss, abs=1e-12), dropout
        if dropout != 1:
            for name, err in param_errors(model, X, y).items():
                assert err < 1e-5, (dropout, name, err)  # "around e-6 or less"


def test_fc_net_test_mode_is_deterministic_and_float32_by_default():
    np.random.seed(0)
    model = FullyConnectedNet([8], input_dim=6, num_classes=3, dropout=0.5, normalization="batchnorm")
    assert all(v.dtype == np.float32 for v in model.params.values())
    X, y = np.random.randn(5, 6), np.array([0, 1, 2, 0, 1])
    model.loss(X, y)  # one training pass fills the running averages
    scores = model.loss(X)
    assert scores.shape == (5, 3) and scores.dtype == np.float32
    np.testing.assert_array_equal(scores, model.loss(X))
    assert model.dropout_param["mode"] == "test" and model.bn_params[0]["mode"] == "test"
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([8], normalization="groupnorm")


# ----- ThreeLayerConvNet -------------------------------------------------------------------------
def test_three_layer_convnet_shapes_and_initial_loss():
    np.random.seed(231)
    model = ThreeLayerConvNet()
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,),
                      "W3": (100, 10), "b3": (10,)}
    N = 10
    X, y = np.random.randn(N, 3, 32, 32), np.random.randint(10, size=N)
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=0.02)  # "about log(C) for C classes"
    assert {k: v.shape for k, v in grads.items()} == shapes
    model.reg = 0.5
    assert model.loss(X, y)[0] > loss  # "When we add regularization this should go up"


def test_three_layer_convnet_gradients():
    """The notebook's gradient check configuration: 2 inputs of (3, 16, 16), 3 filters 3×3, hidden 7."""
    np.random.seed(231)
    X, y = np.random.randn(2, 3, 16, 16), np.random.randint(10, size=2)
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=(3, 16, 16), hidden_dim=7, dtype=np.float64)
    for name, err in param_errors(model, X, y, h=1e-6).items():
        assert err < 1e-1, (name, err)  # "correct implementations may have relative errors up to the order of e-2"
