"""GP-LVM log-likelihood L = −D/2·log|K| − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I.

Checks the hand derivation at the intermediate K as well as at X.
Run:  autograd-lite check gplvm
"""
import numpy as np

import autograd_lite as al

ALPHA, BETA = 1.0, 4.0


def f(X, Y):
    N, D = Y.shape
    K = ALPHA * X @ X.T + al.eye(N) / BETA
    L = -D / 2 * al.logdet(K) - 0.5 * al.trace(al.linalg.inv(K) @ Y @ Y.T)
    return L, {"K": K}                        # expose K to check ∂L/∂K too


def inputs():
    rng = np.random.default_rng(0)
    return {"X": rng.standard_normal((6, 2)), "Y": rng.standard_normal((6, 3))}


def grad_K(X, Y):
    K_inv = np.linalg.inv(ALPHA * X @ X.T + np.eye(len(X)) / BETA)
    return 0.5 * K_inv @ Y @ Y.T @ K_inv - Y.shape[1] / 2 * K_inv


def grad_X(X, Y):
    K_inv = np.linalg.inv(ALPHA * X @ X.T + np.eye(len(X)) / BETA)
    return ALPHA * (K_inv @ Y @ Y.T @ K_inv - Y.shape[1] * K_inv) @ X
