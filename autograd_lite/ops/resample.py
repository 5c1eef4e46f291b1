"""Resampling along axes: `F.interpolate` and the non-constant modes of `F.pad`.

Each is a linear map applied along one axis at a time: output position j of that axis is

    out[..., j, ...] = Σ_k w[k, j] · x[..., idx[k, j], ...]

(a `Taps` plan: K source indices and weights per output position; no weights means 1).
Nearest and the padding modes are one tap (reflect, replicate and circular padding differ
only in the index they read), linear two, cubic four, area the whole window. The map and
its transpose (each output's G added back to the taps it read) are a pair of Functions,
each the other's backward, so second derivatives work. Bilinear, bicubic and trilinear
are the 1-D maps applied along H, W (and D) in turn (PyTorch's kernels are separable too).
An axis of modest size is multiplied by its map's dense (n_out, n_in) matrix (one BLAS product);
longer axes, and inputs holding inf or NaN, gather and scatter-add the taps instead.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from ..engine import Function, OpError
from ..tensor import Tensor
from .registry import register


DENSE_ENTRIES = 1 << 20  # up to this many n_out·n_in entries (8 MiB, kept by the node) an axis map is a dense matrix


def _along(x: np.ndarray, m: np.ndarray, axis: int) -> np.ndarray:
    """out[..., j, ...] = Σ_i m[j, i] · x[..., i, ...] along axis, by one matmul."""
    m = m.astype(x.dtype, copy=False)
    if axis == x.ndim - 1:
        return x @ m.T
    if axis == x.ndim - 2:
        return m @ x
    return np.ascontiguousarray(np.moveaxis(np.moveaxis(x, axis, -1) @ m.T, -1, axis))


@dataclass(frozen=True, eq=False)
class Taps:
    """Along `axis`: output position j reads x at index[k, j] with weight[k, j] (k = 0..K−1)."""
    axis: int
    index: np.ndarray  # (K, n_out) ints in [0, n_in)
    weight: np.ndarray | None  # (K, n_out) floats, or None: every weight is 1
    n_in: int

    @cached_property
    def matrix(self) -> np.ndarray | None:
        """The map as a dense (n_out, n_in) matrix, when small enough to multiply by (None otherwise)."""
        k, n_out = self.index.shape
        if n_out * self.n_in > DENSE_ENTRIES:
            return None
        m = np.zeros((n_out, self.n_in))
        np.add.at(m, (np.broadcast_to(np.arange(n_out), (k, n_out)), self.index),
                  1.0 if self.weight is None else self.weight)
        return m

    def _dense(self, x: np.ndarray) -> bool:  # 0·inf would spread NaN across a whole row: finite input only
        return self.matrix is not None and x.dtype.kind == "f" and bool(np.isfinite(x).all())

    def gather(self, x: np.ndarray) -> np.ndarray:
        if self.weight is None and len(self.index) == 1:  # a copy of elements (nearest, padding)
            return np.take(x, self.index[0], axis=self.axis)
        if self._dense(x):
            return _along(x, self.matrix, self.axis)
        weight = np.ones(self.index.shape) if self.weight is None else self.weight
        shape = [1] * x.ndim
        shape[self.axis] = -1
        out = np.take(x, self.index[0], axis=self.axis) * weight[0].astype(x.dtype).reshape(shape)
        for k in range(1, len(self.index)):
            out += np.take(x, self.index[k], axis=self.axis) * weight[k].astype(x.dtype).reshape(shape)
        return out

    def scatter(self, g: np.ndarray) -> np.ndarray:
        """The transpose of gather: each G[..., j] · w[k, j] added into position index[k, j]."""
        if self._dense(g):
            return _along(g, self.matrix.T, self.axis)
        gs = np.moveaxis(g, self.axis, -1)
        out = np.zeros(gs.shape[:-1] + (self.n_in,), g.dtype)
        for k in range(len(self.index)):
            piece = gs if self.weight is None else gs * self.weight[k].astype(g.dtype)
            np.add.at(out, (..., self.index[k]), piece)
        return np.ascontiguousarray(np.moveaxis(out, -1, self.axis))


class Resample(Function):
    """out[..., j, ...] = Σ_k w[k, j] · x[..., idx[k, j], ...] along one axis.  ∂L/∂x = the transposed map of G."""
    saved = ()
    expr, grad_exprs = "resample(a)", ("resampleᵀ(G)",)

    def __init__(self, taps: Taps, expr: str | None = None) -> None:
        self.taps = taps
        if expr:
            self.expr = expr

    def forward(self, x):
        return self.taps.gather(x)

    def backward(self, g):
        return ResampleTranspose(self.taps).apply(g)


class ResampleTranspose(Function):
    """dx[..., i, ...] = Σ_{k, j: idx[k, j] = i} w[k, j] · G[..., j, ...].  ∂L/∂G = resample(GG)."""
    saved = ()
    expr, grad_exprs = "resampleᵀ(a)", ("resample(G)",)

    def __init__(self, taps: Taps) -> None:
        self.taps = taps

    def forward(self, g):
        return self.taps.scatter(g)

    def backward(self, gg):
        return Resample(self.taps).apply(gg)


def _apply(x: Tensor, taps: Sequence[Taps], expr: str) -> Tensor:
    for t in taps:
        x = Resample(t, expr).apply(x)
    return x


# ----- padding modes --------------------------------------------------------------
def _pad_index(mode: str, n: int, lo: int, hi: int) -> np.ndarray:
    """The source index of each position of a length-n axis padded by (lo, hi) (negative: cropped)."""
    p = np.arange(-lo, n + hi)
    if mode == "reflect":  # mirror at the edges, the edge itself not repeated
        period = 2 * (n - 1)
        p = np.abs(p) % period if period else np.zeros_like(p)
        return np.where(p < n, p, period - p)
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    return (p - max(-lo, 0)) % (n - max(-lo, 0) - max(-hi, 0)) + max(-lo, 0)  # circular: wraps what is kept


def _mode_pad(input: Tensor, pad: Sequence[int], mode: str) -> Tensor:
    """F.pad's 'reflect', 'replicate' and 'circular' modes (F.pad itself lives in ops/shape.py).

    pad = (left, right[, top, bottom[, front, back]]) pads the last 1, 2 or 3 dims of an input with
    one or two more dims (batch, channels). Negative widths crop, as in PyTorch.
    ∂L/∂input = each output's G added back into the element it copies.
    """
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r}; use 'constant', 'reflect', "
                                  "'replicate' or 'circular'")
    k = len(pad) // 2
    if len(pad) % 2 or k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: mode={mode!r} pads the last 1, 2 or 3 dims of an input with 1 or 2 more "
                                  f"(padding of length 2, 4, 6); got padding {tuple(pad)} for input {input.shape}")
    taps = []
    for i in range(k):
        d, lo, hi = input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])
        n, kept = input.shape[d], input.shape[d] - max(-lo, 0) - max(-hi, 0)
        if kept <= 0 or (mode == "reflect" and max(lo, hi) >= n) or (mode == "circular" and max(lo, hi) > kept):
            raise OpError(f"pad: {mode} padding {(lo, hi)} of dim {d} (input {input.shape}) must be "
                          + ("less than its size" if mode == "reflect" else
                             "at most its size (wrapping around once)" if mode == "circular" else
                             "such that some of the dim is kept"))
        if lo or hi:
            taps.append(Taps(d, _pad_index(mode, n, lo, hi)[None], None, n))
    return _apply(input, taps, f"pad(a, {mode})")


# ----- interpolation --------------------------------------------------------------
MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4, "bicubic": 4,
         "trilinear": 5}  # mode -> the input ndim it needs (None: 3, 4 or 5)
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution coefficient


def _source(mode: str, n_in: int, n_out: int, scale: float | None, align_corners: bool) -> np.ndarray:
    """Each output position's real-valued source coordinate (PyTorch's area_pixel_compute_source_index)."""
    j = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return j * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    ratio = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
    src = ratio * (j + 0.5) - 0.5
    return src if mode == "bicubic" else np.maximum(src, 0.0)


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    """The four cubic-convolution weights of the taps at floor(s) − 1 .. floor(s) + 2, t = s − floor(s)."""
    a = CUBIC_A

    def near(x):  # |x| ≤ 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])


def _taps(axis: int, mode: str, n_in: int, n_out: int, scale: float | None, align_corners: bool,
          ndim: int) -> Taps:
    """The plan of one axis of interpolate, with PyTorch's source coordinates, rounding and edge rules."""
    j = np.arange(n_out)
    # PyTorch copies an axis whose size is unchanged (whatever the scale) in these kernels
    if n_in == n_out and (mode in ("linear", "bilinear", "trilinear") or (mode == "nearest" and ndim == 4)):
        return Taps(axis, j[None], None, n_in)
    if mode in ("nearest", "nearest-exact"):  # PyTorch rounds the scale (and for nearest the product) to float32
        ratio = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
        pos = j.astype(np.float32) * ratio if mode == "nearest" else ((j + 0.5) * np.float64(ratio)).astype(np.float32)
        return Taps(axis, np.minimum(np.floor(pos).astype(np.int64), n_in - 1)[None], None, n_in)
    if mode == "area":  # adaptive average pooling: window [⌊j·n/m⌋, ⌈(j+1)·n/m⌉)
        start, stop = j * n_in // n_out, -(-(j + 1) * n_in // n_out)
        width = int((stop - start).max())
        k = np.arange(width)[:, None]
        index = np.minimum(start + k, n_in - 1)
        return Taps(axis, index, np.where(start + k < stop, 1.0 / (stop - start), 0.0), n_in)
    src = _source(mode, n_in, n_out, scale, align_corners)
    base = np.floor(src).astype(np.int64)
    if mode == "bicubic":
        index = np.clip(base + np.arange(-1, 3)[:, None], 0, n_in - 1)
        return Taps(axis, index, _cubic_weights(src - base), n_in)
    base = np.minimum(base, n_in - 1)
    t = np.clip(src - base, 0.0, 1.0)
    return Taps(axis, np.stack([base, np.minimum(base + 1, n_in - 1)]), np.stack([1.0 - t, t]), n_in)


def _as_list(v: Any, k: int, what: str) -> list[Any]:
    items = list(v) if isinstance(v, (tuple, list)) else [v] * k
    if len(items) != k:
        raise ValueError(f"interpolate: {what} {v!r} must be one value or {k} (one per spatial dim)")
    return items


@register(al=False, F=True)
def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W), like PyTorch's F.interpolate.

    size (int or one per spatial dim) or scale_factor (output = ⌊input · scale_factor⌋) gives the output size.
    mode: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' / 'bicubic' (4-D), 'trilinear' (5-D),
    'area' (adaptive average pooling). align_corners (interpolating modes): map the corner pixels' centres
    onto each other (True) or the corners of the pixel grid (False, the default).
    The output is linear in the input: ∂L/∂input = G sent back along the same taps, with the same weights.
    """
    if mode not in MODES or input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: supports 3-D, 4-D and 5-D inputs with modes {' | '.join(MODES)}; "
                                  f"got a {input.ndim}-D input {input.shape} and mode {mode!r}")
    if MODES[mode] is not None and input.ndim != MODES[mode]:
        raise NotImplementedError(f"interpolate: got {input.ndim}-D input {input.shape}, but {mode} mode needs "
                                  f"{MODES[mode]}-D input")
    if align_corners is not None and MODES[mode] is None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if mode not in ("nearest", "nearest-exact") and input.dtype.kind != "f":  # weights would be truncated
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got {input.dtype}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: " + ("only one of size or scale_factor should be defined" if size is not None
                                            else "either size or scale_factor should be defined"))
    spatial = input.shape[2:]
    k = len(spatial)
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
        if isinstance(size, (tuple, list)) and len(size) != k:
            raise ValueError(f"interpolate: input and output must have the same number of spatial dimensions, "
                             f"but got input with spatial dimensions of {list(spatial)} and output size of {size}")
        sizes, scales = [int(s) for s in _as_list(size, k, "size")], [None] * k
    else:
        factors = [float(s) for s in _as_list(scale_factor, k, "scale_factor")]
        sizes = [math.floor(n * s) for n, s in zip(spatial, factors)]
        scales = [None] * k if recompute_scale_factor else factors
    if min(sizes) <= 0 or min(spatial) <= 0:
        raise OpError(f"interpolate: input and output sizes must be positive, got input {tuple(spatial)} and "
                      f"output {tuple(sizes)}")
    corners = bool(align_corners)
    taps = [_taps(2 + i, mode, n, m, s if mode != "area" else None, corners, input.ndim)
            for i, (n, m, s) in enumerate(zip(spatial, sizes, scales))]
    return _apply(input, taps, f"interpolate(a, {mode})")
