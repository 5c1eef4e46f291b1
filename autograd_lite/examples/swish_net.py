"""Two-layer net with a Swish hidden layer and softmax cross-entropy (the homework's conventions).

For a batch X (N, D) with integer labels y, W1 (H, D), b1 (H,), W2 (C, H), b2 (C,):

    Z1 = X·W1ᵀ + b1,   H1 = swish(Z1) = Z1 ⊙ σ(Z1),   Z2 = H1·W2ᵀ + b2,
    L  = (1/N)·Σᵢ −log softmax(Z2)ᵢ,yᵢ

Hand derivation (Y the one-hot labels, P = softmax(Z2)):

    ∂L/∂Z2 = (P − Y)/N
    ∇_W2 L = (∂L/∂Z2)ᵀ·H1          ∇_b2 L = Σᵢ (∂L/∂Z2)ᵢ
    ∂L/∂Z1 = (∂L/∂Z2·W2) ⊙ S1,     S1 = swish′(Z1) = σ(Z1)(1 + Z1(1 − σ(Z1)))
                                       (= (1 + (z+1)e^{−z})/(1 + e^{−z})², the homework's form)
    ∇_W1 L = (∂L/∂Z1)ᵀ·X           ∇_b1 L = Σᵢ (∂L/∂Z1)ᵢ

Also a check file (`autograd-lite check swish_net`): `f`, `inputs()` and the four `grad_*`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import as_tensor, logsumexp, sigmoid
from ..tensor import Tensor


def loss(X: Any, y: Any, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
    """Mean softmax cross-entropy of the Swish net on X (N, D) with labels y (N,)."""
    X, labels = as_tensor(X), np.asarray(getattr(y, "data", y)).astype(np.int64)
    Z1 = X @ W1.T + b1
    H1 = Z1 * sigmoid(Z1)
    Z2 = H1 @ W2.T + b2
    log_probs = Z2 - logsumexp(Z2, dim=1, keepdim=True)
    return -log_probs[np.arange(len(labels)), labels].mean()


def _forward(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray):
    Z1 = X @ W1.T + b1
    sig = 1.0 / (1.0 + np.exp(-Z1))
    H1 = Z1 * sig
    Z2 = H1 @ W2.T + b2
    return Z1, sig, H1, Z2


def _dZ2(Z2: np.ndarray, y: np.ndarray) -> np.ndarray:
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0
    return P / len(y)


def grads(X: np.ndarray, y: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray,
          b2: np.ndarray) -> dict[str, np.ndarray]:
    """All four closed-form gradients: {"W1", "b1", "W2", "b2"}, each the shape of its parameter."""
    Z1, sig, H1, Z2 = _forward(X, W1, b1, W2, b2)
    dZ2 = _dZ2(Z2, np.asarray(y))
    dZ1 = (dZ2 @ W2) * sig * (1.0 + Z1 * (1.0 - sig))
    return {"W2": dZ2.T @ H1, "b2": dZ2.sum(axis=0), "W1": dZ1.T @ X, "b1": dZ1.sum(axis=0)}


def example_inputs(n: int = 5, d: int = 4, h: int = 6, c: int = 7, seed: int = 0) -> dict[str, np.ndarray]:
    """{"X", "y", "W1", "b1", "W2", "b2"} with C = 7 classes, as in the homework."""
    rng = np.random.default_rng(seed)
    return {"X": rng.standard_normal((n, d)), "y": rng.integers(0, c, n),
            "W1": rng.standard_normal((h, d)), "b1": rng.standard_normal(h),
            "W2": rng.standard_normal((c, h)), "b2": rng.standard_normal(c)}


f = loss  # the check-file convention: f, inputs(), grad_<name>
inputs = example_inputs


def grad_W1(**data: np.ndarray) -> np.ndarray:
    """∇_W1 L, shape (H, D)."""
    return grads(**data)["W1"]


def grad_b1(**data: np.ndarray) -> np.ndarray:
    """∇_b1 L, shape (H,)."""
    return grads(**data)["b1"]


def grad_W2(**data: np.ndarray) -> np.ndarray:
    """∇_W2 L, shape (C, H)."""
    return grads(**data)["W2"]


def grad_b2(**data: np.ndarray) -> np.ndarray:
    """∇_b2 L, shape (C,)."""
    return grads(**data)["b2"]
