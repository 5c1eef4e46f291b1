"""autograd_lite.classic as API.md states it: every name with the notebooks' signatures, the
cs231n conventions (batch norm's running averages, dropout's keep probability, ...), and a
clear error for bad input."""
from __future__ import annotations

import importlib
import os
import pickle
import inspect

import numpy as np
import pytest

import autograd_lite as al
from tests.helpers import assert_clear_error, assert_signature, compare_with_torch, data, leaf, rel_error, torch_or_skip
from autograd_lite.classic import (cnn, data_utils, fc_net, gradient_check, layer_utils,  # noqa: E402
                                   layers, solver)
from autograd_lite.classic import optim as classic_optim  # noqa: E402

CLASSIC = {
    "layers": "affine_forward affine_backward relu_forward relu_backward dropout_forward dropout_backward "
              "batchnorm_forward batchnorm_backward batchnorm_backward_alt layernorm_forward layernorm_backward "
              "conv_forward_naive conv_backward_naive max_pool_forward_naive max_pool_backward_naive "
              "spatial_batchnorm_forward spatial_batchnorm_backward spatial_groupnorm_forward "
              "spatial_groupnorm_backward svm_loss softmax_loss",
    "layer_utils": "affine_relu_forward affine_relu_backward conv_relu_forward conv_relu_backward "
                   "conv_relu_pool_forward conv_relu_pool_backward",
    "fc_net": "TwoLayerNet FullyConnectedNet",
    "cnn": "ThreeLayerConvNet",
    "optim": "sgd sgd_momentum rmsprop adam",
    "solver": "Solver",
    "gradient_check": "eval_numerical_gradient eval_numerical_gradient_array grad_check_sparse",
    "data_utils": "load_CIFAR10 get_CIFAR10_data",
}

CLASSIC_SIGNATURES = [
    (layers.affine_forward, ["x", "w", "b"], {}), (layers.relu_forward, ["x"], {}),
    (layers.dropout_forward, ["x", "dropout_param"], {}),
    (layers.batchnorm_forward, ["x", "gamma", "beta", "bn_param"], {}),
    (layers.layernorm_forward, ["x", "gamma", "beta", "ln_param"], {}),
    (layers.conv_forward_naive, ["x", "w", "b", "conv_param"], {}),
    (layers.max_pool_forward_naive, ["x", "pool_param"], {}),
    (layers.spatial_batchnorm_forward, ["x", "gamma", "beta", "bn_param"], {}),
    (layers.spatial_groupnorm_forward, ["x", "gamma", "beta", "G", "gn_param"], {}),
    (layers.svm_loss, ["x", "y"], {}), (layers.softmax_loss, ["x", "y"], {}),
    (layer_utils.affine_relu_forward, ["x", "w", "b"], {}),
    (layer_utils.conv_relu_forward, ["x", "w", "b", "conv_param"], {}),
    (layer_utils.conv_relu_pool_forward, ["x", "w", "b", "conv_param", "pool_param"], {}),
    (fc_net.TwoLayerNet, ["input_dim", "hidden_dim", "num_classes", "weight_scale", "reg"],
     dict(input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0)),
    (fc_net.FullyConnectedNet, ["hidden_dims", "input_dim", "num_classes", "dropout", "normalization", "reg",
                                "weight_scale", "dtype", "seed"],
     dict(input_dim=3 * 32 * 32, num_classes=10, dropout=1, normalization=None, reg=0.0, weight_scale=1e-2,
          dtype=np.float32, seed=None)),
    (cnn.ThreeLayerConvNet, ["input_dim", "num_filters", "filter_size", "hidden_dim", "num_classes",
                             "weight_scale", "reg", "dtype"],
     dict(input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, num_classes=10, weight_scale=1e-3,
          reg=0.0, dtype=np.float32)),
    (gradient_check.eval_numerical_gradient, ["f", "x", "verbose", "h"], dict(verbose=True, h=1e-5)),
    (gradient_check.eval_numerical_gradient_array, ["f", "x", "df", "h"], dict(h=1e-5)),
    (gradient_check.grad_check_sparse, ["f", "x", "analytic_grad", "num_checks", "h"], dict(num_checks=10, h=1e-5)),
    (data_utils.load_CIFAR10, ["root"], {}),
    (data_utils.get_CIFAR10_data, ["num_training", "num_validation", "num_test"],
     dict(num_training=49000, num_validation=1000, num_test=1000)),
] + [(getattr(classic_optim, n), ["w", "dw", "config"], dict(config=None))
     for n in ("sgd", "sgd_momentum", "rmsprop", "adam")] + [
    (getattr(mod, n), ["dout", "cache"], {}) for mod, names in (
        (layers, CLASSIC["layers"]), (layer_utils, CLASSIC["layer_utils"])) for n in names.split()
    if n.endswith(("_backward", "_backward_alt", "_backward_naive"))]


@pytest.mark.parametrize("fn,names,defaults", CLASSIC_SIGNATURES, ids=lambda v: getattr(v, "__name__", ""))
def test_classic_signature(fn, names, defaults):
    assert_signature(fn, names, **defaults)


def _numeric(f, x, dout):
    return gradient_check.eval_numerical_gradient_array(f, x, dout)


def test_affine_layer_w_is_D_by_M():
    x, w, b = data(4, 2, 3), data(6, 5, seed=1), data(5, seed=2)
    out, cache = layers.affine_forward(x, w, b)
    np.testing.assert_allclose(out, x.reshape(4, 6) @ w + b)
    dout = data(4, 5, seed=3)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    np.testing.assert_allclose(dx, _numeric(lambda v: layers.affine_forward(v, w, b)[0], x, dout), rtol=1e-6)
    np.testing.assert_allclose(dw, _numeric(lambda v: layers.affine_forward(x, v, b)[0], w, dout), rtol=1e-6)
    np.testing.assert_allclose(db, dout.sum(0))


def test_relu_layer():
    x, dout = data(3, 4), data(3, 4, seed=1)
    out, cache = layers.relu_forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    np.testing.assert_array_equal(layers.relu_backward(dout, cache), dout * (x > 0))


def test_dropout_layer_p_is_the_keep_probability():
    x = data(500, 400) + 5
    out, cache = layers.dropout_forward(x, {"mode": "train", "p": 0.8, "seed": 0})
    kept = out != 0
    assert abs(kept.mean() - 0.8) < 0.01
    np.testing.assert_allclose(out[kept], x[kept] / 0.8)
    dout = data(500, 400, seed=1)
    np.testing.assert_allclose(layers.dropout_backward(dout, cache), dout * kept / 0.8)
    again, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.8, "seed": 0})
    np.testing.assert_array_equal(again, out)  # the seed fixes the mask
    test_out, test_cache = layers.dropout_forward(x, {"mode": "test", "p": 0.8})
    np.testing.assert_array_equal(test_out, x)
    np.testing.assert_array_equal(layers.dropout_backward(dout, test_cache), dout)


def test_batchnorm_running_averages_follow_cs231n():
    x, gamma, beta = data(8, 3) * 2 + 1, np.ones(3), np.zeros(3)
    bn_param = {"mode": "train"}
    out, cache = layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(0), x.var(0) / (x.var(0) + 1e-5))
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(0))  # momentum 0.9, from zero
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(0))  # the biased variance
    dout = data(8, 3, seed=2)
    dx, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    for a, b in zip((dx, dgamma, dbeta), layers.batchnorm_backward_alt(dout, cache)):
        np.testing.assert_allclose(a, b)
    numeric = _numeric(lambda v: layers.batchnorm_forward(v, gamma, beta, {"mode": "train"})[0], x.copy(), dout)
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)
    test_out, _ = layers.batchnorm_forward(x, gamma, beta, dict(bn_param, mode="test"))
    np.testing.assert_allclose(test_out, (x - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5))


def test_layernorm_and_spatial_norms():
    x = data(4, 5) * 3
    out, cache = layers.layernorm_forward(x, np.ones(5), np.zeros(5), {})
    np.testing.assert_allclose(out, (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5))
    assert [g.shape for g in layers.layernorm_backward(data(4, 5), cache)] == [(4, 5), (5,), (5,)]
    x4 = data(2, 4, 3, 3)
    out, cache = layers.spatial_batchnorm_forward(x4, np.ones(4), np.zeros(4), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    assert [g.shape for g in layers.spatial_batchnorm_backward(data(2, 4, 3, 3), cache)] == [x4.shape, (4,), (4,)]
    gamma = np.ones((1, 4, 1, 1))
    out, cache = layers.spatial_groupnorm_forward(x4, gamma, np.zeros((1, 4, 1, 1)), 2, {})
    grouped = x4.reshape(2, 2, -1)
    expected = (grouped - grouped.mean(2, keepdims=True)) / np.sqrt(grouped.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, expected.reshape(x4.shape))
    assert [g.shape for g in layers.spatial_groupnorm_backward(data(2, 4, 3, 3), cache)] == [x4.shape, gamma.shape,
                                                                                            gamma.shape]


def test_conv_and_max_pool_naive_against_torch():
    torch = torch_or_skip()
    x, w, b = data(2, 3, 7, 6), data(4, 3, 3, 3, seed=1), data(4, seed=2)
    out, cache = layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    np.testing.assert_allclose(out, tout.detach().numpy(), atol=1e-10)
    dout = data(*out.shape, seed=3)
    tout.backward(torch.tensor(dout))
    for g, t in zip(layers.conv_backward_naive(dout, cache), (tx, tw, tb)):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-10)
    pool_param = {"pool_height": 2, "pool_width": 3, "stride": 2}
    out, cache = layers.max_pool_forward_naive(x, pool_param)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, (2, 3), stride=2)
    np.testing.assert_allclose(out, tout.detach().numpy())
    dout = data(*out.shape, seed=4)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(layers.max_pool_backward_naive(dout, cache), tx.grad.numpy())


def test_svm_and_softmax_loss():
    x, y = data(6, 4), np.array([0, 3, 1, 1, 2, 0])
    loss, dx = layers.svm_loss(x, y)
    margins = np.maximum(0, x - x[np.arange(6), y][:, None] + 1)
    margins[np.arange(6), y] = 0
    assert loss == pytest.approx(margins.sum() / 6)  # mean over samples, not divided by C
    np.testing.assert_allclose(dx, gradient_check.eval_numerical_gradient(
        lambda v: layers.svm_loss(v, y)[0], x.copy(), verbose=False), atol=1e-7)
    loss, dx = layers.softmax_loss(x, y)
    shifted = x - x.max(1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    assert loss == pytest.approx(-log_probs[np.arange(6), y].mean())
    expected = np.exp(log_probs)
    expected[np.arange(6), y] -= 1
    np.testing.assert_allclose(dx, expected / 6, atol=1e-12)


def test_layer_utils_sandwiches():
    x, w, b = data(3, 4), data(4, 5, seed=1), data(5, seed=2)
    out, cache = layer_utils.affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(x @ w + b, 0))
    assert [g.shape for g in layer_utils.affine_relu_backward(data(3, 5), cache)] == [(3, 4), (4, 5), (5,)]
    x4, w4, b4 = data(2, 3, 6, 6), data(4, 3, 3, 3, seed=1), data(4, seed=2)
    conv = {"stride": 1, "pad": 1}
    out, cache = layer_utils.conv_relu_forward(x4, w4, b4, conv)
    np.testing.assert_allclose(out, np.maximum(layers.conv_forward_naive(x4, w4, b4, conv)[0], 0))
    assert [g.shape for g in layer_utils.conv_relu_backward(data(*out.shape), cache)] == [x4.shape, w4.shape, (4,)]
    out, cache = layer_utils.conv_relu_pool_forward(x4, w4, b4, conv, {"pool_height": 2, "pool_width": 2,
                                                                       "stride": 2})
    assert out.shape == (2, 4, 3, 3)
    assert [g.shape for g in layer_utils.conv_relu_pool_backward(data(*out.shape), cache)] == [x4.shape, w4.shape,
                                                                                               (4,)]


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_fully_connected_net(normalization):
    np.random.seed(231)
    model = fc_net.FullyConnectedNet([6, 5], input_dim=4, num_classes=3, normalization=normalization, reg=0.3,
                                     weight_scale=5e-2, dtype=np.float64, dropout=0.7, seed=123)
    expected = {"W1": (4, 6), "b1": (6,), "W2": (6, 5), "b2": (5,), "W3": (5, 3), "b3": (3,)}
    if normalization:
        expected.update(gamma1=(6,), beta1=(6,), gamma2=(5,), beta2=(5,))
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float64 for v in model.params.values())
    X, y = data(7, 4), np.array([0, 1, 2, 0, 1, 2, 0])
    assert model.loss(X).shape == (7, 3)
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in ("W1", "b2", "W3") + (("gamma1", "beta2") if normalization else ()):
        numeric = gradient_check.eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                                         verbose=False, h=1e-6)
        assert al.check.rel_error(grads[name], numeric) < 1e-5, name


def test_two_layer_and_three_layer_conv_net():
    np.random.seed(0)
    two = fc_net.TwoLayerNet(input_dim=5, hidden_dim=4, num_classes=3, weight_scale=1e-3, reg=0.0)
    assert {k: v.shape for k, v in two.params.items()} == {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
    loss, grads = two.loss(data(6, 5), np.arange(6) % 3)
    assert loss == pytest.approx(np.log(3), abs=1e-3) and set(grads) == set(two.params)
    three = cnn.ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=4, filter_size=3, hidden_dim=5, num_classes=3,
                                  dtype=np.float64)
    assert {k: v.shape for k, v in three.params.items()} == {
        "W1": (4, 2, 3, 3), "b1": (4,), "W2": (4 * 3 * 3, 5), "b2": (5,), "W3": (5, 3), "b3": (3,)}
    X, y = data(2, 2, 6, 6), np.array([0, 2])
    assert three.loss(X).shape == (2, 3)
    assert three.loss(X, y)[0] == pytest.approx(np.log(3), abs=1e-3)
    three.params = {k: v * 100 for k, v in three.params.items()}  # gradients large enough to check numerically
    loss, grads = three.loss(X, y)
    numeric = gradient_check.eval_numerical_gradient(lambda _: three.loss(X, y)[0], three.params["W1"],
                                                     verbose=False, h=1e-6)
    assert al.check.rel_error(grads["W1"], numeric) < 1e-6


def test_classic_update_rules():
    w, dw = data(3), data(3, seed=1)
    next_w, config = classic_optim.sgd(w.copy(), dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, w - 0.1 * dw)
    next_w, config = classic_optim.sgd_momentum(w, dw, {"learning_rate": 0.1, "momentum": 0.9,
                                                        "velocity": np.ones(3)})
    np.testing.assert_allclose(config["velocity"], 0.9 * np.ones(3) - 0.1 * dw)  # v = mu*v - lr*dw
    np.testing.assert_allclose(next_w, w + config["velocity"])
    next_w, config = classic_optim.rmsprop(w, dw, {"learning_rate": 0.1})
    cache = 0.01 * dw ** 2
    np.testing.assert_allclose(next_w, w - 0.1 * dw / (np.sqrt(cache) + 1e-8))
    next_w, config = classic_optim.adam(w, dw, {"learning_rate": 0.1})
    assert config["t"] == 1  # t is incremented before it is used
    m_hat, v_hat = (0.1 * dw) / 0.1, (0.001 * dw ** 2) / 0.001
    np.testing.assert_allclose(next_w, w - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8))


def test_solver_trains_with_the_notebook_arguments():
    np.random.seed(0)
    X = data(40, 4)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    small = {"X_train": X[:30], "y_train": y[:30], "X_val": X[30:], "y_val": y[30:]}
    model = fc_net.TwoLayerNet(input_dim=4, hidden_dim=10, num_classes=3, weight_scale=1e-1)
    s = solver.Solver(model, small, update_rule="sgd_momentum", optim_config={"learning_rate": 0.1}, lr_decay=0.5,
                      batch_size=10, num_epochs=3, print_every=100, verbose=False)
    s.train()
    assert len(s.loss_history) == 9 and len(s.val_acc_history) == len(s.train_acc_history) == 4
    assert s.loss_history[-1] < s.loss_history[0]
    assert all(c["learning_rate"] == pytest.approx(0.1 * 0.5 ** 3) for c in s.optim_configs.values())
    assert set(s.best_params) == set(model.params)


def test_gradient_check_helpers(capsys):
    x = data(3, 2)
    np.testing.assert_allclose(gradient_check.eval_numerical_gradient(lambda v: (v ** 2).sum(), x.copy(),
                                                                      verbose=False), 2 * x, rtol=1e-6)
    df = data(3, 2, seed=1)
    np.testing.assert_allclose(gradient_check.eval_numerical_gradient_array(np.sin, x.copy(), df),
                               np.cos(x) * df, rtol=1e-6)
    errors = gradient_check.grad_check_sparse(lambda v: (v ** 3).sum(), x.copy(), 3 * x ** 2, num_checks=4)
    assert len(errors) == 4 and max(errors) < 1e-6
    assert "relative error" in capsys.readouterr().out


def _fake_cifar(folder, per_batch=4):
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": rng.integers(0, 10, per_batch).tolist()}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(batch, f)


def test_load_cifar10_from_a_local_folder(tmp_path):
    _fake_cifar(tmp_path)
    Xtr, ytr, Xte, yte = data_utils.load_CIFAR10(str(tmp_path))
    assert Xtr.shape == (20, 32, 32, 3) and Xte.shape == (4, 32, 32, 3)
    assert Xtr.dtype.kind == "f" and ytr.dtype.kind == "i" and ytr.shape == (20,)
    with open(tmp_path / "data_batch_1", "rb") as f:
        raw = pickle.load(f)[b"data"]
    np.testing.assert_array_equal(Xtr[0, 5, 7], raw[0, [5 * 32 + 7, 1024 + 5 * 32 + 7, 2048 + 5 * 32 + 7]])
    d = data_utils.get_CIFAR10_data(num_training=15, num_validation=5, num_test=3, cifar10_dir=str(tmp_path))
    assert d["X_train"].shape == (15, 3, 32, 32) and d["X_val"].shape == (5, 3, 32, 32)
    assert d["X_test"].shape == (3, 3, 32, 32) and d["y_val"].shape == (5,)
    np.testing.assert_allclose(d["X_train"].mean(0), 0, atol=1e-9)



@pytest.mark.parametrize("module,name", [(m, n) for m, names in CLASSIC.items() for n in names.split()])
def test_classic_name_is_a_documented_function_or_class(module, name):
    obj = getattr(importlib.import_module(f"autograd_lite.classic.{module}"), name)
    assert (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("autograd_lite.classic.")


def _stale_model():
    return fc_net.TwoLayerNet(input_dim=4, hidden_dim=3, num_classes=2)


CLASSIC_BAD_INPUT = {
    "affine_forward": (lambda: layers.affine_forward(np.ones((4, 6)), np.ones((5, 3)), np.ones(3)),
                       r"\(4, 6\).*\(5, 3\)"),
    "affine_backward_dout": (lambda: layers.affine_backward(np.ones((4, 2)), layers.affine_forward(
        np.ones((4, 3)), np.ones((3, 3)), np.ones(3))[1]), r"dout.*\(4, 2\).*\(4, 3\)"),
    "batchnorm_gamma": (lambda: layers.batchnorm_forward(np.ones((4, 3)), np.ones(2), np.zeros(3), {"mode": "train"}),
                        r"batchnorm.*\(2,\)"),
    "batchnorm_mode": (lambda: layers.batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), {"mode": "x"}),
                       r"batchnorm.*mode.*x"),
    "svm_loss_labels": (lambda: layers.svm_loss(np.ones((2, 3)), np.array([0, 3])), r"svm_loss.*3.*3 classes"),
    "softmax_loss_labels": (lambda: layers.softmax_loss(np.ones((2, 3)), np.array([0, 3])),
                            r"softmax_loss.*3.*3 classes"),
    "dropout_forward_p": (lambda: layers.dropout_forward(np.ones(3), {"p": 0, "mode": "train"}), r"dropout_forward.*0"),
    "conv_forward_naive": (lambda: layers.conv_forward_naive(np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3)), np.ones(2),
                                                             {"stride": 1, "pad": 0}), r"conv2d.*\(1, 3, 5, 5\)"),
    "FullyConnectedNet_norm": (lambda: fc_net.FullyConnectedNet([3], normalization="bn"), r"normalization.*'bn'"),
    "Solver_rule": (lambda: solver.Solver(_stale_model(), {"X_train": np.ones((2, 4)), "y_train": np.zeros(2, int),
                                                           "X_val": np.ones((2, 4)), "y_val": np.zeros(2, int)},
                                          update_rule="nope"), r"Solver.*nope"),
}


@pytest.mark.parametrize("name", CLASSIC_BAD_INPUT)
def test_bad_classic_input_gives_a_clear_error(name):
    assert_clear_error(*CLASSIC_BAD_INPUT[name])
