"""Values and gradients of every F op against PyTorch (skipped when torch is not installed)."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
import autograd_lite.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(0)


def arr(*shape, low=None, high=None):
    return rng.uniform(low, high, shape) if low is not None else rng.standard_normal(shape)


T = np.array([1, 0, 3, 2, 3, 0])
T_SPATIAL = rng.integers(0, 3, (2, 4, 3))
CW = np.array([0.3, 1.0, 2.0, 0.7])

# name: (inputs, our call, torch call) — the calls take the inputs in order (float arrays get gradients)
CASES = {
    "linear": ([arr(6, 5), arr(3, 5), arr(3)], F.linear, TF.linear),
    "conv2d": ([arr(2, 4, 7, 6), arr(6, 2, 3, 3), arr(6)],
               lambda x, w, b: F.conv2d(x, w, b, (2, 1), 1, (1, 2), 2),
               lambda x, w, b: TF.conv2d(x, w, b, (2, 1), 1, (1, 2), 2)),
    "max_pool2d": ([arr(2, 3, 7, 7)], lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1)),
    "max_pool2d_tiled": ([np.maximum(arr(2, 3, 6, 8), 0)], lambda x: F.max_pool2d(x, 2),
                         lambda x: TF.max_pool2d(x, 2)),
    "avg_pool2d": ([arr(2, 3, 7, 6)], lambda x: F.avg_pool2d(x, (3, 2), (2, 1), 1),
                   lambda x: TF.avg_pool2d(x, (3, 2), (2, 1), 1)),
    "batch_norm_2d": ([arr(4, 3, 2, 2), arr(3), arr(3)],
                      lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                      lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True)),
    "batch_norm_eval": ([arr(5, 3), arr(3), arr(3)],
                        lambda x, w, b: F.batch_norm(x, np.arange(3.0), np.ones(3) * 2, w, b),
                        lambda x, w, b: TF.batch_norm(x, torch.arange(3.0, dtype=torch.float64),
                                                      torch.ones(3, dtype=torch.float64) * 2, w, b)),
    "layer_norm": ([arr(3, 4, 5), arr(4, 5), arr(4, 5)], lambda x, w, b: F.layer_norm(x, (4, 5), w, b),
                   lambda x, w, b: TF.layer_norm(x, (4, 5), w, b)),
    "group_norm": ([arr(2, 6, 3, 2), arr(6), arr(6)], lambda x, w, b: F.group_norm(x, 3, w, b),
                   lambda x, w, b: TF.group_norm(x, 3, w, b)),
    "relu": ([arr(4, 5)], F.relu, TF.relu),
    "leaky_relu": ([arr(4, 5)], lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "sigmoid": ([arr(4, 5) * 10], F.sigmoid, torch.sigmoid),
    "tanh": ([arr(4, 5)], F.tanh, torch.tanh),
    "silu": ([arr(4, 5) * 10], F.silu, TF.silu),
    "gelu": ([arr(4, 5) * 3], F.gelu, TF.gelu),
    "gelu_tanh": ([arr(4, 5) * 3], lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: TF.gelu(x, approximate="tanh")),
    "elu": ([arr(4, 5) * 3], lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7)),
    "softplus": ([arr(4, 5) * 15], lambda x: F.softplus(x, 2.0, 10.0), lambda x: TF.softplus(x, 2.0, 10.0)),
    "softmax": ([arr(4, 5) * 5], lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)),
    "log_softmax": ([arr(4, 5) * 5], lambda x: F.log_softmax(x, -1), lambda x: TF.log_softmax(x, -1)),
    "cross_entropy": ([arr(6, 4) * 3], lambda x: F.cross_entropy(x, T), lambda x: TF.cross_entropy(x, torch.tensor(T))),
    "cross_entropy_full": ([arr(6, 4) * 3],
                           lambda x: F.cross_entropy(x, np.where(T == 2, -1, T), al.tensor(CW), -1, "mean", 0.1),
                           lambda x: TF.cross_entropy(x, torch.tensor(np.where(T == 2, -1, T)), torch.tensor(CW), None,
                                                      -1, None, "mean", 0.1)),
    "cross_entropy_spatial": ([arr(2, 3, 4, 3)], lambda x: F.cross_entropy(x, T_SPATIAL, reduction="sum"),
                              lambda x: TF.cross_entropy(x, torch.tensor(T_SPATIAL), reduction="sum")),
    "cross_entropy_probs": ([arr(6, 4), arr(6, 4, low=0, high=1)], F.cross_entropy, TF.cross_entropy),
    "nll_loss": ([arr(6, 4)], lambda x: F.nll_loss(x, T, al.tensor(CW)),
                 lambda x: TF.nll_loss(x, torch.tensor(T), torch.tensor(CW))),
    "mse_loss": ([arr(6, 4), arr(6, 4)], F.mse_loss, TF.mse_loss),
    "binary_cross_entropy": ([arr(6, 4, low=0.01, high=0.99), arr(6, 4, low=0, high=1)],
                             F.binary_cross_entropy, TF.binary_cross_entropy),
    "bce_with_logits": ([arr(6, 4) * 5, arr(6, 4, low=0, high=1)],
                        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=al.tensor(CW)),
                        lambda x, t: TF.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor(CW))),
    "multi_margin_loss": ([arr(6, 4)], lambda x: F.multi_margin_loss(x, T), lambda x: TF.multi_margin_loss(x, torch.tensor(T))),
    "multi_margin_loss_p2_weight": ([arr(6, 4)], lambda x: F.multi_margin_loss(x, T, 2, 0.5, al.tensor(CW), "sum"),
                                    lambda x: TF.multi_margin_loss(x, torch.tensor(T), 2, 0.5, torch.tensor(CW),
                                                                   reduction="sum")),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_pytorch(name):
    inputs, ours, theirs = CASES[name]
    a = [al.tensor(x, requires_grad=True) for x in inputs]
    t = [torch.tensor(x, requires_grad=True) for x in inputs]
    out, ref = ours(*a), theirs(*t)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-7, atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for x, y in zip(a, t):
        np.testing.assert_allclose(x.grad.data, y.grad.numpy(), rtol=1e-7, atol=1e-10)


def test_batch_norm_running_stats_match_pytorch():
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    trm, trv = torch.zeros(3), torch.ones(3)
    for step in range(3):
        x = (arr(8, 3, 2, 2) * (step + 1)).astype(np.float32)
        F.batch_norm(al.tensor(x), rm, rv, training=True, momentum=0.3)
        TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.3)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-5)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-5)


def test_second_derivatives_match_pytorch():
    x, w = arr(1, 2, 5, 5), arr(3, 2, 3, 3)
    a = [al.tensor(v, requires_grad=True) for v in (x, w)]
    t = [torch.tensor(v, requires_grad=True) for v in (x, w)]

    def ours(x, w):
        h = F.batch_norm(F.conv2d(x, w, padding=1), None, None, training=True)
        return F.cross_entropy(F.max_pool2d(F.silu(h), 2).reshape(1, -1), np.array([3]))

    def theirs(x, w):
        h = TF.batch_norm(TF.conv2d(x, w, padding=1), None, None, training=True)
        return TF.cross_entropy(TF.max_pool2d(TF.silu(h), 2).reshape(1, -1), torch.tensor([3]))

    ga = al.grad(ours(*a), a, create_graph=True)
    gt = torch.autograd.grad(theirs(*t), t, create_graph=True)
    hv_a = al.grad(sum((g * g).sum() for g in ga), a)
    hv_t = torch.autograd.grad(sum((g * g).sum() for g in gt), t)
    for u, v in zip(hv_a, hv_t):
        np.testing.assert_allclose(u.data, v.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("batch_norm", [False, True], ids=["two_layer", "bn_mlp"])
def test_float32_mlp_training_steps_match_pytorch(batch_norm):
    # The benchmark MLPs in miniature: linear → [batch norm] → ReLU → linear → cross-entropy → SGD, all float32
    r = np.random.default_rng(7)
    x, y = r.standard_normal((32, 20)).astype(np.float32), r.integers(0, 5, 32)
    start = [(r.standard_normal(s) * 0.3).astype(np.float32) for s in [(16, 20), (16,), (16,), (16,), (5, 16), (5,)]]
    a = [al.tensor(v, requires_grad=True) for v in start]
    t = [torch.tensor(v, requires_grad=True) for v in start]

    def step(lib_F, ps, xs, ys):
        h = lib_F.linear(xs, ps[0], ps[1])
        h = lib_F.batch_norm(h, None, None, ps[2], ps[3], training=True) if batch_norm else h
        return lib_F.cross_entropy(lib_F.linear(lib_F.relu(h), ps[4], ps[5]), ys)

    opt, topt = al.optim.SGD(a, lr=0.1, momentum=0.9), torch.optim.SGD(t, lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        loss, tloss = step(F, a, al.tensor(x), y), step(TF, t, torch.tensor(x), torch.tensor(y))
        loss.backward()
        tloss.backward()
        assert loss.dtype == np.float32
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
        for p, tp in zip(a, t):
            if p.grad is not None:  # γ, β are unused without batch norm
                assert p.grad.dtype == np.float32
                np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-3, atol=1e-5)
        opt.step()
        topt.step()
    for p, tp in zip(a, t):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-4, atol=1e-5)
