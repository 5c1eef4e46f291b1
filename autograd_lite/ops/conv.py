"""2-D convolution and pooling as fused primitives on NumPy.

Convolution is im2col + one (batched) matrix multiplication. With C input
channels, F filters of size KH×KW, the input's windows are gathered (one strided
copy) into `cols` of shape (N, C·KH·KW, OH·OW) and, per sample n,

    out[n] = W₂ · cols[n]              W₂ = W reshaped to (F, C·KH·KW)
    dW     = Σₙ G[n] · cols[n]ᵀ        G[n] reshaped to (F, OH·OW)
    dx[n]  = col2im(W₂ᵀ · G[n])        (adds each kernel offset's slice back)

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

    def __len__(self) -> int:  # number of kernel offsets
        return self.kernel[0] * self.kernel[1]

    @property
    def overlapping(self) -> bool:
        return any(s < e for s, e in zip(self.stride, self.span))

    @property
    def tiles(self) -> bool:
        """Windows are disjoint and cover the input exactly (stride = kernel, no padding or dilation)."""
        return self.stride == self.kernel and self.padding == (0, 0) and self.dilation == (1, 1) and \
            all(n % k == 0 for n, k in zip(self.in_hw, self.kernel))

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
        """(N, C, H, W) -> contiguous (N, C, KH, KW, OH, OW): every window, one strided copy."""
        return np.ascontiguousarray(self.windows(x).transpose(0, 1, 4, 5, 2, 3))

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

    def col2im(self, cols: np.ndarray) -> np.ndarray:
        """The adjoint of im2col: (N, C, KH, KW, OH, OW) -> (N, C, H, W)."""
        n, c = cols.shape[:2]
        flat = cols.reshape(n, c, -1, *self.out_hw)
        pieces = (flat[:, :, k] for k in range(flat.shape[2]))
        return self.fold(pieces, (n, c) + self.in_hw, cols.dtype)


def _weight_rows(w: np.ndarray, groups: int) -> np.ndarray:
    """W (F, C/groups, KH, KW) -> (groups, F/groups, C/groups·KH·KW)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _per_group(a: np.ndarray, groups: int) -> np.ndarray:
    """(N, channels, ...) -> (N, groups, channels/groups·…, OH·OW): cols or G, split by group."""
    return a.reshape(a.shape[0], groups, -1, a.shape[-2] * a.shape[-1])


class Conv2d(Function):
    """out[n,f] = Σ_{c,i,j} W[f,c,i,j] · x_pad[n, c, s·oh + d·i, s·ow + d·j] (cross-correlation, like PyTorch).

    x (N, C, H, W), W (F, C/groups, KH, KW) -> (N, F, OH, OW); bias is added outside.
    """
    expr, grad_exprs = "conv2d(a, b)", ("conv_transpose2d(G, b)", "conv2d_weight(a, G)")

    def __init__(self, window: Window, groups: int) -> None:
        self.window, self.groups = window, groups

    def forward(self, x, w):
        self.cols = self.window.im2col(x)
        out = np.matmul(_weight_rows(w, self.groups), _per_group(self.cols, self.groups))  # (N, groups, F/groups, P)
        return out.reshape(x.shape[0], w.shape[0], *self.window.out_hw)

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
        cols = np.matmul(_weight_rows(w, self.groups).transpose(0, 2, 1), _per_group(g, self.groups))
        return self.window.col2im(cols.reshape(g.shape[0], self.x_shape[1], *w.shape[2:], *g.shape[2:]))

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
        per_sample = np.matmul(_per_group(g, self.groups), _per_group(cols, self.groups).transpose(0, 1, 3, 2))
        return per_sample.sum(axis=0).reshape(self.w_shape)

    def backward(self, gg):
        x, g = self.inputs
        gg_x = Conv2dGradInput(self.window, self.groups, x.shape).apply(g, gg) if x.requires_grad else None
        gg_g = Conv2d(self.window, self.groups).apply(x, gg) if g.requires_grad else None
        return gg_x, gg_g


# ----- pooling -------------------------------------------------------------------
def _upsample(a: np.ndarray, window: Window) -> np.ndarray:
    """Each (oh, ow) entry repeated over its KH×KW tile: (…, OH, OW) -> (…, H, W) for tiling windows."""
    return a.repeat(window.kernel[0], axis=-2).repeat(window.kernel[1], axis=-1)


class Average:
    """Routing of avg-pool: every window element gets 1/(KH·KW) (padded zeros count, as in PyTorch)."""

    def __init__(self, window: Window) -> None:
        self.window, self.share = window, 1.0 / (window.kernel[0] * window.kernel[1])

    def gather(self, x: np.ndarray) -> np.ndarray:
        views = list(self.window.offsets(self.window.pad(x)))
        out = views[0] * self.share
        for view in views[1:]:
            out += view * self.share
        return out

    def scatter(self, g: np.ndarray) -> np.ndarray:
        share = g * self.share
        if self.window.tiles:
            return _upsample(share, self.window)
        return self.window.fold((share for _ in range(len(self.window))), g.shape[:2] + self.window.in_hw, g.dtype)


class Argmax:
    """Routing of max-pool: argmax[n,c,oh,ow] = the kernel offset (row-major) of the window's winner."""

    def __init__(self, window: Window, argmax: np.ndarray) -> None:
        self.window, self.argmax = window, argmax

    @classmethod
    def of(cls, x: np.ndarray, window: Window) -> tuple[np.ndarray, "Argmax"]:
        """(max-pool of x, its routing): the first maximal element of each window wins, as in PyTorch."""
        views = list(window.offsets(window.pad(x, -np.inf)))
        out = views[0].copy()
        for view in views[1:]:
            np.maximum(out, view, out=out)  # NaN propagates, as in PyTorch
        has_nan = bool(np.isnan(out).any())
        argmax = np.zeros(out.shape, dtype=np.uint8 if len(views) < 256 else np.int32)
        found = np.zeros(out.shape, dtype=bool)
        for k, view in enumerate(views):
            hit = (view == out) | np.isnan(view) if has_nan else view == out
            hit &= ~found
            found |= hit
            argmax += hit * argmax.dtype.type(k)
        return out, cls(window, argmax)

    def gather(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(self.argmax.shape, dtype=x.dtype)
        for k, view in enumerate(self.window.offsets(self.window.pad(x))):
            out += view * (self.argmax == k)
        return out

    def scatter(self, g: np.ndarray) -> np.ndarray:
        if self.window.tiles:  # one contiguous pass: is this element its tile's winner?
            kh, kw = self.window.kernel
            offset_of = (np.arange(kh)[:, None] * kw + np.arange(kw)).astype(self.argmax.dtype)
            winner = _upsample(self.argmax, self.window) == np.tile(offset_of, self.window.out_hw)
            return winner * _upsample(g, self.window)
        pieces = (g * (self.argmax == k) for k in range(len(self.window)))
        return self.window.fold(pieces, g.shape[:2] + self.window.in_hw, g.dtype)


class MaxPool2d(Function):
    """out[n,c,oh,ow] = max over the window of x padded with −inf; G goes to the (first) maximal element."""
    expr, grad_exprs = "max_pool2d(a)", ("G routed to each window's argmax",)

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x):
        out, self.routing = Argmax.of(x, self.window)
        return out

    def backward(self, g):
        return PoolScatter(self.routing).apply(g)


class PoolScatter(Function):
    """dx: each G[n,c,oh,ow] sent back to its window (to the winner for max, shared equally for avg)."""
    expr, grad_exprs = "scatter(a)", ("gather(G)",)

    def __init__(self, routing: Any) -> None:
        self.routing = routing

    def forward(self, g):
        return self.routing.scatter(g)

    def backward(self, gg):
        return PoolGather(self.routing).apply(gg)


class PoolGather(Function):
    """out[n,c,oh,ow] = x's window reduced by the routing (the winner for max, the mean for avg)."""
    expr, grad_exprs = "gather(a)", ("scatter(G)",)

    def __init__(self, routing: Any) -> None:
        self.routing = routing
        if isinstance(routing, Average):
            self.expr = "avg_pool2d(a)"

    def forward(self, x):
        return self.routing.gather(x)

    def backward(self, g):
        return PoolScatter(self.routing).apply(g)


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
    return PoolGather(Average(_pool_window("avg_pool2d", input, kernel_size, stride, padding, 1))).apply(input)
