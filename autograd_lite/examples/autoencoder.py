"""Linear autoencoder: L = ½‖WᵀWx − x‖², x ∈ ℝⁿ, W ∈ ℝ^{m×n} (m < n).

W appears twice on the graph (in Wx and in Wᵀ·(Wx)), so its gradient is the
sum over both paths. With r = WᵀWx − x (the residual):

    path through Wx:  ∂L/∂W = W·r·xᵀ
    path through Wᵀ:  ∂L/∂W = Wx·rᵀ
    total:            ∇_W L = W·r·xᵀ + Wx·rᵀ

The classic mistake keeps only the first path (`grad_W_one_path`; the check file
`autoencoder_wrong` hands it in). This module is also a check file: `f`, `inputs()`
and `grad_W` are what `autograd-lite check autoencoder` reads.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor


def loss(W: Tensor, x: Tensor) -> Tensor:
    """½‖WᵀWx − x‖² for W (m, n) and x (n,); a scalar."""
    residual = W.T @ (W @ x) - x
    return 0.5 * (residual * residual).sum()


def grad_W(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The closed form ∇_W L = W·r·xᵀ + Wx·rᵀ, r = WᵀWx − x; shape (m, n)."""
    r = W.T @ W @ x - x
    return W @ np.outer(r, x) + np.outer(W @ x, r)


def grad_W_one_path(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The classic WRONG answer: only the path through Wx, W·r·xᵀ (misses Wx·rᵀ)."""
    r = W.T @ W @ x - x
    return W @ np.outer(r, x)


def example_inputs(m: int = 2, n: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(W, x) with W (m, n) and x (n,), float64."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)), rng.standard_normal(n)


f = loss  # the check-file convention: f, inputs(), grad_<name>
CHECK = ("W",)  # the hand gradients `autograd-lite check` compares (grad_W_one_path is not one)


def inputs() -> dict[str, np.ndarray]:
    """The check file's inputs: {"W": (2, 4), "x": (4,)}."""
    W, x = example_inputs()
    return {"W": W, "x": x}
