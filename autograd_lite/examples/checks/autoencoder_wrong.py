"""Linear autoencoder L = ½‖WᵀWx − x‖² with the classic WRONG answer: one path to W only.

W is used twice (in Wx and in Wᵀ), and this formula keeps only the path through
Wx, W·r·xᵀ, missing Wx·rᵀ. The check fails and points at W.

Run:  autograd-lite check autoencoder_wrong  (exit 1: the formula is wrong)
"""
import numpy as np

from autograd_lite.examples.checks.autoencoder import f, inputs  # the same loss and inputs  # noqa: F401


def grad_W(W, x):
    r = W.T @ W @ x - x
    return W @ np.outer(r, x)                 # WRONG: forgets the path through Wᵀ
