"""Data augmentation on whole NCHW image batches (fast: one NumPy op per batch)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..random import numpy_rng
from ..tensor import Tensor


class RandomHorizontalFlip:
    """Mirror each image of an (N, C, H, W) batch left-right with probability p (drawn per image)."""

    def __init__(self, p: float = 0.5, generator: Any = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, x: Tensor) -> Tensor:
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        if data.ndim != 4:
            raise ValueError(f"RandomHorizontalFlip expects an (N, C, H, W) batch, got shape {data.shape}")
        flip = numpy_rng(self.generator, "RandomHorizontalFlip").random(data.shape[0]) < self.p
        out = data.copy()
        out[flip] = data[flip, :, :, ::-1]
        return Tensor._make(out)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class Normalize:
    """(x − mean) / std per channel of an (N, C, ...) batch."""

    def __init__(self, mean: float | list[float], std: float | list[float]) -> None:
        self.mean, self.std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)

    def __call__(self, x: Tensor) -> Tensor:
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        shape = (1, -1) + (1,) * (data.ndim - 2)
        out = (data - self.mean.reshape(shape)) / self.std.reshape(shape)
        return Tensor._make(out.astype(data.dtype, copy=False))


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms: list) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Tensor) -> Tensor:
        for t in self.transforms:
            x = t(x)
        return x
