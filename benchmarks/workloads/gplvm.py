"""Workload 5: the GP-LVM log-likelihood gradient (seed 003's derivation), float64.

    K = α·X·Xᵀ + β⁻¹·I,   L = −D/2·log|K| − ½·tr(K⁻¹·Y·Yᵀ),   return dL/dX

for X (200, 2), Y (200, 10); tr(K⁻¹YYᵀ) is computed as Σ (K⁻¹Y) ⊙ Y in every library."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .common import Library, rng, shared_builders, unsupported

NAME = "gplvm"
TITLE = "5. GP-LVM gradient dL/dX: X (200, 2), Y (200, 10), float64"
PER_OP = False
ALPHA, BETA = 1.0, 10.0


def make_spec(quick: bool) -> dict[str, Any]:
    n, q, d = (20, 2, 3) if quick else (200, 2, 10)
    r = rng(5)
    return {"X": r.standard_normal((n, q)), "Y": r.standard_normal((n, d))}


def build_numpy(spec: dict) -> Callable[[], float]:
    """dL/dK = ½·K⁻¹YYᵀK⁻¹ − D/2·K⁻¹ (symmetric), dL/dX = 2α·(dL/dK)·X."""
    X, Y = spec["X"], spec["Y"]
    n, d = Y.shape

    def step() -> float:
        K = ALPHA * (X @ X.T)
        K.flat[::n + 1] += 1.0 / BETA
        K_inv = np.linalg.inv(K)
        A = K_inv @ Y
        loss = -0.5 * d * np.linalg.slogdet(K)[1] - 0.5 * float(np.sum(A * Y))
        dK = 0.5 * (A @ A.T) - 0.5 * d * K_inv
        dX = 2 * ALPHA * (dK @ X)
        return loss + 0.0 * dX[0, 0]
    return step


def build_shared(lib: Library, spec: dict) -> Callable[[], float]:
    """autograd_lite and PyTorch: the same code through each library's namespace."""
    X, Y = lib.tensor(spec["X"], True), lib.tensor(spec["Y"], False)
    n, d = Y.shape
    noise = lib.tensor(np.eye(n) / BETA, False)

    def step() -> float:
        lib.clear_grad(X)
        K = ALPHA * (X @ X.T) + noise
        loss = -0.5 * d * lib.module.logdet(K) - 0.5 * (lib.module.linalg.solve(K, Y) * Y).sum()
        loss.backward()
        return lib.item(loss)
    return step


def build_autograd(spec: dict) -> Callable[[], float]:
    import autograd.numpy as anp
    from autograd import value_and_grad
    Y = spec["Y"]
    n, d = Y.shape
    noise = np.eye(n) / BETA

    def loss_fn(X: Any) -> Any:
        K = ALPHA * (X @ X.T) + noise
        return -0.5 * d * anp.linalg.slogdet(K)[1] - 0.5 * anp.sum(anp.linalg.solve(K, Y) * Y)
    vg = value_and_grad(loss_fn)

    def step() -> float:
        return float(vg(spec["X"])[0])
    return step


def build_mygrad(spec: dict) -> Callable[[], float]:
    import mygrad  # noqa: F401  (installed, but has no differentiable logdet or solve)
    raise unsupported("MyGrad", "differentiable log-determinant or solve")


BUILDERS = {"numpy": build_numpy, **shared_builders(build_shared, ("autograd_lite", "torch")),
            "autograd": build_autograd, "mygrad": build_mygrad}
