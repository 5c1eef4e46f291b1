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
