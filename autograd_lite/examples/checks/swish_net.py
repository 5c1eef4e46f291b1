"""Two-layer net, Swish hidden layer, softmax cross-entropy: all four parameter gradients.

Z1 = X·W1ᵀ + b1, H1 = Z1·σ(Z1), Z2 = H1·W2ᵀ + b2, L = mean cross-entropy(Z2, y).
Run:  autograd-lite check swish_net
"""
import numpy as np

import autograd_lite as al


def f(X, y, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    H1 = Z1 * al.sigmoid(Z1)
    Z2 = H1 @ W2.T + b2
    log_probs = Z2 - al.logsumexp(Z2, dim=1, keepdim=True)
    return -log_probs[np.arange(len(y)), y.numpy()].mean()


def inputs():
    rng = np.random.default_rng(0)
    return {"X": rng.standard_normal((5, 4)), "y": rng.integers(0, 7, 5),
            "W1": rng.standard_normal((6, 4)), "b1": rng.standard_normal(6),
            "W2": rng.standard_normal((7, 6)), "b2": rng.standard_normal(7)}


def _backprop(X, y, W1, b1, W2, b2):
    Z1 = X @ W1.T + b1
    s = 1 / (1 + np.exp(-Z1))
    H1 = Z1 * s
    Z2 = H1 @ W2.T + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ2 = (P - np.eye(W2.shape[0])[y]) / len(y)   # ∂L/∂Z2 = (softmax − one-hot)/N
    dZ1 = (dZ2 @ W2) * s * (1 + Z1 * (1 - s))     # swish′(z) = σ(z)(1 + z(1 − σ(z)))
    return dZ1, H1, dZ2


def grad_W2(X, y, W1, b1, W2, b2):
    dZ1, H1, dZ2 = _backprop(X, y, W1, b1, W2, b2)
    return dZ2.T @ H1


def grad_b2(X, y, W1, b1, W2, b2):
    return _backprop(X, y, W1, b1, W2, b2)[2].sum(axis=0)


def grad_W1(X, y, W1, b1, W2, b2):
    return _backprop(X, y, W1, b1, W2, b2)[0].T @ X


def grad_b1(X, y, W1, b1, W2, b2):
    return _backprop(X, y, W1, b1, W2, b2)[0].sum(axis=0)
