"""Normalizing and comparing vectors: `F.normalize`, `cosine_similarity`, `pairwise_distance`.

All three are composed of other ops (vector_norm, clamp, division, sum), whose gradients
are already right and differentiable again:

    normalize(x)          = x / max(‖x‖_p, eps)                      (norm along dim)
    cosine_similarity     = Σ_dim (x1 / max(‖x1‖, eps)) · (x2 / max(‖x2‖, eps))
    pairwise_distance     = ‖x1 − x2 + eps‖_p                         (along the last dim)
"""
from __future__ import annotations

import numpy as np

from ..engine import OpError
from ..tensor import Tensor
from .dims import dim_index
from .elementwise import as_tensor
from .linalg import vector_norm
from .registry import register


@register(al=False, F=True)
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(‖input‖_p, eps), the norm taken along dim (each vector scaled to norm 1); shape kept.

    ∂L/∂x = (G − x̂·⟨G, x̂⟩) / ‖x‖ for p = 2 (x̂ the output), from the quotient and the norm's rules.
    """
    d = dim_index(dim, input.ndim, "normalize")
    return input / vector_norm(input, p, d, keepdim=True).clamp(min=eps)


def _unclamped_gradient(norm: Tensor, eps: float) -> Tensor:
    """max(norm, eps) in value, with the gradient of norm itself (PyTorch clamps its norms without grad)."""
    return norm + (norm.clamp(min=eps) - norm).detach()


@register(F=True)
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos of the angle between x1 and x2 along dim (they broadcast): Σ x̂1·x̂2, x̂ = x / max(‖x‖₂, eps).

    Output: the broadcast shape without dim.  ∂L/∂x1 = G·(x̂2 − cos·x̂1) / ‖x1‖ (and likewise for x2).
    """
    x1, x2 = as_tensor(x1), as_tensor(x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise OpError(f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not broadcast") from None
    d = dim_index(dim, len(shape), "cosine_similarity")
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    n1 = _unclamped_gradient(vector_norm(x1, 2, d, keepdim=True), eps)
    n2 = _unclamped_gradient(vector_norm(x2, 2, d, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


@register(F=True)
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + eps‖_p along the last dim (x1 and x2 broadcast): (N, D), (N, D) -> (N,).

    ∂L/∂x1 = G·sign(u)·abs(u)^(p−1) / ‖u‖^(p−1) with u = x1 − x2 + eps; ∂L/∂x2 = −∂L/∂x1.
    """
    diff = as_tensor(x1) - as_tensor(x2) + eps
    return vector_norm(diff, p, -1 if diff.ndim else None, keepdim=keepdim)
