"""Channel dropout: `Dropout1d`, `Dropout2d` (element-wise `Dropout` is in activation.py)."""
from __future__ import annotations

import warnings

from ..creation import get_rng
from ..tensor import Tensor
from .. import args
from .module import Module


class _ChannelDropout(Module):
    """In training, zero whole channels (dim 1 of batched input, dim 0 of unbatched) with probability p
    and scale the rest by 1/(1 − p); the identity in eval(). Draws from `al.get_rng()`."""

    spatial_dims = 0

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        """p: the probability of zeroing a channel."""
        super().__init__()
        self.p = args.probability(type(self).__name__, "p", p)
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (self.spatial_dims + 1, self.spatial_dims + 2):
            raise ValueError(f"{type(self).__name__}: expected {self.spatial_dims + 1}-D (unbatched) or "
                             f"{self.spatial_dims + 2}-D (batched) input, got shape {x.shape}")
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0.0
        spatial = self.spatial_dims
        if spatial == 2 and x.ndim == 3:  # PyTorch's backward-compatible reading, with its warning
            warnings.warn("Dropout2d: received a 3-D input; it is read as (N, C, L) and channels are dropped "
                          "as in Dropout1d (PyTorch's behaviour). Use Dropout1d for that, or pass (N, C, H, W).",
                          UserWarning, stacklevel=3)
            spatial = 1
        channels = x.shape[:x.ndim - spatial]
        keep = get_rng().random(channels) >= self.p
        mask = (keep / (1 - self.p)).astype(x.dtype).reshape(channels + (1,) * spatial)
        return x * Tensor._make(mask)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_ChannelDropout):
    """Channel dropout for (N, C, L) or (C, L) input."""

    spatial_dims = 1


class Dropout2d(_ChannelDropout):
    """Channel dropout for (N, C, H, W) or (C, H, W) input (feature maps dropped whole)."""

    spatial_dims = 2
