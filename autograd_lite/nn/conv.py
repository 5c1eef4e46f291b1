"""Convolution and pooling over (N, C, H, W) images: `Conv2d`, `MaxPool2d`, `AvgPool2d`, adaptive pools."""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops.conv import adaptive_output_size
from ..tensor import Tensor
from . import functional as F
from .. import args
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    """2-D cross-correlation: weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,).

    Output size per spatial dim: ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1. Weight and
    bias start as U(−1/√fan_in, 1/√fan_in) with fan_in = in_channels/groups·kh·kw, PyTorch's default.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__()
        self.in_channels = args.size("Conv2d", "in_channels", in_channels, minimum=1)
        self.out_channels = args.size("Conv2d", "out_channels", out_channels, minimum=1)
        self.kernel_size = args.pair("Conv2d", "kernel_size", kernel_size, minimum=1)
        self.stride = args.pair("Conv2d", "stride", stride, minimum=1)
        self.dilation = args.pair("Conv2d", "dilation", dilation, minimum=1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv2d: padding must be 'same', 'valid' or ints, got {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = args.pair("Conv2d", "padding", padding)
        self.groups = args.size("Conv2d", "groups", groups, minimum=1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.weight = Parameter(creation.empty(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype))
        self.bias = Parameter(creation.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw weight and bias again from U(−1/√fan_in, 1/√fan_in), in place (fan_in = in_channels/groups·kh·kw)."""
        fan_in = self.in_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
        bound = 1 / math.sqrt(fan_in)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def _same_padding(self, x: Tensor) -> tuple[Tensor, tuple[int, int]]:
        """padding='same': dilation·(k − 1) split evenly, the odd one out on the right/bottom (as PyTorch)."""
        totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
        if all(t % 2 == 0 for t in totals):
            return x, (totals[0] // 2, totals[1] // 2)
        (th, tw) = totals
        return F.pad(x, (tw // 2, tw - tw // 2, th // 2, th - th // 2)), (0, 0)

    def forward(self, x: Tensor) -> Tensor:
        """x (N, in_channels, H, W) or (in_channels, H, W) → (N, out_channels, H_out, W_out) (without N for 3-D x).

        H_out = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1 (W_out alike; padding='same' keeps H, W).
        Gradients: ∂L/∂x is the transposed convolution of G with the weight, ∂L/∂weight the correlation
        of x with G, ∂L/∂bias = ΣG over N, H_out, W_out.
        """
        padding = self.padding
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            x, padding = self._same_padding(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        """`1, 2, kernel_size=(3, 3), stride=(1, 1)`, plus padding, dilation, groups and bias where not the default."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


def _check_window(owner: str, kernel_size: Any, stride: Any, padding: Any) -> None:
    """A pooling window's sizes: kernel and stride (None: the kernel's) positive, padding >= 0."""
    args.pair(owner, "kernel_size", kernel_size, minimum=1)
    if stride is not None:
        args.pair(owner, "stride", stride, minimum=1)
    args.pair(owner, "padding", padding)


class MaxPool2d(Module):
    """Maximum over kernel_size windows moved by stride (default: kernel_size); padding counts as −inf."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        owner = type(self).__name__
        _check_window(owner, kernel_size, stride, padding)
        args.pair(owner, "dilation", dilation, minimum=1)
        if return_indices or ceil_mode:
            raise NotImplementedError(f"{owner}: return_indices=True and ceil_mode=True are not supported")
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        """x (N, C, H, W) → the window maxima (N, C, H_out, W_out),
        H_out = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (W_out alike).

        Gradient: each G entry goes to the position of its window's maximum (summed where windows overlap).
        """
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        """`kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False`, as the repr shows them."""
        stride = self.kernel_size if self.stride is None else self.stride
        return (f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over kernel_size windows moved by stride (padded zeros count, as in PyTorch's default)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        owner = type(self).__name__
        _check_window(owner, kernel_size, stride, padding)
        if ceil_mode or not count_include_pad or divisor_override is not None:
            raise NotImplementedError(f"{owner}: only ceil_mode=False, count_include_pad=True and no "
                                      "divisor_override are supported")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        """x (N, C, H, W) or (C, H, W) → the window means (N, C, H_out, W_out),
        H_out = ⌊(H + 2·padding − kernel) / stride⌋ + 1 (W_out alike).

        Gradient: each G entry, divided by kh·kw, goes to every position of its window.
        """
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        """`kernel_size=2, stride=2, padding=0`: the arguments, as the repr shows them."""
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Mean over the windows that split (H, W) into output_size cells (None keeps that dim's size);
    AdaptiveAvgPool2d(1) is global average pooling."""

    reduce = "mean"

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = adaptive_output_size(type(self).__name__, output_size)  # ValueError, as PyTorch's

    def forward(self, x: Tensor) -> Tensor:
        """x (N, C, H, W) or (C, H, W) → (N, C, oh, ow): the mean (max for AdaptiveMaxPool2d) of each cell.

        Cell (i, j) covers rows ⌊i·H/oh⌋ to ⌈(i + 1)·H/oh⌉ and the columns alike, as in PyTorch. Gradient: G of
        a cell spread evenly over it (to its maximum for the max). ValueError for other ranks or H, W = 0.
        """
        if self.reduce == "mean":
            return F.adaptive_avg_pool2d(x, self.output_size)
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        """`output_size=(1, 1)`: the argument, as the repr shows it."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    """Maximum over the windows that split (H, W) into output_size cells; with return_indices=True forward
    returns (values, indices), each maximum's flat index h·W + w in its plane, as PyTorch."""

    reduce = "max"

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = bool(return_indices)  # forward then returns (values, int64 flat indices)
