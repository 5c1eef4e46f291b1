"""2-D convolution and pooling as fused primitives on NumPy.

Convolution is im2col + one matrix multiplication. With C input channels, F
filters of size KH×KW, the input's windows are gathered (one strided copy) into
`cols` of shape (C·KH·KW, N·OH·OW) and

    out = W₂ · cols                W₂ = W reshaped to (F, C·KH·KW)
    dW  = G₂ · colsᵀ               G₂ = G reshaped to (F, N·OH·OW)
    dx  = col2im(W₂ᵀ · G₂)         (adds each kernel offset's slice back)

(per group when groups > 1). The three maps are bilinear and each other's
adjoints, so every backward is one of the other two ops: second derivatives work.
Pooling walks the KH·KW kernel offsets, each a strided view of the input
(no loop over pixels); max-pool remembers which offset won and routes G there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..engine import Function, OpError
from ..tensor import Tensor


def pair(v: Any, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of ints, as PyTorch's `_pair`."""
    pv = (v, v) if isinstance(v, (int, np.integer)) else tuple(v)
    if len(pv) != 2 or not all(isinstance(i, (int, np.integer)) for i in pv):
        raise OpError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")
    return int(pv[0]), int(pv[1])


@dataclass(frozen=True)
class Window:
    """Where a KH×KW kernel (dilated, strided) visits a padded (H, W) image."""
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    in_hw: tuple[int, int]  # unpadded input size

    @property
    def span(self) -> tuple[int, int]:  # extent of one dilated kernel
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel))

    @property
    def padded_hw(self) -> tuple[int, int]:
        return tuple(n + 2 * p for n, p in zip(self.in_hw, self.padding))

    @property
    def out_hw(self) -> tuple[int, int]:
        return tuple((n - e) // s + 1 for n, e, s in zip(self.padded_hw, self.span, self.stride))

    def check(self, op: str) -> None:
        if min(self.kernel) < 1 or min(self.stride) < 1 or min(self.dilation) < 1 or min(self.padding) < 0:
            raise OpError(f"{op}: kernel {self.kernel}, stride {self.stride} and dilation {self.dilation} must be "
                          f"positive and padding {self.padding} non-negative")
        if any(e > n for e, n in zip(self.span, self.padded_hw)):
            raise OpError(f"{op}: kernel of extent {self.span} (kernel {self.kernel}, dilation {self.dilation}) is "
                          f"larger than the padded input {self.padded_hw} (input {self.in_hw}, padding {self.padding})")

    def pad(self, x: np.ndarray, value: float = 0.0) -> np.ndarray:
        (ph, pw), (h, w) = self.padding, self.in_hw
        if ph == pw == 0:
            return x
        out = np.full(x.shape[:-2] + self.padded_hw, value, dtype=x.dtype)
        out[..., ph:ph + h, pw:pw + w] = x
        return out

    def crop(self, xp: np.ndarray) -> np.ndarray:
        (ph, pw), (h, w) = self.padding, self.in_hw
        return xp[..., ph:ph + h, pw:pw + w]

    @property
    def overlapping(self) -> bool:
        return any(s < e for s, e in zip(self.stride, self.span))

    def offsets(self, xp: np.ndarray) -> Iterator[np.ndarray]:
        """For each kernel offset (row-major), the (…, OH, OW) view of padded xp it touches."""
        (oh, ow), (sh, sw), (dh, dw) = self.out_hw, self.stride, self.dilation
        for i in range(self.kernel[0]):
            for j in range(self.kernel[1]):
                yield xp[..., i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]

    def windows(self, x: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """A strided view (N, C, OH, OW, KH, KW) of every window of x padded with `fill` (no copy)."""
        windows = sliding_window_view(self.pad(x, fill), self.span, axis=(2, 3))
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return windows[:, :, ::sh, ::sw, ::dh, ::dw]

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """(N, C, H, W) -> contiguous (C, KH, KW, N, OH, OW): every window, one strided copy."""
        return np.ascontiguousarray(self.windows(x).transpose(1, 4, 5, 0, 2, 3))

    def slabs(self, x: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """(N, C, H, W) -> contiguous (KH·KW, N, C, OH, OW): per kernel offset, the values it sees."""
        n, c = x.shape[:2]
        return np.ascontiguousarray(self.windows(x, fill).transpose(4, 5, 0, 1, 2, 3)).reshape(-1, n, c, *self.out_hw)

    def fold(self, pieces: Iterable[np.ndarray], shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """The adjoint of gathering windows: each kernel offset's (N, C, OH, OW) piece added back at its
        place in an (N, C, H, W) array of zeros (overlapping windows sum)."""
        xp = np.zeros(shape[:2] + self.padded_hw, dtype=dtype)
        for view, piece in zip(self.offsets(xp), pieces):
            if self.overlapping:
                view += piece
            else:
                view[...] = piece
        return np.ascontiguousarray(self.crop(xp))

    def col2im(self, cols: np.ndarray, n: int) -> np.ndarray:
        """The adjoint of im2col: (C, KH, KW, N, OH, OW) -> (N, C, H, W)."""
        c = cols.shape[0]
        flat = cols.reshape(c, -1, n, *self.out_hw)
        pieces = (flat[:, k].transpose(1, 0, 2, 3) for k in range(flat.shape[1]))
        return self.fold(pieces, (n, c) + self.in_hw, cols.dtype)


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """(rows, cols) -> (groups, rows/groups, cols), a view."""
    return a.reshape(groups, a.shape[0] // groups, -1)


def _out_to_nchw(out: np.ndarray, n: int, hw: tuple[int, int]) -> np.ndarray:
    """(groups, F/groups, N·OH·OW) -> contiguous (N, F, OH, OW)."""
    return np.ascontiguousarray(out.reshape(-1, n, *hw).transpose(1, 0, 2, 3))


def _g_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """G (N, F, OH, OW) -> (groups, F/groups, N·OH·OW)."""
    return _grouped(np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(g.shape[1], -1), groups)


class Conv2d(Function):
    """out[n,f] = Σ_{c,i,j} W[f,c,i,j] · x_pad[n, c, s·oh + d·i, s·ow + d·j] (cross-correlation, like PyTorch).

    x (N, C, H, W), W (F, C/groups, KH, KW) -> (N, F, OH, OW); bias is added outside.
    """
    expr, grad_exprs = "conv2d(a, b)", ("conv_transpose2d(G, b)", "conv2d_weight(a, G)")

    def __init__(self, window: Window, groups: int) -> None:
        self.window, self.groups = window, groups

    def forward(self, x, w):
        self.cols = self.window.im2col(x)
        cols = _grouped(self.cols.reshape(-1, x.shape[0] * np.prod(self.window.out_hw)), self.groups)
        out = np.matmul(_grouped(w.reshape(w.shape[0], -1), self.groups), cols)
        return _out_to_nchw(out, x.shape[0], self.window.out_hw)

    def backward(self, g):
        x, w = self.inputs
        gx = Conv2dGradInput(self.window, self.groups, x.shape).apply(g, w) if x.requires_grad else None
        gw = Conv2dGradWeight(self.window, self.groups, w.shape, self.cols).apply(x, g) if w.requires_grad else None
        return gx, gw


class Conv2dGradInput(Function):
    """dx = col2im(W₂ᵀ · G₂): the transposed convolution of G with W (the adjoint of conv2d in x)."""
    expr, grad_exprs = "conv_transpose2d(a, b)", ("conv2d(G, b)", "conv2d_weight(G, a)")

    def __init__(self, window: Window, groups: int, x_shape: tuple[int, ...]) -> None:
        self.window, self.groups, self.x_shape = window, groups, x_shape

    def forward(self, g, w):
        w_rows = _grouped(w.reshape(w.shape[0], -1), self.groups)
        cols = np.matmul(w_rows.transpose(0, 2, 1), _g_rows(g, self.groups))  # (groups, C/groups·KH·KW, N·OH·OW)
        return self.window.col2im(cols.reshape(self.x_shape[1], *w.shape[2:], g.shape[0], -1), g.shape[0])

    def backward(self, gg):
        g, w = self.inputs
        gg_g = Conv2d(self.window, self.groups).apply(gg, w) if g.requires_grad else None
        gg_w = Conv2dGradWeight(self.window, self.groups, w.shape).apply(gg, g) if w.requires_grad else None
        return gg_g, gg_w


class Conv2dGradWeight(Function):
    """dW = G₂ · colsᵀ: the correlation of the input with G (the adjoint of conv2d in W)."""
    expr, grad_exprs = "conv2d_weight(a, b)", ("conv_transpose2d(b, G)", "conv2d(a, G)")

    def __init__(self, window: Window, groups: int, w_shape: tuple[int, ...], cols: np.ndarray | None = None) -> None:
        self.window, self.groups, self.w_shape, self.cols = window, groups, w_shape, cols

    def forward(self, x, g):
        cols = self.window.im2col(x) if self.cols is None else self.cols  # reuse the forward's windows
        self.cols = None
        cols = _grouped(cols.reshape(-1, g.shape[0] * g.shape[2] * g.shape[3]), self.groups)
        return np.matmul(_g_rows(g, self.groups), cols.transpose(0, 2, 1)).reshape(self.w_shape)

    def backward(self, gg):
        x, g = self.inputs
        gg_x = Conv2dGradInput(self.window, self.groups, x.shape).apply(g, gg) if x.requires_grad else None
        gg_g = Conv2d(self.window, self.groups).apply(x, gg) if g.requires_grad else None
        return gg_x, gg_g


# ----- pooling -------------------------------------------------------------------
class MaxPool2d(Function):
    """out[n,c,oh,ow] = max over the window of x padded with −inf; G goes to the (first) maximal element."""
    expr, grad_exprs = "max_pool2d(a)", ("G routed to each window's argmax",)

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x):
        slabs = self.window.slabs(x, -np.inf)
        out = slabs.max(axis=0)  # NaN propagates, as in PyTorch
        argmax = np.zeros(out.shape, dtype=np.uint8 if len(slabs) < 256 else np.int32)
        for k in range(len(slabs) - 1, 0, -1):  # which kernel offset won: the first maximal one
            hit = slabs[k] == out
            if np.isnan(out).any():
                hit |= np.isnan(slabs[k])
            argmax = np.where(hit, argmax.dtype.type(k), argmax)
        self.argmax = argmax
        return out

    def backward(self, g):
        return PoolScatter(self.window, self.argmax).apply(g)


class PoolScatter(Function):
    """dx: each G[n,c,oh,ow] added at its window's chosen offset (all offsets, / KH·KW, when argmax is None)."""
    expr, grad_exprs = "scatter(a)", ("gather(G)",)

    def __init__(self, window: Window, argmax: np.ndarray | None) -> None:
        self.window, self.argmax = window, argmax

    def forward(self, g):
        n_offsets = self.window.kernel[0] * self.window.kernel[1]
        if self.argmax is None:
            share = g * (1.0 / n_offsets)
            pieces = (share for _ in range(n_offsets))
        else:
            pieces = (np.where(self.argmax == k, g, 0) for k in range(n_offsets))
        return self.window.fold(pieces, g.shape[:2] + self.window.in_hw, g.dtype)

    def backward(self, gg):
        return PoolGather(self.window, self.argmax).apply(gg)


class PoolGather(Function):
    """out[n,c,oh,ow] = x at the window's chosen offset (the window mean when argmax is None)."""
    expr, grad_exprs = "gather(a)", ("scatter(G)",)

    def __init__(self, window: Window, argmax: np.ndarray | None) -> None:
        self.window, self.argmax = window, argmax
        if argmax is None:
            self.expr = "avg_pool2d(a)"

    def forward(self, x):
        slabs = self.window.slabs(x)
        if self.argmax is None:
            return slabs.mean(axis=0)
        return np.take_along_axis(slabs, self.argmax[None].astype(np.intp), axis=0)[0]

    def backward(self, g):
        return PoolScatter(self.window, self.argmax).apply(g)


# ----- public functions ----------------------------------------------------------
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation, like torch.nn.functional.conv2d; input (N, C, H, W) or (C, H, W)."""
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    if input.ndim != 4 or weight.ndim != 4:
        raise OpError(f"conv2d: expected input (N, C, H, W) and weight (F, C/groups, KH, KW), got shapes "
                      f"{input.shape} and {weight.shape}")
    n_filters, c_per_group = weight.shape[:2]
    if groups < 1 or input.shape[1] % groups or n_filters % groups:
        raise OpError(f"conv2d: groups={groups} must divide the input channels {input.shape[1]} and the "
                      f"filters {n_filters}")
    if input.shape[1] != c_per_group * groups:
        raise OpError(f"conv2d: input has {input.shape[1]} channels (shape {input.shape}) but weight of shape "
                      f"{weight.shape} with groups={groups} expects {c_per_group * groups}")
    if bias is not None and bias.shape != (n_filters,):
        raise OpError(f"conv2d: bias must have shape ({n_filters},), got {bias.shape}")
    window = Window(tuple(weight.shape[2:]), pair(stride, "stride", "conv2d"), pair(padding, "padding", "conv2d"),
                    pair(dilation, "dilation", "conv2d"), tuple(input.shape[2:]))
    window.check("conv2d")
    out = Conv2d(window, groups).apply(input, weight)
    return out if bias is None else out + bias.reshape(1, n_filters, 1, 1)


def _pool_window(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> Window:
    if x.ndim not in (3, 4):
        raise OpError(f"{op}: expected input (N, C, H, W) or (C, H, W), got shape {x.shape}")
    kernel = pair(kernel_size, "kernel_size", op)
    window = Window(kernel, kernel if stride is None or stride == () else pair(stride, "stride", op),
                    pair(padding, "padding", op), pair(dilation, "dilation", op), tuple(x.shape[-2:]))
    window.check(op)
    if any(2 * p > k for p, k in zip(window.padding, kernel)):
        raise OpError(f"{op}: padding {window.padding} must be at most half the kernel size {kernel}")
    return window


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False) -> Tensor:
    """Max over KH×KW windows (stride defaults to the kernel size; padding counts as −inf)."""
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported")
    return MaxPool2d(_pool_window("max_pool2d", input, kernel_size, stride, padding, dilation)).apply(input)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over KH×KW windows; padded zeros count in the mean (PyTorch's count_include_pad=True)."""
    if ceil_mode or not count_include_pad:
        raise NotImplementedError("avg_pool2d: only ceil_mode=False and count_include_pad=True are supported")
    return PoolGather(_pool_window("avg_pool2d", input, kernel_size, stride, padding, 1), None).apply(input)
