"""nn.functional as API.md states it: signatures and defaults, the rules PyTorch and the homework
differ on, loss reductions and batch norm's running statistics against PyTorch. (Each F op's
gradchecks and PyTorch parity are generated from tests/op_table.py.)"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from tests.helpers import assert_signature, compare_with_torch, data, torch_or_skip


F_SIGNATURES = {
    "linear": (["input", "weight", "bias"], dict(bias=None)),
    "conv2d": (["input", "weight", "bias", "stride", "padding"], dict(bias=None, stride=1, padding=0)),
    "max_pool2d": (["input", "kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "avg_pool2d": (["input", "kernel_size", "stride", "padding"], dict(stride=None, padding=0)),
    "batch_norm": (["input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"],
                   dict(weight=None, bias=None, training=False, momentum=0.1, eps=1e-5)),
    "layer_norm": (["input", "normalized_shape", "weight", "bias", "eps"], dict(weight=None, bias=None, eps=1e-5)),
    "group_norm": (["input", "num_groups", "weight", "bias", "eps"], dict(weight=None, bias=None, eps=1e-5)),
    "dropout": (["input", "p", "training"], dict(p=0.5, training=True)),
    "softmax": (["input", "dim"], {}),
    "log_softmax": (["input", "dim"], {}),
    "cross_entropy": (["input", "target"], dict(reduction="mean")),
    "nll_loss": (["input", "target"], dict(reduction="mean")),
    "mse_loss": (["input", "target"], dict(reduction="mean")),
    "binary_cross_entropy": (["input", "target"], dict(reduction="mean")),
    "binary_cross_entropy_with_logits": (["input", "target"], dict(reduction="mean")),
    "multi_margin_loss": (["input", "target"], dict(p=1, margin=1.0, reduction="mean")),
    "leaky_relu": (["input", "negative_slope"], dict(negative_slope=0.01)),
}


@pytest.mark.parametrize("name", F_SIGNATURES)
def test_functional_signature(name):
    names, defaults = F_SIGNATURES[name]
    assert_signature(getattr(F, name), names, **defaults)


def _tf():
    return torch_or_skip().nn.functional


def test_avg_pool2d_counts_padded_zeros():
    out = F.avg_pool2d(al.ones(1, 1, 2, 2), 2, stride=1, padding=1)
    np.testing.assert_allclose(out.data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_functional_against_torch(training):
    torch = torch_or_skip()
    x, w, b = data(5, 3, 2), data(3, seed=1), data(3, seed=2)
    rm, rv = al.tensor(data(3, seed=3)), al.tensor(data(3, positive=True, seed=4))
    trm, trv = torch.tensor(rm.data.copy()), torch.tensor(rv.data.copy())
    compare_with_torch(lambda x_, w_, b_: F.batch_norm(x_, rm, rv, w_, b_, training, 0.2, 1e-3),
                       lambda x_, w_, b_: _tf().batch_norm(x_, trm, trv, w_, b_, training, 0.2, 1e-3), x, w, b)
    np.testing.assert_allclose(rm.data, trm.numpy()), np.testing.assert_allclose(rv.data, trv.numpy())


LOSS_CASES = {
    "cross_entropy": (lambda: np.array([2, 0, 1, 2]), False),
    "nll_loss": (lambda: np.array([1, 0, 2, 2]), False),
    "mse_loss": (lambda: data(4, 3, seed=5), False),
    "binary_cross_entropy": (lambda: (data(4, 3, seed=6) > 0).astype(float), True),
    "binary_cross_entropy_with_logits": (lambda: (data(4, 3, seed=6) > 0).astype(float), False),
    "multi_margin_loss": (lambda: np.array([2, 0, 1, 1]), False),
}


@pytest.mark.parametrize("name", LOSS_CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_functions_against_torch(name, reduction):
    torch = torch_or_skip()
    make_target, probabilities = LOSS_CASES[name]
    target = make_target()
    x = 1 / (1 + np.exp(-data(4, 3))) if probabilities else data(4, 3)
    compare_with_torch(lambda u: getattr(F, name)(u, al.tensor(target), reduction=reduction),
                       lambda u: getattr(_tf(), name)(u, torch.tensor(target), reduction=reduction), x)
    out = getattr(F, name)(al.tensor(x), al.tensor(target))  # the default reduction is the mean
    np.testing.assert_allclose(out.data, getattr(F, name)(al.tensor(x), al.tensor(target), reduction="mean").data)


def test_cross_entropy_takes_integer_class_targets_as_array_or_tensor():
    x = al.tensor(data(4, 3))
    y = np.array([2, 0, 1, 2])
    expected = np.mean(np.log(np.exp(x.data).sum(1)) - x.data[np.arange(4), y])
    np.testing.assert_allclose(F.cross_entropy(x, y).data, expected)
    np.testing.assert_allclose(F.cross_entropy(x, al.tensor(y)).data, expected)


def test_multi_margin_loss_divides_by_C_unlike_the_homework_svm_loss():
    from autograd_lite.classic.layers import svm_loss
    x, y = data(5, 4), np.array([0, 3, 1, 1, 2])
    hinge = np.maximum(0, 1 - x[np.arange(5), y][:, None] + x)
    hinge[np.arange(5), y] = 0
    np.testing.assert_allclose(F.multi_margin_loss(al.tensor(x), y).data, hinge.sum(1).mean() / 4)
    np.testing.assert_allclose(svm_loss(x, y)[0], hinge.sum(1).mean())
