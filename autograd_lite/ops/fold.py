"""`F.unfold` (im2col: every sliding window as a column) and `F.fold` (col2im: columns summed back).

With a KH×KW kernel (dilated, strided) visiting L = OH·OW places of a padded (H, W) image,

    unfold: (N, C, H, W)      -> (N, C·KH·KW, L)   cols[n, (c, i, j), l] = x_pad[n, c, s·oh + d·i, s·ow + d·j]
    fold:   (N, C·KH·KW, L)   -> (N, C, H, W)      each column added back where it was read (overlaps sum)

Both are linear and each is the other's transpose, so each one's backward is the other op
and second derivatives work. The windows come from ops/conv.py's `Window` (the im2col of conv2d).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import args
from ..engine import Function, OpError
from ..tensor import Tensor
from .conv import Window
from .registry import register


class Unfold(Function):
    """cols[n, (c, i, j), l] = x_pad[n, c, window l's element (i, j)];  ∂L/∂x = fold(G)."""
    saved = ()
    expr, grad_exprs = "unfold(a)", ("fold(G)",)

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x):
        n, c = x.shape[:2]
        windows = self.window.windows(self.window.gather_rows(x))  # (C, KH, KW, N, OH, OW), a view
        return np.ascontiguousarray(windows.transpose(3, 0, 1, 2, 4, 5)).reshape(n, c * len(self.window), -1)

    def backward(self, g):
        return Fold(self.window).apply(g)


class Fold(Function):
    """x[n, c, h, w] = Σ cols[n, (c, i, j), l] over windows l whose element (i, j) is (h, w);  ∂L/∂cols = unfold(G)."""
    saved = ()
    expr, grad_exprs = "fold(a)", ("unfold(G)",)

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, cols):
        n, ckk = cols.shape[:2]
        c = ckk // len(self.window)
        pieces = cols.reshape(n, c, *self.window.kernel, *self.window.out_hw).transpose(1, 2, 3, 0, 4, 5)
        rows = np.zeros(self.window.rows_shape(n, c), cols.dtype)
        self.window.add_windows(rows, pieces)
        return self.window.fold_rows(rows)  # a new contiguous (N, C, H, W) array

    def backward(self, g):
        return Unfold(self.window).apply(g)


def _window(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any, in_hw: tuple[int, ...]) -> Window:
    window = Window(args.pair(op, "kernel_size", kernel_size), args.pair(op, "stride", stride),
                    args.pair(op, "padding", padding), args.pair(op, "dilation", dilation),
                    tuple(int(n) for n in in_hw))
    window.check(op)
    return window


@register(Unfold, al=False, F=True, module="Unfold")
def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sliding KH×KW windows as columns (im2col): (N, C, H, W) -> (N, C·KH·KW, L), or (C, H, W) -> (C·KH·KW, L).

    L = OH·OW windows, OH = ⌊(H + 2·pad − dilation·(KH − 1) − 1) / stride⌋ + 1 (likewise OW); rows are
    ordered channel, kernel row, kernel column.  ∂L/∂input = fold(G): each column's G added back.
    """
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 4:
        raise OpError(f"unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {input.shape}")
    return Unfold(_window("unfold", kernel_size, dilation, padding, stride, input.shape[2:])).apply(input)


@register(Fold, al=False, F=True, module="Fold")
def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Columns summed back into an image (col2im), the transpose of unfold: (N, C·KH·KW, L) -> (N, C, H, W)
    with (H, W) = output_size, or (C·KH·KW, L) -> (C, H, W). Overlapping windows add up.

    ∂L/∂input = unfold(G).
    """
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    if input.ndim != 3:
        raise OpError(f"fold: expected a 2-D (C·KH·KW, L) or 3-D (N, C·KH·KW, L) input, got shape {input.shape}")
    window = _window("fold", kernel_size, dilation, padding, stride, args.pair("fold", "output_size", output_size))
    if input.shape[1] % len(window):
        raise OpError(f"fold: input.shape[1] = {input.shape[1]} (input {input.shape}) must be divisible by the "
                      f"kernel's size {window.kernel[0]}·{window.kernel[1]} = {len(window)}")
    if input.shape[2] != window.out_size:
        raise OpError(f"fold: output_size {window.in_hw}, kernel_size {window.kernel}, dilation {window.dilation}, "
                      f"padding {window.padding} and stride {window.stride} make {window.out_hw[0]}·"
                      f"{window.out_hw[1]} = {window.out_size} windows, but input {input.shape} has "
                      f"{input.shape[2]}")
    return Fold(window).apply(input)
