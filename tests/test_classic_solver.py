"""classic.optim update rules (the notebook's expected next values) and classic.solver.Solver.

The notebooks train on CIFAR-10; here the Solver runs on the digits stand-in of
classic.data_utils (same dict layout), which needs no download.
"""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from autograd_lite.classic.cnn import ThreeLayerConvNet
from autograd_lite.classic.data_utils import get_CIFAR10_data
from autograd_lite.classic.fc_net import FullyConnectedNet
from autograd_lite.classic.optim import adam, rmsprop, sgd, sgd_momentum
from autograd_lite.classic.solver import Solver
from tests.helpers import rel_error



N, D = 4, 5
W = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
DW = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)


# ----- update rules (FullyConnectedNets notebook, In [48], [50], [51]) ------------------------------
def test_sgd_momentum_expected_values():
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, _ = sgd_momentum(W.copy(), DW, config=config)
    expected_next_w = np.asarray([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
    expected_velocity = np.asarray([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
    assert rel_error(next_w, expected_next_w) < 1e-8  # "errors less than e-8"
    assert rel_error(expected_velocity, config["velocity"]) < 1e-8


def test_rmsprop_expected_values():
    cache = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-2, "cache": cache}
    next_w, _ = rmsprop(W.copy(), DW, config=config)
    expected_next_w = np.asarray([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
    expected_cache = np.asarray([
        [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
        [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
        [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
        [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])
    assert rel_error(expected_next_w, next_w) < 1e-6  # "around e-7 or less"
    assert rel_error(expected_cache, config["cache"]) < 1e-6


def test_adam_expected_values():
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
    next_w, _ = adam(W.copy(), DW, config=config)
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    assert rel_error(expected_next_w, next_w) < 1e-6  # "around e-7 or less"
    assert rel_error(expected_v, config["v"]) < 1e-6
    assert rel_error(expected_m, config["m"]) < 1e-6
    assert config["t"] == 6


def test_update_rule_defaults():
    w, dw = np.ones(3), np.full(3, 2.0)
    next_w, config = sgd(w.copy(), dw)
    np.testing.assert_allclose(next_w, 1 - 1e-2 * 2)
    _, config = sgd_momentum(w, dw)
    assert config["momentum"] == 0.9 and config["learning_rate"] == 1e-2
    _, config = rmsprop(w, dw)
    assert (config["decay_rate"], config["epsilon"]) == (0.99, 1e-8)
    _, config = adam(w, dw)
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["t"]) == (1e-3, 0.9, 0.999, 1)


# ----- Solver ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return get_CIFAR10_data()


def small_data(data, num_train=50):
    return {"X_train": data["X_train"][:num_train], "y_train": data["y_train"][:num_train],
            "X_val": data["X_val"], "y_val": data["y_val"]}


@pytest.mark.parametrize("hidden_dims, weight_scale, learning_rate", [
    ([100, 100], 3e-2, 1e-2),        # the three-layer net of the notebook
    ([100, 100, 100, 100], 1e-1, 1e-3),  # the five-layer net
])
def test_solver_overfits_50_examples(digits, hidden_dims, weight_scale, learning_rate, capsys):
    """'tweak the learning rate and initialization scale to overfit and achieve 100% training accuracy within 20
    epochs' (print_every=10, num_epochs=20, batch_size=25, update_rule='sgd')."""
    np.random.seed(231)
    model = FullyConnectedNet(hidden_dims, input_dim=64, weight_scale=weight_scale, dtype=np.float64)
    solver = Solver(model, small_data(digits), print_every=10, num_epochs=20, batch_size=25, update_rule="sgd",
                    optim_config={"learning_rate": learning_rate})
    best = solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert len(solver.loss_history) == 40 and len(solver.train_acc_history) == len(solver.val_acc_history) == 21
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert set(best) == set(model.params) and all(np.array_equal(best[k], model.params[k]) for k in best)
    printed = capsys.readouterr().out
    assert "(Iteration 1 / 40) loss: " in printed and "(Iteration 31 / 40)" in printed
    assert "(Epoch 0 / 20) train acc: " in printed and "(Epoch 20 / 20) train acc: 1.000000; val_acc: " in printed


@pytest.mark.parametrize("update_rule, learning_rate", [
    ("sgd_momentum", 1e-2), ("rmsprop", 1e-4), ("adam", 1e-3)])
def test_solver_update_rules_reduce_the_loss(digits, update_rule, learning_rate):
    np.random.seed(0)
    model = FullyConnectedNet([50, 50], input_dim=64, weight_scale=5e-2, normalization="batchnorm", dropout=0.9)
    solver = Solver(model, small_data(digits, 400), num_epochs=4, batch_size=100, update_rule=update_rule,
                    optim_config={"learning_rate": learning_rate}, lr_decay=0.9, verbose=False)
    solver.train()
    assert np.mean(solver.loss_history[-4:]) < np.mean(solver.loss_history[:4])
    assert solver.val_acc_history[-1] > 0.5
    for config in solver.optim_configs.values():  # learning rate decayed once per epoch
        assert config["learning_rate"] == pytest.approx(learning_rate * 0.9 ** 4)


def test_solver_trains_a_convnet(digits):
    np.random.seed(231)
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=8, filter_size=3, hidden_dim=50, weight_scale=1e-2)
    solver = Solver(model, small_data(digits), num_epochs=10, batch_size=25, update_rule="adam",
                    optim_config={"learning_rate": 1e-2}, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] >= 0.9


CALLS: list = []


def halving(w, dw, config):
    """A user-supplied update rule (module level, so that checkpoints can pickle it)."""
    CALLS.append(w.shape)
    return w - 0.5 * config.get("learning_rate", 1e-2) * dw, config


def test_solver_options(digits, tmp_path):
    np.random.seed(0)
    model = FullyConnectedNet([10], input_dim=64, weight_scale=1e-2)
    with pytest.raises(ValueError, match='unrecognized arguments "learning_rate"'):
        Solver(model, small_data(digits), learning_rate=1e-3)
    with pytest.raises(ValueError, match='invalid update_rule "nesterov"'):
        Solver(model, small_data(digits), update_rule="nesterov")
    CALLS.clear()
    name = str(tmp_path / "run")
    solver = Solver(model, small_data(digits), update_rule=halving, num_epochs=2, batch_size=25,
                    num_train_samples=20, num_val_samples=30, checkpoint_name=name, verbose=False)
    solver.train()
    assert len(CALLS) == 2 * 2 * len(model.params)
    with open(f"{name}_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2 and len(checkpoint["loss_history"]) == 4
    assert set(checkpoint["model"].params) == set(model.params)
