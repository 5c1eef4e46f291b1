"""Resizing layers: `Upsample` (F.interpolate as a layer), `UpsamplingNearest2d`, `UpsamplingBilinear2d`,
and the non-constant padding layers `ReflectionPad1d/2d/3d`, `ReplicationPad1d/2d/3d`, `CircularPad1d/2d/3d`."""
from __future__ import annotations

from typing import Any

from ..ops.resample import _mode_pad
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .padding import _ConstantPadNd


class Upsample(Module):
    """forward(x) = F.interpolate(x, size, scale_factor, mode, align_corners): (N, C, L), (N, C, H, W) or
    (N, C, D, H, W) resized to size or by scale_factor."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """input (N, C, L), (N, C, H, W) or (N, C, D, H, W) with its spatial dims resized."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """The scale factor (or size) and the mode, as PyTorch prints them."""
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode='nearest') of (N, C, H, W) images."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode='bilinear', align_corners=True) of (N, C, H, W) images."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class _ModePadNd(_ConstantPadNd):
    """Pad the last `dims` dims by copying the input (F.pad's mode); padding an int or a tuple, as F.pad."""

    mode = "reflect"

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)

    def forward(self, x: Tensor) -> Tensor:
        """x with its last `dims` dims padded by self.padding in this layer's mode."""
        return _mode_pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        """The padding, (left, right, top, bottom, ...)."""
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim with its mirror image at the ends (the end not repeated)."""

    mode, dims = "reflect", 1


class ReflectionPad2d(_ModePadNd):
    """Pad the last two dims (W, then H) with their mirror image at the edges (the edge not repeated)."""

    mode, dims = "reflect", 2


class ReflectionPad3d(_ModePadNd):
    """Pad the last three dims (W, H, then D) with their mirror image at the edges (the edge not repeated)."""

    mode, dims = "reflect", 3


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim with copies of the edge values."""

    mode, dims = "replicate", 1


class ReplicationPad2d(_ModePadNd):
    """Pad the last two dims (W, then H) with copies of the edge values."""

    mode, dims = "replicate", 2


class ReplicationPad3d(_ModePadNd):
    """Pad the last three dims (W, H, then D) with copies of the edge values."""

    mode, dims = "replicate", 3


class CircularPad1d(_ModePadNd):
    """Pad the last dim with the input wrapped around."""

    mode, dims = "circular", 1


class CircularPad2d(_ModePadNd):
    """Pad the last two dims (W, then H) with the input wrapped around."""

    mode, dims = "circular", 2


class CircularPad3d(_ModePadNd):
    """Pad the last three dims (W, H, then D) with the input wrapped around."""

    mode, dims = "circular", 3
