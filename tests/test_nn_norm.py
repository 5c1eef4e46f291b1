"""batch_norm (training and eval, running statistics like PyTorch), layer_norm, group_norm."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite.engine import OpError
from tests.helpers import check_op, rand

BN_SHAPES = [(5, 3), (4, 3, 5), (2, 3, 3, 4), (1, 2, 4, 3)]  # (N, C), (N, C, L), (N, C, H, W), batch of 1


def reference_norm(x, dims, eps):
    mean = x.mean(axis=dims, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=dims, keepdims=True) + eps)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_training_values_and_gradcheck(shape):
    x, gamma, beta = rand(*shape, seed=1), rand(shape[1], seed=2), rand(shape[1], seed=3)
    dims = (0,) + tuple(range(2, len(shape)))
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    out = F.batch_norm(x, None, None, gamma, beta, training=True)
    expected = reference_norm(x.data, dims, 1e-5) * gamma.data.reshape(bshape) + beta.data.reshape(bshape)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    check_op(lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True), x, gamma, beta)


def test_batch_norm_fused_backward_formula():
    # dx = (1/N)·γ·σ⁻¹·(N·dy − Σdy − x̂·Σ(dy·x̂)), the homework's batchnorm_backward_alt
    rng = np.random.default_rng(0)
    x, dy, gamma = rng.standard_normal((6, 4)), rng.standard_normal((6, 4)), rng.standard_normal(4)
    xt, gt = al.tensor(x, requires_grad=True), al.tensor(gamma, requires_grad=True)
    F.batch_norm(xt, None, None, gt, None, training=True, eps=1e-5).backward(dy)
    n, inv_std = x.shape[0], 1 / np.sqrt(x.var(0) + 1e-5)
    x_hat = (x - x.mean(0)) * inv_std
    dx = gamma * inv_std / n * (n * dy - dy.sum(0) - x_hat * (dy * x_hat).sum(0))
    np.testing.assert_allclose(xt.grad.data, dx, atol=1e-12)
    np.testing.assert_allclose(gt.grad.data, (dy * x_hat).sum(0), atol=1e-12)


@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 2, 2)])
def test_batch_norm_running_stats_over_steps(shape, as_tensor):
    c, momentum = shape[1], 0.2
    rm, rv = np.zeros(c), np.ones(c)
    running_mean = al.tensor(np.zeros(c)) if as_tensor else np.zeros(c)
    running_var = al.tensor(np.ones(c)) if as_tensor else np.ones(c)
    buffers = (running_mean.data if as_tensor else running_mean, running_var.data if as_tensor else running_var)
    ids = [id(b) for b in buffers]
    dims = (0,) + tuple(range(2, len(shape)))
    for step in range(4):
        x = rand(*shape, seed=10 + step) * (step + 1) + step
        F.batch_norm(x, running_mean, running_var, training=True, momentum=momentum)
        n = x.numel() // c  # PyTorch's rule: running_var gets the unbiased batch variance
        rm = (1 - momentum) * rm + momentum * x.data.mean(dims)
        rv = (1 - momentum) * rv + momentum * x.data.var(dims) * n / (n - 1)
        np.testing.assert_allclose(buffers[0], rm, atol=1e-12)
        np.testing.assert_allclose(buffers[1], rv, atol=1e-12)
    assert [id(b) for b in ((running_mean.data, running_var.data) if as_tensor
                            else (running_mean, running_var))] == ids  # updated in place


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_eval_uses_running_stats(shape):
    c = shape[1]
    rng = np.random.default_rng(4)
    rm, rv = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    x, gamma, beta = rand(*shape, seed=5), rand(c, seed=6), rand(c, seed=7)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    out = F.batch_norm(x, rm, rv, gamma, beta, training=False)
    expected = (x.data - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + 1e-5) * gamma.data.reshape(bshape) \
        + beta.data.reshape(bshape)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    check_op(lambda x, g, b: F.batch_norm(x, rm, rv, g, b, training=False), x, gamma, beta)


def test_batch_norm_float32_buffers_and_output_stay_float32():
    x = al.tensor(np.random.default_rng(0).standard_normal((16, 5)).astype(np.float32), requires_grad=True)
    rm, rv = np.zeros(5, np.float32), np.ones(5, np.float32)
    out = F.batch_norm(x, rm, rv, al.tensor(np.ones(5, np.float32)), al.tensor(np.zeros(5, np.float32)),
                       training=True)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == rm.dtype == rv.dtype == np.float32


@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 2, 2, 3), 3)])
def test_layer_norm(shape, normalized):
    ns = (normalized,) if isinstance(normalized, int) else normalized
    x, w, b = rand(*shape, seed=8), rand(*ns, seed=9), rand(*ns, seed=10)
    out = F.layer_norm(x, normalized, w, b)
    dims = tuple(range(len(shape) - len(ns), len(shape)))
    np.testing.assert_allclose(out.data, reference_norm(x.data, dims, 1e-5) * w.data + b.data, atol=1e-12)
    check_op(lambda x, w, b: F.layer_norm(x, normalized, w, b), x, w, b)


@pytest.mark.parametrize("shape,groups", [((2, 4, 3), 2), ((2, 6, 2, 2), 3), ((1, 4, 3, 2), 1), ((3, 4), 4)])
def test_group_norm(shape, groups):
    c = shape[1]
    x, w, b = rand(*shape, seed=11), rand(c, seed=12), rand(c, seed=13)
    out = F.group_norm(x, groups, w, b)
    grouped = x.data.reshape(shape[0], groups, -1)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    expected = reference_norm(grouped, (2,), 1e-5).reshape(shape) * w.data.reshape(bshape) + b.data.reshape(bshape)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    check_op(lambda x, w, b: F.group_norm(x, groups, w, b), x, w, b)


@pytest.mark.parametrize("call,words", [
    (lambda: F.batch_norm(rand(4, 3), np.zeros(2), np.ones(2), training=True), ["batch_norm", "running_mean", "(3,)"]),
    (lambda: F.batch_norm(rand(4, 3), None, None, training=False), ["batch_norm", "running"]),
    (lambda: F.batch_norm(rand(1, 3), None, None, training=True), ["batch_norm", "more than 1 value"]),
    (lambda: F.layer_norm(rand(4, 3), (4,)), ["layer_norm", "(4,)", "(4, 3)"]),
    (lambda: F.group_norm(rand(2, 6, 3), 4), ["group_norm", "num_groups=4", "6 channels"]),
])
def test_bad_input_raises_clear_error(call, words):
    with pytest.raises(OpError) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("shape", [(200, 100), (8, 6, 5, 5)])
def test_batch_norm_float32_training_step_matches_pytorch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(31)
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    gamma, beta = rng.uniform(0.5, 2, shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    ours = [al.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    out = F.batch_norm(ours[0], None, None, ours[1], ours[2], training=True)
    tout = torch.nn.functional.batch_norm(theirs[0], None, None, theirs[1], theirs[2], training=True)
    out.backward(dy)
    tout.backward(torch.tensor(dy))
    assert out.dtype == np.float32 and all(t.grad.dtype == np.float32 for t in ours)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    for t, tt in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_batch_norm_gradients_of_gamma_and_beta_only():
    x, gamma, beta = rand(6, 3, seed=32, requires_grad=False), rand(3, seed=33), rand(3, seed=34)
    dy = np.random.default_rng(35).standard_normal((6, 3))
    F.batch_norm(x, None, None, gamma, beta, training=True).backward(dy)
    x_hat = reference_norm(x.data, (0,), 1e-5)
    assert x.grad is None
    np.testing.assert_allclose(gamma.grad.data, (dy * x_hat).sum(0), atol=1e-12)
    np.testing.assert_allclose(beta.grad.data, dy.sum(0), atol=1e-12)


def _float64_batch_norm(x, gamma, beta, dy, eps=1e-5):
    """Training-mode batch norm and its gradients (x, γ, β) in float64, from the textbook formulas."""
    dims, bshape = (0,) + tuple(range(2, x.ndim)), (1, -1) + (1,) * (x.ndim - 2)
    m = x.size // x.shape[1]
    inv_std = 1 / np.sqrt(x.var(dims, keepdims=True) + eps)
    x_hat = (x - x.mean(dims, keepdims=True)) * inv_std
    g_beta, g_gamma = dy.sum(dims), (dy * x_hat).sum(dims)
    gx = gamma.reshape(bshape) * inv_std / m * (m * dy - g_beta.reshape(bshape) - x_hat * g_gamma.reshape(bshape))
    return x_hat * gamma.reshape(bshape) + beta.reshape(bshape), gx, g_gamma, g_beta


@pytest.mark.parametrize("shape", [(64, 16, 16, 16), (64, 64, 8, 8), (16, 8, 40, 40), (32, 16, 100), (300, 40)])
def test_batch_norm_float32_within_rounding_of_float64(shape):
    """float32 values and gradients within float32 rounding of the float64 formulas: ≥ 1 MiB inputs (x − μ
    recomputed in backward), rows summed by einsum (≤ EINSUM_ROW_MAX positions) or pairwise (40×40)."""
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 2 + 3).astype(np.float32)  # an offset mean: x − μ must not cancel
    dy = rng.standard_normal(shape).astype(np.float32)
    gamma, beta = rng.uniform(0.5, 2, shape[1]).astype(np.float32), rng.standard_normal(shape[1]).astype(np.float32)
    xt, gt, bt = (al.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    out = F.batch_norm(xt * 1.0, None, None, gt, bt, training=True)  # a computed input, as in a network
    out.backward(dy)
    expected = _float64_batch_norm(*(a.astype(np.float64) for a in (x, gamma, beta, dy)))
    for got, want in zip((out.data, xt.grad.data, gt.grad.data, bt.grad.data), expected):
        assert got.dtype == np.float32
        assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()


def test_batch_norm_large_input_keeps_one_full_size_array(monkeypatch):
    """From CENTERED_KEPT_BELOW bytes on, the node keeps no x − μ (backward recomputes it from x): the same
    gradients, also when backward runs twice (retain_graph) or x needs none."""
    from autograd_lite.ops import norm
    rng = np.random.default_rng(8)
    x = rng.standard_normal((64, 32, 8, 8)).astype(np.float32)  # 512 KiB: kept
    dy = rng.standard_normal(x.shape).astype(np.float32)
    grads = []
    for kept_below in (norm.CENTERED_KEPT_BELOW, 0):
        monkeypatch.setattr(norm, "CENTERED_KEPT_BELOW", kept_below)
        xt, gt = al.tensor(x, requires_grad=True), al.tensor(np.ones(32, np.float32), requires_grad=True)
        out = F.batch_norm(xt * 1.0, None, None, gt, None, training=True)
        assert (out.grad_fn.centered is None) == (kept_below == 0)
        out.backward(dy, retain_graph=True)
        first = xt.grad.data.copy(), gt.grad.data.copy()
        out.backward(dy)
        np.testing.assert_array_equal(xt.grad.data, 2 * first[0])
        np.testing.assert_array_equal(gt.grad.data, 2 * first[1])
        grads.append(first)
        F.batch_norm(al.tensor(x), None, None, gt, None, training=True).backward(dy)  # γ's gradient only
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)  # recomputed x − μ: the forward's values


@pytest.mark.parametrize("shape", [(4, 3, 5), (2, 3, 3, 4)])
def test_batch_norm_recomputed_centered_gradcheck(shape, monkeypatch):
    from autograd_lite.ops import norm
    monkeypatch.setattr(norm, "CENTERED_KEPT_BELOW", 0)
    x, gamma, beta = rand(*shape, seed=11), rand(shape[1], seed=12), rand(shape[1], seed=13)
    check_op(lambda x, g, b: F.batch_norm(x * 1.0, None, None, g, b, training=True), x, gamma, beta)
