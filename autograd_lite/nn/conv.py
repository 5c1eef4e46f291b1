"""Convolution and pooling over (N, C, H, W) images: `Conv2d`, `MaxPool2d`, `AvgPool2d`."""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..tensor import Tensor
from . import functional as F
from . import _checks, init
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
        self.in_channels = _checks.size("Conv2d", "in_channels", in_channels, minimum=1)
        self.out_channels = _checks.size("Conv2d", "out_channels", out_channels, minimum=1)
        self.kernel_size = _checks.pair("Conv2d", "kernel_size", kernel_size, minimum=1)
        self.stride = _checks.pair("Conv2d", "stride", stride, minimum=1)
        self.padding = _checks.pair("Conv2d", "padding", padding)
        self.dilation = _checks.pair("Conv2d", "dilation", dilation, minimum=1)
        self.groups = _checks.size("Conv2d", "groups", groups, minimum=1)
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
        fan_in = self.in_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
        bound = 1 / math.sqrt(fan_in)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class MaxPool2d(Module):
    """Maximum over kernel_size windows moved by stride (default: kernel_size)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        owner = type(self).__name__
        _checks.pair(owner, "kernel_size", kernel_size, minimum=1)
        if stride is not None:
            _checks.pair(owner, "stride", stride, minimum=1)
        _checks.pair(owner, "padding", padding)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    """Mean over kernel_size windows moved by stride (padded zeros count, as in PyTorch's default)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)
