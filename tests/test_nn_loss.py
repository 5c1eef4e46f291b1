"""Losses: values against direct NumPy formulas, gradchecks, stability, bad targets."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite.engine import OpError
from tests.helpers import check_op, rand


def log_softmax(x, axis=1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


TARGET = np.array([2, 0, 3, 1, 3])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_values_and_gradcheck(reduction):
    x = rand(5, 4, seed=1)
    per_sample = -log_softmax(x.data)[np.arange(5), TARGET]
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    np.testing.assert_allclose(F.cross_entropy(x, TARGET, reduction=reduction).data, expected, atol=1e-12)
    check_op(lambda x: F.cross_entropy(x, TARGET, reduction=reduction), x)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    x = rand(5, 4, seed=2)
    F.cross_entropy(x, TARGET).backward()
    onehot = np.eye(4)[TARGET]
    np.testing.assert_allclose(x.grad.data, (np.exp(log_softmax(x.data)) - onehot) / 5, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 3), (20, 10), (200, 10), (7, 50)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_gradient_subtracts_one_at_each_target_only(shape, dtype):
    # backward takes 1 off each row's target through the flat view: the same entries as d[rows, t] -= 1
    rng = np.random.default_rng(11)
    x = al.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    t = rng.integers(0, shape[1], shape[0])
    loss = F.cross_entropy(x, t, reduction="sum")
    probs = loss.grad_fn.probs.copy()
    loss.backward()
    probs[np.arange(shape[0]), t] -= 1
    np.testing.assert_array_equal(x.grad.data, probs)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8])
def test_cross_entropy_refuses_each_class_index_outside_the_classes(dtype):
    x = rand(4, 3, seed=12)
    assert F.cross_entropy(x, np.array([0, 2, 1, 2], dtype)).data.shape == ()
    bad = [-1, 3] if np.dtype(dtype).kind == "i" else [3, 255]
    for index in bad:
        with pytest.raises(OpError, match=f"class index {index} is out of range for 3 classes"):
            F.cross_entropy(x, np.array([0, index, 1, 2], dtype))


def test_cross_entropy_weight_ignore_index_and_smoothing():
    x, w = rand(5, 4, seed=3), al.tensor([0.5, 1.0, 2.0, 1.5])
    t = np.array([2, -100, 3, 1, 0])
    logp = log_softmax(x.data)
    kept = t != -100
    nll = -w.data[t[kept]] * logp[kept, t[kept]]
    np.testing.assert_allclose(F.cross_entropy(x, t, weight=w).data, nll.sum() / w.data[t[kept]].sum(), atol=1e-12)
    eps = 0.2  # PyTorch: (1 − ε)·nll + ε/C·Σ_c w_c·(−log p_c), normalized by Σ w[t]
    smooth = -(logp[kept] * w.data).sum(1)
    expected = ((1 - eps) * nll.sum() + eps / 4 * smooth.sum()) / w.data[t[kept]].sum()
    np.testing.assert_allclose(F.cross_entropy(x, t, weight=w, label_smoothing=eps).data, expected, atol=1e-12)
    check_op(lambda x: F.cross_entropy(x, t, weight=w, label_smoothing=eps), x)


def test_cross_entropy_probability_targets_and_spatial_inputs():
    x, p = rand(3, 4, seed=4), rand(3, 4, seed=5, positive=True)
    p = al.tensor(p.data / p.data.sum(1, keepdims=True), requires_grad=True)
    expected = -(p.data * log_softmax(x.data)).sum(1).mean()
    np.testing.assert_allclose(F.cross_entropy(x, p).data, expected, atol=1e-12)
    check_op(lambda x, p: F.cross_entropy(x, p), x, p)
    xs = rand(2, 3, 2, 2, seed=6)  # (N, C, H, W) logits, (N, H, W) targets
    ts = np.array([[[0, 2], [1, 1]], [[2, 2], [0, 1]]])
    per = -np.take_along_axis(log_softmax(xs.data), ts[:, None], 1)[:, 0]
    np.testing.assert_allclose(F.cross_entropy(xs, ts, reduction="none").data, per, atol=1e-12)
    check_op(lambda x: F.cross_entropy(x, ts), xs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_stable_for_huge_logits(dtype):
    x = al.tensor(np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, np.array([2, 1]))
        loss.backward()
    assert loss.dtype == x.grad.dtype == dtype
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)  # (2e4 + 0) / 2
    np.testing.assert_allclose(x.grad.data, [[0.5, 0, -0.5], [0, 0, 0]], atol=1e-6)


def test_nll_loss_and_mse():
    x = rand(5, 4, seed=7)
    logp = F.log_softmax(x, 1)
    np.testing.assert_allclose(F.nll_loss(logp, TARGET).data, F.cross_entropy(x, TARGET).data, atol=1e-12)
    check_op(lambda x: F.nll_loss(x, TARGET, weight=al.tensor([1.0, 2.0, 0.5, 1.0])), x)
    y = rand(5, 4, seed=8)
    np.testing.assert_allclose(F.mse_loss(x, y).data, ((x.data - y.data) ** 2).mean(), atol=1e-12)
    check_op(lambda x, y: F.mse_loss(x, y, reduction="sum"), x, y)


def test_binary_cross_entropy():
    p = al.tensor(np.random.default_rng(9).uniform(0.05, 0.95, (3, 4)), requires_grad=True)
    t = al.tensor(np.random.default_rng(10).uniform(0, 1, (3, 4)), requires_grad=True)
    expected = -(t.data * np.log(p.data) + (1 - t.data) * np.log(1 - p.data)).mean()
    np.testing.assert_allclose(F.binary_cross_entropy(p, t).data, expected, atol=1e-12)
    check_op(lambda p, t: F.binary_cross_entropy(p, t, reduction="sum"), p, t)
    with warnings.catch_warnings():  # p of exactly 0 and 1: the logs are clamped at −100
        warnings.simplefilter("error")
        edge = F.binary_cross_entropy(al.tensor([0.0, 1.0]), al.tensor([1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(edge.data, [100.0, 0.0])


def test_binary_cross_entropy_with_logits_stable():
    x, t = rand(3, 4, seed=11) * 3, al.tensor(np.random.default_rng(12).uniform(0, 1, (3, 4)))
    sig = 1 / (1 + np.exp(-x.data))
    expected = -(t.data * np.log(sig) + (1 - t.data) * np.log(1 - sig)).mean()
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t).data, expected, atol=1e-12)
    pw = al.tensor([1.0, 2.0, 0.5, 3.0])
    expected_pw = -(pw.data * t.data * np.log(sig) + (1 - t.data) * np.log(1 - sig)).mean()
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t, pos_weight=pw).data, expected_pw, atol=1e-12)
    check_op(lambda x: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw), x)
    big = al.tensor([1000.0, -1000.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(big, al.tensor([1.0, 0.0, 0.0]), reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1000.0])
    np.testing.assert_allclose(big.grad.data, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_is_hinge_over_classes(p):
    x = rand(5, 4, seed=13)
    margins = np.maximum(0, 1 - x.data[np.arange(5), TARGET][:, None] + x.data) ** p
    margins[np.arange(5), TARGET] = 0
    np.testing.assert_allclose(F.multi_margin_loss(x, TARGET, p=p).data, (margins.sum(1) / 4).mean(), atol=1e-12)
    check_op(lambda x: F.multi_margin_loss(x, TARGET, p=p), x)


@pytest.mark.parametrize("call,words", [
    (lambda: F.cross_entropy(rand(3, 4), np.array([0, 1, 4])), ["cross_entropy", "index 4", "4 classes"]),
    (lambda: F.cross_entropy(rand(3, 4), np.array([0.0, 1.0, 2.0])), ["cross_entropy", "float64"]),
    (lambda: F.cross_entropy(rand(3, 4), np.array([0, 1])), ["cross_entropy", "(2,)", "(3,)"]),
    (lambda: F.cross_entropy(rand(3, 4), np.array([0, 1, 2]), reduction="avg"), ["cross_entropy", "'avg'"]),
    (lambda: F.nll_loss(rand(3, 4), np.array([-1, 1, 2])), ["nll_loss", "index -1"]),
    (lambda: F.multi_margin_loss(rand(3, 4), np.array([0, 9, 2])), ["multi_margin_loss", "index 9"]),
    (lambda: F.binary_cross_entropy(al.tensor([0.5, 1.5]), al.tensor([1.0, 0.0])), ["binary_cross_entropy", "1.5"]),
])
def test_bad_targets_raise_clear_error(call, words):
    with pytest.raises(OpError) as info:
        call()
    for word in words:
        assert word in str(info.value)


# ----- the fused class-index cross-entropy (the MLP workloads' loss) ----------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("classes", [4, 40])  # few classes: computed on the transposed logits; many: row-wise
def test_cross_entropy_weights_and_ignored_samples_without_smoothing(reduction, classes):
    x = rand(6, classes, seed=21)
    t = np.array([2, -100, 3, 1, 0, 3])
    w = al.tensor(np.random.default_rng(22).uniform(0.5, 2.0, classes))
    kept = t != -100
    per = np.zeros(6)
    per[kept] = -w.data[t[kept]] * log_softmax(x.data)[kept, t[kept]]
    expected = {"mean": per.sum() / w.data[t[kept]].sum(), "sum": per.sum(), "none": per}[reduction]
    out = F.cross_entropy(x, t, weight=w, reduction=reduction)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    check_op(lambda x: F.cross_entropy(x, t, weight=w, reduction=reduction), x)


def test_cross_entropy_gradient_with_weights_and_ignored_samples():
    x, w = rand(4, 3, seed=23), np.array([0.5, 2.0, 1.0])
    t = np.array([1, 0, -100, 1])
    F.cross_entropy(x, t, weight=al.tensor(w)).backward()
    kept = t != -100
    onehot = np.zeros((4, 3))
    onehot[np.flatnonzero(kept), t[kept]] = 1
    sample_w = np.where(kept, w[np.where(kept, t, 0)], 0)
    expected = sample_w[:, None] * (np.exp(log_softmax(x.data)) - onehot) / sample_w.sum()
    np.testing.assert_allclose(x.grad.data, expected, atol=1e-12)


def test_cross_entropy_all_samples_ignored_is_nan_with_zero_gradient():
    x = rand(3, 4, seed=24)
    loss = F.cross_entropy(x, np.array([-100, -100, -100]))  # PyTorch: nan, and a zero gradient
    loss.backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(x.grad.data, np.zeros((3, 4)))
    assert F.cross_entropy(x, np.array([-100, -100, -100]), reduction="sum").item() == 0.0


def test_cross_entropy_backward_twice_with_retained_graph():
    x = rand(5, 4, seed=25)
    loss = F.cross_entropy(x, TARGET)
    loss.backward(retain_graph=True)
    first = x.grad.data.copy()
    loss.backward()  # the saved softmax must not have been changed by the first backward
    np.testing.assert_allclose(x.grad.data, 2 * first, atol=1e-15)


def test_cross_entropy_float32_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(26)
    x = rng.standard_normal((200, 10)).astype(np.float32) * 3
    t = rng.integers(0, 10, 200)
    ours = al.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    loss, tloss = F.cross_entropy(ours, t), torch.nn.functional.cross_entropy(theirs, torch.tensor(t))
    loss.backward()
    tloss.backward()
    assert loss.dtype == ours.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-6)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-5, atol=1e-8)
