"""GP-LVM log-likelihood (Lawrence 2004), up to its constant:

    L = −D/2·log|K| − ½·tr(K⁻¹YYᵀ),   K = αXXᵀ + β⁻¹I,

X (N, Q) latent points, Y (N, D) data. The hand derivation goes through K:

    ∂L/∂K = ½·K⁻¹YYᵀK⁻¹ − D/2·K⁻¹          (K symmetric; uses ∂log|K|/∂K = K⁻ᵀ
                                             and ∂L/∂K = −K⁻ᵀ·(∂L/∂K⁻¹)·K⁻ᵀ)
    ∇_X L = α(∂L/∂K + ∂L/∂Kᵀ)·X = α(K⁻¹YYᵀK⁻¹ − D·K⁻¹)·X   (two paths: X and Xᵀ)

Also a check file (`autograd-lite check gplvm`): `f` exposes K, and `grad_X`, `grad_K` are checked.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import eye
from ..linalg import inv, logdet
from ..ops import as_tensor, trace
from ..tensor import Tensor


def log_likelihood(X: Tensor, Y: Any, alpha: float = 1.0, beta: float = 4.0,
                   return_intermediates: bool = False) -> Any:
    """L for X (N, Q), Y (N, D); with return_intermediates, (L, {"K": K, "K_inv": K⁻¹})."""
    Y = as_tensor(Y)
    n, d = Y.shape
    K = alpha * (X @ X.T) + eye(n, dtype=X.dtype) / beta
    K_inv = inv(K)
    L = -0.5 * d * logdet(K) - 0.5 * trace(K_inv @ (Y @ Y.T))
    return (L, {"K": K, "K_inv": K_inv}) if return_intermediates else L


def kernel(X: np.ndarray, alpha: float = 1.0, beta: float = 4.0) -> np.ndarray:
    return alpha * X @ X.T + np.eye(X.shape[0]) / beta


def grad_K(X: np.ndarray, Y: np.ndarray, alpha: float = 1.0, beta: float = 4.0) -> np.ndarray:
    """∂L/∂K = ½·K⁻¹YYᵀK⁻¹ − D/2·K⁻¹, shape (N, N)."""
    K_inv = np.linalg.inv(kernel(X, alpha, beta))
    return 0.5 * K_inv @ Y @ Y.T @ K_inv - 0.5 * Y.shape[1] * K_inv


def grad_X(X: np.ndarray, Y: np.ndarray, alpha: float = 1.0, beta: float = 4.0) -> np.ndarray:
    """∇_X L = α(K⁻¹YYᵀK⁻¹ − D·K⁻¹)·X, shape (N, Q)."""
    K_inv = np.linalg.inv(kernel(X, alpha, beta))
    return alpha * (K_inv @ Y @ Y.T @ K_inv - Y.shape[1] * K_inv) @ X


def example_inputs(n: int = 6, q: int = 2, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) with X (n, q), Y (n, d), float64."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, q)), rng.standard_normal((n, d))


def f(X: Tensor, Y: Any) -> Any:
    """The check file's loss: (L, {"K": K, "K_inv": K⁻¹}) at α = 1, β = 4."""
    return log_likelihood(X, Y, return_intermediates=True)


def inputs() -> dict[str, np.ndarray]:
    """The check file's inputs: {"X": (6, 2), "Y": (6, 3)}."""
    X, Y = example_inputs()
    return {"X": X, "Y": Y}
