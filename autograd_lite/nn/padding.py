"""Constant padding layers: `ZeroPad1d/2d`, `ConstantPad1d/2d/3d` (F.pad as modules)."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .. import args
from . import functional as F
from .module import Module


class _ConstantPadNd(Module):
    """Pad the last `dims` dims with `value`; padding is an int (every side) or a tuple
    (left, right[, top, bottom[, front, back]]), last dimension first, as F.pad."""

    dims = 1

    def __init__(self, padding: int | tuple[int, ...], value: float) -> None:
        super().__init__()
        owner = type(self).__name__
        items = (padding,) * (2 * self.dims) if not isinstance(padding, (tuple, list)) else tuple(padding)
        if len(items) != 2 * self.dims:
            raise ValueError(f"{owner}: padding must be an int or a tuple of {2 * self.dims} ints, got {padding!r}")
        self.padding = tuple(args.size(owner, "padding", p) for p in items)  # no cropping (negative)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with value."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims (W, then H) with value."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims (W, H, then D) with value."""

    dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """`(left, right)`: the padding, as the repr shows it."""
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros: ZeroPad2d(1) adds a one-pixel border."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """`(left, right, top, bottom)`: the padding, as the repr shows it."""
        return f"{self.padding}"
