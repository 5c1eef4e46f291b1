"""Hostile-user regressions for nn layers (#17 items 7-8): degenerate but legal sizes work like PyTorch;
bad constructor arguments are one-line errors naming the module and the value."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import nn


@pytest.mark.parametrize("in_f, out_f", [(3, 0), (0, 3)])
def test_linear_with_an_empty_weight_runs_forward_and_backward(in_f, out_f):
    m = nn.Linear(in_f, out_f)
    x = al.tensor(np.ones((2, in_f)), requires_grad=True)
    y = m(x)
    assert y.shape == (2, out_f)
    np.testing.assert_array_equal(y.data, np.broadcast_to(m.bias.data, (2, out_f)))  # x·Wᵀ is all zeros
    y.sum().backward()
    assert x.grad.shape == (2, in_f) and not x.grad.data.any()
    assert m.weight.grad.shape == (out_f, in_f)
    np.testing.assert_array_equal(m.bias.grad.data, np.full(out_f, 2.0))


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # PyTorch's own init warning
def test_linear_empty_matches_torch():
    torch = pytest.importorskip("torch")
    m, t = nn.Linear(3, 0), torch.nn.Linear(3, 0).double()
    x, tx = al.tensor(np.ones((4, 3)), requires_grad=True), torch.ones(4, 3, dtype=torch.float64, requires_grad=True)
    m(x).sum().backward()
    t(tx).sum().backward()
    assert m(x).shape == tuple(t(tx).shape) and x.grad.shape == tuple(tx.grad.shape)
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("make, err, message", [
    (lambda: nn.Linear(2.5, 3), TypeError, "Linear: in_features must be an integer, got 2.5 (float)"),
    (lambda: nn.Linear(3, -1), ValueError, "Linear: out_features must be >= 0, got -1"),
    (lambda: nn.Linear(True, 3), TypeError, "Linear: in_features must be an integer, got True (bool)"),
    (lambda: nn.Conv2d(3, 4, kernel_size=0), ValueError, "Conv2d: kernel_size must be positive, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, stride=1.5), TypeError, "Conv2d: stride must be an integer, got 1.5 (float)"),
    (lambda: nn.Conv2d(3, 4, 3, stride=(1, 0)), ValueError, "Conv2d: stride must be positive, got 0 (in stride=(1, 0))"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), ValueError, "Conv2d: padding must be >= 0, got -1"),
    (lambda: nn.Conv2d(0, 4, 3), ValueError, "Conv2d: in_channels must be positive, got 0"),
    (lambda: nn.Conv2d(3, -2, 3), ValueError, "Conv2d: out_channels must be positive, got -2"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "Conv2d: in_channels (4) and out_channels (6) must be "
                                                       "divisible by groups (4)"),
    (lambda: nn.MaxPool2d(0), ValueError, "MaxPool2d: kernel_size must be positive, got 0"),
    (lambda: nn.AvgPool2d(2, stride=0.5), TypeError, "AvgPool2d: stride must be an integer, got 0.5 (float)"),
    (lambda: nn.BatchNorm1d(0), ValueError, "BatchNorm1d: num_features must be positive, got 0"),
    (lambda: nn.BatchNorm2d(2.0), TypeError, "BatchNorm2d: num_features must be an integer, got 2.0 (float)"),
    (lambda: nn.BatchNorm1d(3, momentum=2.0), ValueError, "BatchNorm1d: momentum must be in [0, 1] or None, got 2.0"),
    (lambda: nn.LayerNorm((4, 0)), ValueError, "LayerNorm: normalized_shape must be positive, got 0"),
    (lambda: nn.GroupNorm(0, 4), ValueError, "GroupNorm: num_groups must be positive, got 0"),
    (lambda: nn.Embedding(3.0, 2), TypeError, "Embedding: num_embeddings must be an integer, got 3.0 (float)"),
    (lambda: nn.Embedding(3, 2, padding_idx=5), ValueError, "Embedding: padding_idx must be within num_embeddings "
                                                             "(3), got 5"),
    (lambda: nn.Dropout2d(1.5), ValueError, "Dropout2d: p must be a probability in [0, 1], got 1.5"),
    (lambda: nn.Dropout1d(-0.1), ValueError, "Dropout1d: p must be a probability in [0, 1], got -0.1"),
    (lambda: nn.Unflatten(1, (2, 2.5)), TypeError, "Unflatten: unflattened_size must be an integer, got 2.5"),
])
def test_bad_constructor_arguments_are_one_line_errors(make, err, message):
    with pytest.raises(err) as info:
        make()
    text = str(info.value)
    assert text.startswith(message) and "\n" not in text


def test_failed_construction_changes_no_global_state():
    al.manual_seed(3)
    with pytest.raises(ValueError):
        nn.Conv2d(3, 4, 0)
    a = al.randn(3).data
    al.manual_seed(3)
    np.testing.assert_array_equal(al.randn(3).data, a)  # nothing drew from the generator


@pytest.mark.parametrize("call, err, message", [
    (lambda ps: nn.utils.clip_grad_norm_(ps, float("nan")), ValueError,
     "clip_grad_norm_: max_norm must be a finite number >= 0, got nan"),
    (lambda ps: nn.utils.clip_grad_norm_(ps, -1.0), ValueError, "clip_grad_norm_: max_norm must be a finite number"),
    (lambda ps: nn.utils.clip_grad_norm_(ps, 1.0, norm_type=0), ValueError, "clip_grad_norm_: norm_type must be "
                                                                            "positive"),
    (lambda ps: nn.utils.clip_grad_norm_(ps, "big"), TypeError, "clip_grad_norm_: max_norm must be a number, got 'big'"),
    (lambda ps: nn.utils.clip_grad_value_(ps, float("nan")), ValueError, "clip_grad_value_: clip_value must be a "
                                                                         "finite number >= 0, got nan"),
    (lambda ps: nn.utils.clip_grad_value_(ps, -0.5), ValueError, "clip_grad_value_: clip_value must be a finite"),
])
def test_gradient_clipping_refuses_limits_that_would_corrupt_gradients(call, err, message):
    p = nn.Parameter(np.zeros(3))
    p.grad = al.tensor([3.0, -4.0, 0.5])
    with pytest.raises(err) as info:
        call([p])
    assert str(info.value).startswith(message)
    np.testing.assert_array_equal(p.grad.data, [3.0, -4.0, 0.5])  # untouched


def test_a_hook_that_raises_leaves_the_module_usable():
    m = nn.Linear(2, 2)

    def broken(mod, args):
        raise KeyError("hook failed")

    handle = m.register_forward_pre_hook(broken)
    with pytest.raises(KeyError, match="hook failed"):
        m(al.tensor(np.ones((1, 2))))
    handle.remove()
    assert m(al.tensor(np.ones((1, 2)))).shape == (1, 2)
    with pytest.raises(TypeError, match="Linear: a hook must be callable, got int"):
        m.register_forward_hook(3)
