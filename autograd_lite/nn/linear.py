"""Fully connected layers and shape helpers: `Linear`, `Identity`, `Flatten`, `Unflatten`."""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import flatten
from ..tensor import Tensor
from . import functional as F
from .. import args as _checks
from . import init
from .module import Module, Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. where a layer is switched off)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        """x itself, any shape (the same tensor, not a copy); the gradient passes through unchanged."""
        return x


class Linear(Module):
    """y = x·Wᵀ + b, W of shape (out_features, in_features); x (..., in) → y (..., out).

    W and b start as U(−1/√in, 1/√in), PyTorch's default.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _checks.size("Linear", "in_features", in_features)
        self.out_features = _checks.size("Linear", "out_features", out_features)
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=dtype))
        self.bias = Parameter(creation.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw weight and bias again from U(−1/√in_features, 1/√in_features), in place."""
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """x (..., in_features) → y = x·Wᵀ + b (..., out_features).

        Gradients: ∂L/∂x = G·W, ∂L/∂W = Gᵀ·x and ∂L/∂b = ΣG, summed over the leading dims.
        """
        if self.weight.numel() == 0 and x.ndim and x.shape[-1] == self.in_features:  # Linear(3, 0), Linear(0, 3):
            out = x @ self.weight.mT  # unfused, as the fused op's backward can't reshape empty rows
            return out if self.bias is None else out + self.bias
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """`in_features=4, out_features=3, bias=True`: the arguments, as the repr shows them."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Merge dims start_dim..end_dim into one: (N, C, H, W) → (N, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = _checks.size("Flatten", "start_dim", start_dim, minimum=None)
        self.end_dim = _checks.size("Flatten", "end_dim", end_dim, minimum=None)

    def forward(self, x: Tensor) -> Tensor:
        """x → x with dims start_dim..end_dim merged into one: (N, C, H, W) → (N, C·H·W) by default.

        A reshape: the gradient is G reshaped back to x's shape.
        """
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """`start_dim=1, end_dim=-1`: the arguments, as the repr shows them."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size: Unflatten(1, (C, H, W)) maps (N, C·H·W) → (N, C, H, W).
    One entry of unflattened_size may be −1 (inferred)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim = _checks.size("Unflatten", "dim", dim, minimum=None)
        if not isinstance(unflattened_size, (tuple, list)) or not unflattened_size:
            raise TypeError(f"Unflatten: unflattened_size must be a non-empty tuple of ints, got {unflattened_size!r}")
        self.unflattened_size = tuple(_checks.size("Unflatten", "unflattened_size", s, minimum=-1)
                                      for s in unflattened_size)
        if self.unflattened_size.count(-1) > 1:
            raise ValueError(f"Unflatten: only one size can be -1, got {self.unflattened_size}")

    def forward(self, x: Tensor) -> Tensor:
        """x → x with dim split into unflattened_size: (N, C·H·W) → (N, C, H, W) for Unflatten(1, (C, H, W)).

        A reshape: the gradient is G reshaped back to x's shape. ValueError (naming the shapes) when the sizes
        don't multiply up to x.shape[dim]; IndexError when dim is out of range.
        """
        if not -x.ndim <= self.dim < x.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape {x.shape}")
        d = self.dim % x.ndim
        known = math.prod(s for s in self.unflattened_size if s != -1)
        sizes = self.unflattened_size
        if -1 in sizes and known and x.shape[d] % known == 0:
            sizes = tuple(x.shape[d] // known if s == -1 else s for s in sizes)
        if math.prod(sizes) != x.shape[d] or -1 in sizes:
            raise ValueError(f"Unflatten: sizes {list(self.unflattened_size)} don't multiply up to the size of dim "
                             f"{self.dim} ({x.shape[d]}) of the input of shape {x.shape}")
        return x.reshape(x.shape[:d] + sizes + x.shape[d + 1:])

    def extra_repr(self) -> str:
        """`dim=1, unflattened_size=(2, 3)`: the arguments, as the repr shows them."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
