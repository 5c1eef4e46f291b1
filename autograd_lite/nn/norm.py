"""Normalisation layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm`."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import creation
from ..tensor import Tensor
from .. import args
from . import functional as F
from .module import Module, Parameter


class _BatchNorm(Module):
    """y = (x − mean) / √(var + eps) · weight + bias, statistics per channel (dim 1).

    Training: batch statistics, and the buffers follow
    running = (1 − momentum)·running + momentum·batch (unbiased variance), as in PyTorch;
    momentum=None averages all batches equally (1 / num_batches_tracked).
    Evaluation: the running statistics.
    """

    expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype: Any = None) -> None:
        super().__init__()
        owner = type(self).__name__
        num_features = args.size(owner, "num_features", num_features, minimum=1)
        if momentum is not None and (isinstance(momentum, bool) or not 0 <= momentum <= 1):
            raise ValueError(f"{owner}: momentum must be in [0, 1] or None, got {momentum!r}")
        if not eps >= 0:
            raise ValueError(f"{owner}: eps must be >= 0, got {eps!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.expected_dims:
            raise ValueError(f"{type(self).__name__} expects {' or '.join(f'{d}-D' for d in self.expected_dims)} "
                             f"input (N, C, ...), got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) got {x.shape[1]} channels "
                             f"(input shape {x.shape})")
        momentum = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:
            momentum = 1.0 / (float(self.num_batches_tracked.data) + 1)
        use_batch_stats = self.training or not self.track_running_stats  # buffers are None when not tracked
        out = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                           use_batch_stats, momentum, self.eps)
        if counting:  # counted only once the batch went through: a failed call changes nothing
            self.num_batches_tracked.data += 1
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) input (features in dim 1)."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images: statistics per channel over N, H, W."""

    expected_dims = (4,)


class LayerNorm(Module):
    """Normalise over the last len(normalized_shape) dims of each sample, then ·weight + bias (elementwise)."""

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5, elementwise_affine: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        items = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        shape = tuple(args.size("LayerNorm", "normalized_shape", n, minimum=1) for n in items)
        self.normalized_shape, self.eps = shape, eps
        if elementwise_affine:
            self.weight = Parameter(creation.ones(shape, dtype=dtype))
            self.bias = Parameter(creation.zeros(shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        """x (..., normalized_shape) → the same shape: (x − mean) / √(var + eps) · weight + bias, the mean and
        (biased) variance taken over the last len(normalized_shape) dims of each sample.

        Gradient, with x̂ the normalised x, g = G·weight and the means over those dims:
        ∂L/∂x = (g − mean(g) − x̂·mean(g·x̂)) / √(var + eps); ∂L/∂weight = Σ G·x̂, ∂L/∂bias = ΣG over the rest.
        """
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """`(4,), eps=1e-05, elementwise_affine=True`, as the repr shows them."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"


class GroupNorm(Module):
    """Split the C channels into num_groups groups and normalise each group of each sample; ·weight + bias per channel."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        num_groups = args.size("GroupNorm", "num_groups", num_groups, minimum=1)
        num_channels = args.size("GroupNorm", "num_channels", num_channels, minimum=1)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} is not divisible by num_groups={num_groups}")
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        if affine:
            self.weight = Parameter(creation.ones(num_channels, dtype=dtype))
            self.bias = Parameter(creation.zeros(num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        """x (N, C, ...) → the same shape: each sample's num_groups groups of C/num_groups channels normalised
        by their own mean and (biased) variance, then ·weight + bias per channel.

        Gradient as LayerNorm's, with the means taken over each group.
        """
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """`2, 4, eps=1e-05, affine=True` (num_groups, num_channels, ...), as the repr shows them."""
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.weight is not None}"
