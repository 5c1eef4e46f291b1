"""Linear autoencoder L = ½‖WᵀWx − x‖²: the full gradient, summing both paths to W.

Run:  autograd-lite check autoencoder        (exit 0: the formula is right)
"""
import numpy as np


def f(W, x):
    residual = W.T @ (W @ x) - x
    return 0.5 * (residual * residual).sum()


def inputs():
    rng = np.random.default_rng(0)
    return {"W": rng.standard_normal((2, 4)), "x": rng.standard_normal(4)}


def grad_W(W, x):
    r = W.T @ W @ x - x                       # the residual
    return W @ np.outer(r, x) + np.outer(W @ x, r)   # path through Wx + path through Wᵀ
