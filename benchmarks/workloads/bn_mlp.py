"""Workload 3: a 5-layer batch-norm MLP training step, float32.

X (200, 3072) → 4 × [affine → batch norm (training mode, batch statistics) → ReLU] with 100 units
→ affine 100→10 → mean softmax cross-entropy, backward, SGD update (the homework's FullyConnectedNet)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .common import Library, hips_sgd_step, hips_softmax_ce, np_softmax_ce, rng, sgd_step, shared_builders

NAME = "bn_mlp"
TITLE = "3. Batch-norm MLP step: X (200, 3072) float32, 4 × [affine → BN → ReLU] (100) → 10, fwd+bwd+SGD"
PER_OP = False
LR = 1e-3
EPS = 1e-5


def make_spec(quick: bool) -> dict[str, Any]:
    n, d, hidden, c = (20, 64, 16, 10) if quick else (200, 3072, 100, 10)
    dims = [d] + [hidden] * 4 + [c]
    r = rng(3)
    f32 = np.float32
    layers = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append((r.standard_normal((a, b)) / np.sqrt(a)).astype(f32))
        layers.append(np.zeros(b, f32))
        if i < 4:
            layers += [np.ones(b, f32), np.zeros(b, f32)]  # γ, β
    return {"X": r.standard_normal((n, d)).astype(f32), "y": r.integers(0, c, n), "params": layers}


def _groups(params: list) -> tuple[list, list]:
    """[(W, b, γ, β)] × 4 for the hidden layers, and (W, b) of the output layer."""
    return [params[4 * i:4 * i + 4] for i in range(4)], params[16:18]


def build_numpy(spec: dict) -> Callable[[], float]:
    """Forward keeping x̂ and 1/σ per layer; batch norm's simplified fused backward."""
    X, y = spec["X"], spec["y"]
    params = [p.copy() for p in spec["params"]]
    hidden_layers, (Wo, bo) = _groups(params)

    def step() -> float:
        h, cache = X, []
        for W, b, gamma, beta in hidden_layers:
            a = h @ W + b
            mu = a.mean(0)
            centered = a - mu
            inv_std = 1.0 / np.sqrt((centered * centered).mean(0) + EPS)
            x_hat = centered * inv_std
            out = np.maximum(x_hat * gamma + beta, 0)
            cache.append((h, x_hat, inv_std, out))
            h = out
        loss, g = np_softmax_ce(h @ Wo + bo, y)
        grads = [h.T @ g, g.sum(0)]
        g = g @ Wo.T
        for (W, b, gamma, beta), (h_in, x_hat, inv_std, out) in zip(reversed(hidden_layers), reversed(cache)):
            g = g * (out > 0)
            dgamma, dbeta = (g * x_hat).sum(0), g.sum(0)
            gx = g * gamma
            da = inv_std * (gx - gx.mean(0) - x_hat * (gx * x_hat).mean(0))
            grads = [h_in.T @ da, da.sum(0), dgamma, dbeta] + grads
            if h_in is not X:
                g = da @ W.T
        for p, gp in zip(params, grads):
            p -= LR * gp
        return loss
    return step


def build_shared(lib: Library, spec: dict) -> Callable[[], float]:
    """autograd_lite, PyTorch and MyGrad: the same code through each library's namespace."""
    X, y = lib.tensor(spec["X"], False), lib.tensor(spec["y"], False)
    params = [lib.tensor(p, True) for p in spec["params"]]
    hidden_layers, (Wo, bo) = _groups(params)
    F = lib.F

    def loss_fn() -> Any:
        h = X
        for W, b, gamma, beta in hidden_layers:
            h = F.relu(F.batch_norm(h @ W + b, None, None, gamma, beta, training=True, eps=EPS))
        return F.cross_entropy(h @ Wo + bo, y)
    return sgd_step(lib, params, LR, loss_fn)


def build_autograd(spec: dict) -> Callable[[], float]:
    import autograd.numpy as anp
    X, y = spec["X"], spec["y"]

    def loss_fn(ps: list) -> Any:
        hidden_layers, (Wo, bo) = _groups(ps)
        h = X
        for W, b, gamma, beta in hidden_layers:
            a = h @ W + b
            centered = a - anp.mean(a, axis=0)
            x_hat = centered / anp.sqrt(anp.mean(centered * centered, axis=0) + EPS)
            h = anp.maximum(x_hat * gamma + beta, 0)
        return hips_softmax_ce(anp, h @ Wo + bo, y)
    return hips_sgd_step(loss_fn, [p.copy() for p in spec["params"]], LR)


BUILDERS = {"numpy": build_numpy, **shared_builders(build_shared), "autograd": build_autograd}
