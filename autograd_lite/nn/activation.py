"""Activation layers and `Dropout`.

The activation layers are generated from the op registry: an op declared with
`module="Softplus"` (ops/activation.py) becomes `nn.Softplus(beta=1.0, threshold=20.0)`,
whose constructor takes the op's keyword arguments and whose forward is
`F.softplus(x, beta=..., threshold=...)` (see `registry.module_classes`).
"""
from __future__ import annotations

from ..ops import registry as _registry
from ..tensor import Tensor
from . import functional as F
from .module import Module

globals().update(_registry.module_classes(Module))


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1/(1−p); identity in eval()."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p is the probability of zeroing and must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        """x → x of the same shape: in training each element is zeroed with probability p and the rest are
        scaled by 1/(1 − p); in eval() x itself. Gradient: G times the same mask and scale.
        """
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        """`p=0.5`: the argument, as the repr shows it."""
        return f"p={self.p}"


__all__ = [*sorted(_registry.module_classes(Module)), "Dropout"]
