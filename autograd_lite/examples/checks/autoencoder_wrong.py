"""Linear autoencoder L = ½‖WᵀWx − x‖² with the classic WRONG answer: one path to W only.

W is used twice (in Wx and in Wᵀ), and this formula keeps only the path through
Wx, W·r·xᵀ, missing Wx·rᵀ. The check fails and points at W.

Run:  autograd-lite check autoencoder_wrong  (exit 1: the formula is wrong)
"""
import numpy as np


def f(W, x):
    residual = W.T @ (W @ x) - x
    return 0.5 * (residual * residual).sum()


def inputs():
    rng = np.random.default_rng(0)
    return {"W": rng.standard_normal((2, 4)), "x": rng.standard_normal(4)}


def grad_W(W, x):
    r = W.T @ W @ x - x
    return W @ np.outer(r, x)                 # WRONG: forgets the path through Wᵀ
