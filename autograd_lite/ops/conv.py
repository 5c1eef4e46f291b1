"""2-D convolution and pooling as fused primitives on NumPy.

Convolution is im2col + matrix multiplication. With C input channels, F filters
of size KH×KW, the windows of a chunk of B samples are gathered into `cols` of
shape (C·KH·KW, B·OH·OW), one column per output pixel, and

    out = W₂ · cols                    W₂ = W reshaped to (F, C·KH·KW)
    dW  = G₂ · colsᵀ                   G₂ = G's chunk as (F, B·OH·OW)
    dx  = col2im(W₂ᵀ · G₂)             (adds each kernel offset's rows back)

(per group when groups > 1). One-group convolutions with large maps (≥ SAMPLE_GEMM_COLUMNS pixels) compute
the forward from a channels-last im2col, each output pixel's window a row in (i, j, c) order with a last 1 for
the bias: cols_cl · [W₂ b]ᵀ (W₂'s columns reordered to match) into a channels-last (N, OH, OW, F) buffer, and
return its (N, F, OH, OW) view: ReLU and max-pool keep that layout, so the gradient reaching dW comes back
channels-last and G₂ᵀ is a view of it.
The batch goes through in chunks of a few samples
whose `cols` stay in cache, so no full-size `cols` ever exists and none is kept
for backward: the weight gradient gathers the windows of x again (PyTorch also
saves only x). The three maps are bilinear and each other's adjoints, so every
backward is one of the other two ops: second derivatives work.
One-group convolutions with many channels (≥ SHIFTED_MIN_CHANNELS, ResNet-like) skip im2col: `Shifted`
multiplies shifted row blocks of a channels-last copy of x by each kernel tap's C × F matrix, and among those the
3×3 "same" stride-1 ones run as Winograd F(2×2, 3×3) (ops/winograd.py: 16 products per 2×2 output tile, 4/9
of the FLOPs), and the 3×3 stride-2 ones with padding 1 as Winograd on x's four polyphase components
(`StrideTwoWinograd`: 25 products per 2×2 output tile, 25/36 of the FLOPs).
Pooling walks the KH·KW kernel offsets, each a strided view of the input (no
loop over pixels); max-pool records each window's first maximum and routes G there.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Iterator

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import args
from .._scipy_blas import gemm_accumulator
from ..engine import Function, OpError, is_grad_enabled, wrap_grads
from ..tensor import Tensor
from .activation import require_tensors
from .registry import register
from .winograd import ImageChunks, StrideTwoWinograd, Winograd, skewed_staging

# Elements of `cols` per batch chunk (at least one sample): about 2 MiB of float32, so a chunk is
# written and multiplied while in cache, and the matmuls still have thousands of columns.
CHUNK_ELEMENTS = 1 << 19
# Elements of im2col's copy of x per part of the batch (x padded, or the two-step copy's `rows`): 2 MiB of
# float32 bounds the memory it takes (the whole batch's `rows` was the ResNet step's peak), while parts of
# several chunks keep the copies few and long (one part per chunk was ~10% slower at 3 channels).
ROWS_ELEMENTS = 1 << 19
# Output pixels per sample from which the forward multiplies sample by sample straight into the output;
# below, products of OH·OW columns are too small for BLAS to run at speed (3×3 at 16×16, 64 channels: 25%
# faster as one product per chunk, a copy included; 7×7 at 32×32: 7% slower).
SAMPLE_GEMM_COLUMNS = 512
# Channels (input and filters) from which a one-group convolution runs as shifted products (`Shifted`, no
# im2col): each product contracts over only C (or F), too thin for BLAS below (round 4's row-shift products,
# K = C·KW, were 1.5× slower than im2col at 3 channels and equal at 16).
SHIFTED_MIN_CHANNELS = 32
# Buffer rows (all phases, junk included) per chunk of the shifted products: 1-4 Ki keep the operands in cache
# (the weight gradient's C × rows · rows × F products ran 45 GFLOP/s over the whole batch, 70 in 1 Ki chunks).
# The ResNet's stride-2 layer (324 rows per image) ran forward + both gradients in 9.4-10.3 ms at 1 Ki (3 images),
# 10.1-10.8 at 2 Ki, 10.0-10.7 at 2 images, 10.5-11.0 at 4; and its buffers count in the step's peak memory.
SHIFTED_ROWS = 1024


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

    @property
    def out_size(self) -> int:  # OH·OW
        return self.out_hw[0] * self.out_hw[1]

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
        """Windows are disjoint tiles side by side (stride = kernel, no padding or dilation)."""
        return self.stride == self.kernel and self.padding == (0, 0) and self.dilation == (1, 1)

    def tap(self, axis: int, i: int) -> slice:
        """Along padded axis 0 (H) or 1 (W): the positions kernel offset i touches, one per output."""
        d, s, n = self.dilation[axis], self.stride[axis], self.out_hw[axis]
        return slice(i * d, i * d + s * (n - 1) + 1, s)

    def offsets(self, xp: np.ndarray) -> Iterator[np.ndarray]:
        """For each kernel offset (row-major), the (…, OH, OW) view of padded xp it touches."""
        for i in range(self.kernel[0]):
            for j in range(self.kernel[1]):
                yield xp[..., self.tap(0, i), self.tap(1, j)]

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

    # im2col in two steps per batch chunk (im2col's path for strides along W; F.unfold's; col2im's adjoint):
    # one copy along W (`rows`, KW·OW/W_pad times the chunk's size), then one copy along H whose runs are whole
    # OH·OW planes. Gathering windows in one copy of floats moves runs of only OW elements, several times slower
    # in NumPy (as one void item per run it is faster: `im2col`). Neither step makes a padded copy of x: the
    # padding is the zeros of `rows` no column of x lands on.
    def rows_shape(self, n: int, c: int) -> tuple[int, ...]:
        return c, self.kernel[1], n, self.padded_hw[0], self.out_hw[1]

    def column_taps(self, j: int) -> tuple[slice, slice]:
        """Kernel column j: (the output columns whose tap lands inside x, not in the padding; the x columns
        they read), as slices of the OW axis of rows and of x's W axis."""
        s, d, pw, w, ow = self.stride[1], self.dilation[1], self.padding[1], self.in_hw[1], self.out_hw[1]
        lo = max(0, -(-(pw - d * j) // s))  # output column o reads x column s·o + d·j − pw
        hi = max(lo, min(ow, (w - 1 + pw - d * j) // s + 1))
        start = s * lo + d * j - pw
        return slice(lo, hi), slice(start, start + s * (hi - lo - 1) + 1 if hi > lo else start, s)

    def gather_rows(self, x: np.ndarray) -> np.ndarray:
        """(N, C, H, W) -> rows (C, KW, N, H_pad, OW): x padded, at the OW columns kernel column j reads."""
        (n, c), ph, h = x.shape[:2], self.padding[0], self.in_hw[0]
        rows = (np.zeros if any(self.padding) else np.empty)(self.rows_shape(n, c), x.dtype)
        by_channel = x.transpose(1, 0, 2, 3)
        for j in range(self.kernel[1]):
            out_cols, x_cols = self.column_taps(j)
            rows[:, j, :, ph:ph + h, out_cols] = by_channel[..., x_cols]
        return rows

    def fold_rows(self, rows: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
        """The adjoint of gather_rows: rows (C, KW, N, H_pad, OW) summed back into an (N, C, H, W) array
        (a new one, or x, which must hold zeros)."""
        (c, kw, n), ph, h = rows.shape[:3], self.padding[0], self.in_hw[0]
        x = np.zeros((n, c) + self.in_hw, rows.dtype) if x is None else x
        by_channel = x.transpose(1, 0, 2, 3)
        for j in range(kw):
            out_cols, x_cols = self.column_taps(j)
            by_channel[..., x_cols] += rows[:, j, :, ph:ph + h, out_cols]
        return x

    def windows(self, rows: np.ndarray) -> np.ndarray:
        """A strided view of rows (no copy): (C, KH, KW, N, OH, OW), window element (i, j) of each output."""
        sh, dh = self.stride[0], self.dilation[0]
        along_h = sliding_window_view(rows, self.span[0], axis=3)[:, :, :, ::sh, :, ::dh]  # (C, KW, N, OH, OW, KH)
        return along_h.transpose(0, 5, 1, 2, 3, 4)

    def add_windows(self, rows: np.ndarray, cols: np.ndarray) -> None:
        """The adjoint of reading windows(rows): cols (C, KH, KW, B, OH, OW) added into rows."""
        for i in range(self.kernel[0]):
            rows[:, :, :, self.tap(0, i)] += cols[:, i]

    def batches(self, n: int, c: int, step: int | None = None) -> Iterator[slice]:
        """Slices of the batch of `step` samples (at least one): by default, those whose `cols` hold
        about CHUNK_ELEMENTS."""
        step = max(1, CHUNK_ELEMENTS // (c * len(self) * self.out_size) if step is None else step)
        return (slice(start, min(start + step, n)) for start in range(0, n, step))

    def im2col(self, x: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
        """x (N, C, H, W) by batch chunks: (chunk, its cols (C·KH·KW, B·OH·OW)), each output pixel's window
        as a column. At stride 1 along W, each (channel, kernel offset, output row) reads one run of OW values
        of x padded, copied as one void item from a padded copy of x made part by part: ~1.7× faster than the
        two-step copy (`gather_rows`, then `windows`), which remains for strides along W. One buffer serves
        every chunk: a chunk's cols are valid until the next is made."""
        (n, c), (oh, ow), width = x.shape[:2], self.out_hw, x.shape[1] * len(self)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
        part_size = c * int(np.prod(self.padded_hw)) if sw == 1 else int(np.prod(self.rows_shape(1, c)))
        run = np.dtype((np.void, ow * x.itemsize))
        buffer = None
        for part in self.batches(n, c, ROWS_ELEMENTS // part_size):
            if sw == 1:
                xp = np.ascontiguousarray(self.pad(x[part]))
                step_n, step_c, step_h, step_w = xp.strides
            else:
                windows = self.windows(self.gather_rows(x[part]))
            for batch in self.batches(part.stop - part.start, c):
                b = batch.stop - batch.start
                if buffer is None:
                    buffer = np.empty(width * b * oh * ow, x.dtype)
                cols = buffer[:width * b * oh * ow].reshape(width, b * oh * ow)
                if sw == 1:
                    rows = np.ndarray((c, kh, kw, b, oh), run, buffer=xp, offset=batch.start * step_n,
                                      strides=(step_c, dh * step_h, dw * step_w, step_n, sh * step_h))
                    np.copyto(cols.reshape(-1, ow).view(run).reshape(rows.shape), rows)
                else:
                    np.copyto(cols.reshape(c, kh, kw, b, oh, ow), windows[:, :, :, batch])
                yield slice(part.start + batch.start, part.start + batch.stop), cols

    def padded_channels_last(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> a zero-padded (N, H_pad, W_pad, C) copy, written channel by channel (runs of W
        values read; a single transposing copy writes runs of C, ~3× slower at C = 3)."""
        (ph, pw), (h, w) = self.padding, self.in_hw
        xp = (np.zeros if ph or pw else np.empty)((x.shape[0], *self.padded_hw, x.shape[1]), x.dtype)
        inner = xp[:, ph:ph + h, pw:pw + w]
        for c in range(x.shape[1]):
            inner[..., c] = x[:, c]
        return xp

    def im2col_channels_last(self, x: np.ndarray, ones: bool = False) -> Iterator[tuple[slice, np.ndarray]]:
        """x (N, C, H, W) by batch chunks: (chunk, its cols (B·OH·OW, KH·KW·C)), each output pixel's window as
        a row in (i, j, c) order, so cols is a contiguous left operand for BLAS (cols · W₂ᵀ ran at ~90 GFLOP/s
        in the ConvNet's shape, im2col's colsᵀ at ~77). With `ones`, cols has a last column of ones (the bias's
        column in the product). From a padded channels-last copy of x (made part by part), a window row (j and
        c together, KW·C values) is one contiguous run, copied as one void item: NumPy then moves one item per
        run instead of looping over KW·C values (~2× faster at KW·C = 21). One buffer serves every chunk: a
        chunk's cols are valid until the next is made."""
        (n, c), (oh, ow), width = x.shape[:2], self.out_hw, x.shape[1] * len(self)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
        # a window row is one run when its taps are adjacent (no dilation along W), else each tap's C values are
        runs = (oh, ow, kh) if dw == 1 or kw == 1 else (oh, ow, kh, kw)
        run = np.dtype((np.void, width * x.itemsize // int(np.prod(runs[2:]))))
        buffer = None
        for part in self.batches(n, c, ROWS_ELEMENTS // (c * int(np.prod(self.padded_hw)))):
            xp = self.padded_channels_last(x[part])
            step_n, step_h, step_w, _ = xp.strides
            run_strides = (step_n, sh * step_h, sw * step_w, dh * step_h, dw * step_w)[:len(runs) + 1]
            for batch in self.batches(part.stop - part.start, c):
                b = batch.stop - batch.start
                if buffer is None:
                    buffer = np.empty((b * oh * ow, width + ones), x.dtype)
                    buffer[:, width:] = 1
                cols = buffer[:b * oh * ow]
                windows = np.ndarray((b, *runs), run, buffer=xp, offset=batch.start * step_n, strides=run_strides)
                np.copyto(cols[:, :width].view(run).reshape(b, *runs), windows)
                yield slice(part.start + batch.start, part.start + batch.stop), cols


class Shifted(ImageChunks):
    """A convolution as KH·KW dense products of shifted row blocks, with no im2col.

    The padded x of a chunk of B images is split into s_h·s_w phase images padded[a::s_h, b::s_w] (one for
    stride 1), each copied channels-last into a flat (rows, C) buffer laid out (row, image, column): phase
    row k of image n, column l is buffer row (k·B + n)·wq + l, so a phase row of all B images is one run and
    an image's next row is B·wq rows further. Tap (i, j) reads phase ((d·i) mod s_h, (d·j) mod s_w) at offset
    ⌊d·i/s_h⌋·B·wq + ⌊d·j/s_w⌋, and output pixel r = (oh·B + n)·wq + ow is

        out[r] = Σ_ij X[r + offset_ij] · W_ij            (W_ij = W[:, :, i, j]ᵀ, C × F)
        dX[q]  = Σ_ij G[q − offset_ij] · W_ijᵀ           (G laid out like out, zeros at the junk columns)
        dW_ij  = Σ_r X[r + offset_ij]ᵀ · G[r]

    each a product of contiguous row blocks with the filters (dX per phase). Only the columns ow ≥ OW are junk
    (rows ordered image by image had a junk row per image too: 81 buffer rows per 64 pixels in the ResNet's
    stride-2 layer, now 72; 289 per 256 at 16×16 stride 1, now 272). At stride 1, a row's right padding
    past wq spills into the next slot's left padding. The batch goes through in chunks of whole images
    (`SHIFTED_ROWS`), so the buffers stay cache-sized and none is kept; as offsets depend on B, a shorter
    last chunk zeroes the buffers again.
    """

    def __init__(self, window: Window, images: int) -> None:
        (ph, pw), (h, w), (oh, ow) = window.padding, window.in_hw, window.out_hw
        (dh, dw), (sh, sw), (kh, kw) = window.dilation, window.stride, window.kernel
        self.window = window
        if (sh, sw) == (1, 1):  # one phase: the padded image, its right padding shared with the next slot's left
            self.hq, self.wq = h + 2 * ph, w + max(pw, ow - w)
            self.phases = [((0, 0), (ph, pw))]
        else:
            hp, wp = window.padded_hw
            self.hq, self.wq = -(-hp // sh), -(-wp // sw)
            # per phase: (x's first row and column in it, their phase row and column)
            self.phases = [(((a - ph) % sh, (b - pw) % sw), ((ph + (a - ph) % sh) // sh, (pw + (b - pw) % sw) // sw))
                           for a in range(sh) for b in range(sw)]
        # per tap (row-major): (its phase, its phase row and column offsets)
        self.taps = [((dh * i % sh) * sw + dw * j % sw, dh * i // sh, dw * j // sw) for i in range(kh) for j in range(kw)]
        self.margin = max(cj for _, _, cj in self.taps)  # rows past the phase rows that taps read
        self.read = sorted({p for p, _, _ in self.taps})  # the phases some tap reads (a 1×1 kernel at stride 2: one)
        # images per chunk: the phase buffers together hold about SHIFTED_ROWS rows
        self.step = max(1, min(images, SHIFTED_ROWS // (self.hq * self.wq * len(self.read))))
        self.staging = None  # staging buffer for x (`load_x`), made at the first load that needs one

    @staticmethod
    def applies(groups: int, channels: int, filters: int) -> bool:
        """Whether the shifted products beat im2col: one group, K = C (or F) wide enough for BLAS."""
        return groups == 1 and min(channels, filters) >= SHIFTED_MIN_CHANNELS

    def offsets(self, images: int) -> list[tuple[int, int]]:
        """Per tap: (its phase, its offset in the phase's rows) for a chunk of `images`."""
        return [(p, ri * images * self.wq + cj) for p, ri, cj in self.taps]

    def out_rows(self, images: int) -> int:
        """Output rows (junk columns included) of a chunk of `images`."""
        return self.window.out_hw[0] * images * self.wq

    def buffer(self, channels: int, dtype: np.dtype, extra: int = 0) -> np.ndarray:
        """A zeroed (phase rows of a chunk + margin + extra, channels) buffer: its gaps stay zero while
        chunks of equal size overwrite the images."""
        return np.zeros((self.hq * self.step * self.wq + self.margin + extra, channels), dtype)

    def images(self, buffer: np.ndarray, start: int, count: int, height: int | None = None) -> np.ndarray:
        """The (count, height, wq, channels) image slots (height: hq by default) of `buffer` from buffer row
        `start`, a view of its (height, count, wq) rows."""
        height = self.hq if height is None else height
        rows = buffer[start:start + height * count * self.wq]
        return rows.reshape(height, count, self.wq, buffer.shape[1]).transpose(1, 0, 2, 3)

    @staticmethod
    def clear(buffers: list[np.ndarray | None]) -> None:
        """Zero the buffers before a shorter last chunk: its layout differs (offsets depend on the images in a
        chunk), so the gaps would hold the previous chunk's values."""
        for buffer in buffers:
            if buffer is not None:
                buffer.fill(0)

    def phase_buffers(self, channels: int, dtype: np.dtype) -> list[np.ndarray | None]:
        """Per phase, its zeroed `buffer` if some tap reads it, else None."""
        return [self.buffer(channels, dtype) if p in self.read else None for p in range(len(self.phases))]

    def loader(self, buffers: list[np.ndarray | None], images: int, channels: int,
               dtype: np.dtype) -> Callable[[np.ndarray], None]:
        """A function that copies a chunk of `images` of x (B, C, H, W) channels-last into the phase buffers that
        taps read (through a skewed staging buffer for 1 KiB channel planes); its views are made once per chunk
        size (NumPy's slices and transposes cost ~1 µs each)."""
        (h, w), (sh, sw) = self.window.in_hw, self.window.stride
        if self.staging is None or self.staging.dtype != dtype or self.staging.shape[1] < channels:
            self.staging = skewed_staging(self.step, channels, (h, w), dtype)
        slots = [(self.images(buffer, 0, images)[:, r0:r0 + len(range(h0, h, sh)), c0:c0 + len(range(w0, w, sw))],
                  (slice(h0, None, sh), slice(w0, None, sw)))
                 for buffer, ((h0, w0), (r0, c0)) in zip(buffers, self.phases) if buffer is not None]
        if self.staging is None:
            def load(x: np.ndarray) -> None:
                for slot, (rows, columns) in slots:
                    np.copyto(slot, x[:, :, rows, columns].transpose(0, 2, 3, 1))
            return load
        staging = self.staging[:images, :channels, :h * w]
        x_staged = staging.reshape(images, channels, h, w)
        copies = [(slot, x_staged[:, :, rows, columns].transpose(0, 2, 3, 1)) for slot, (rows, columns) in slots]

        def load_staged(x: np.ndarray) -> None:
            np.copyto(staging, x.reshape(staging.shape))
            for slot, part in copies:
                np.copyto(slot, part)
        return load_staged

    @staticmethod
    def products(pairs: Iterable[tuple[np.ndarray, np.ndarray]], acc: np.ndarray,
                 scratch: np.ndarray) -> list[Callable[[], Any]]:
        """Calls that together make acc = Σ a · b over the (a, b) pairs (none for no pairs): the first product is
        written straight into acc, the others added (`gemm_accumulator`, bound once per chunk size)."""
        calls = []
        for a, b in pairs:
            calls.append(partial(np.matmul, a, b, out=acc) if not calls else gemm_accumulator(a, b, acc, scratch))
        return calls

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """conv2d(x, W) + b as an (N, F, OH, OW) array of dtype."""
        n, f, (oh, ow) = x.shape[0], w.shape[0], self.window.out_hw
        out = np.empty((n, f, oh, ow), dtype)
        taps = np.ascontiguousarray(w.astype(dtype, copy=False).transpose(2, 3, 1, 0)).reshape(-1, w.shape[1], f)
        x_rows = self.phase_buffers(x.shape[1], dtype)
        acc, scratch = np.empty((2, self.out_rows(self.step), f), dtype)
        planned = None  # chunk size the views below are for
        for chunk in self.chunks(n):
            images = chunk.stop - chunk.start
            if images != planned:
                if planned is not None:
                    self.clear(x_rows)
                planned, rows = images, self.out_rows(images)
                load = self.loader(x_rows, images, x.shape[1], dtype)
                pairs = ((x_rows[p][o:o + rows], tap) for (p, o), tap in zip(self.offsets(images), taps))
                products = self.products(pairs, acc[:rows], scratch[:rows])
                result = self.images(acc, 0, images, oh)[:, :, :ow].transpose(0, 3, 1, 2)
            load(x[chunk])
            for product in products:
                product()
            if b is not None:
                acc[:rows] += b
            out[chunk] = result
        return out

    def gradients(self, g: np.ndarray, x: np.ndarray | None, w: np.ndarray | None, x_shape: tuple[int, ...],
                  w_shape: tuple[int, ...]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(dx if w is given, dW if x is given): G's channels-last copy serves both."""
        (n, c), f, (oh, ow), (sh, sw) = x_shape[:2], w_shape[0], self.window.out_hw, self.window.stride
        dtype = np.result_type(*(a for a in (g, x, w) if a is not None))
        # G at rows [lead, lead + out rows), zeros before (dX reads G[q − offset]) and after (up to phase rows)
        lead = max(o for _, o in self.offsets(self.step))
        g_rows = self.buffer(f, dtype, lead)
        if w is not None:
            back_taps = np.ascontiguousarray(w.astype(dtype, copy=False).transpose(2, 3, 0, 1)).reshape(-1, f, c)
            # a phase no tap reads gets no gradient
            dx = (np.empty if len(self.read) == len(self.phases) else np.zeros)(x_shape, dtype)
            dx_acc, dx_scratch = np.empty((2, self.hq * self.step * self.wq, c), dtype)
        if x is not None:
            x_rows, dw_scratch = self.phase_buffers(c, dtype), np.empty((c, f), dtype)
            dw = np.zeros((len(self.taps), c, f), dtype)
        planned = None  # chunk size the views below are for
        for chunk in self.chunks(n):
            images = chunk.stop - chunk.start
            if images != planned:
                if planned is not None:
                    self.clear([g_rows] + (x_rows if x is not None else []))
                planned, rows, offsets = images, self.out_rows(images), self.offsets(images)
                g_slots = self.images(g_rows, lead, images, oh)[:, :, :ow]
                if x is not None:
                    load = self.loader(x_rows, images, c, dtype)
                    g_block = g_rows[lead:lead + rows]  # K = the chunk's rows: BLAS's best shape for a C × F result
                    dw_products = [(x_rows[p][o:o + rows].T, dw[k]) for k, (p, o) in enumerate(offsets)]
                if w is not None:  # phase row q gets tap ij's G[q − offset_ij], at g_rows[lead + q − offset_ij]
                    dx_phases = []
                    for phase, ((h0, w0), (r0, c0)) in enumerate(self.phases):
                        height, width = len(range(h0, x_shape[2], sh)), len(range(w0, x_shape[3], sw))
                        # only the phase rows holding x: r0 to r0 + height
                        first, count = r0 * images * self.wq, height * images * self.wq
                        products = self.products(((g_rows[lead + first - o:lead + first - o + count], back_taps[k])
                                                  for k, (p, o) in enumerate(offsets) if p == phase),
                                                 dx_acc[:count], dx_scratch[:count])
                        slots = self.images(dx_acc, 0, images, height)[:, :, c0:c0 + width].transpose(0, 3, 1, 2)
                        dx_phases.append((products, slots,
                                          (..., slice(h0, None, sh), slice(w0, None, sw))))
            np.copyto(g_slots, g[chunk].transpose(0, 2, 3, 1))
            if x is not None:
                load(x[chunk])
                for x_block, dw_tap in dw_products:
                    np.add(dw_tap, np.matmul(x_block, g_block, out=dw_scratch), out=dw_tap)
            if w is not None:
                dx_chunk = dx[chunk]
                for products, slots, phase_part in dx_phases:
                    for product in products:
                        product()
                    if products:  # (a phase no tap reads keeps dx's zeros)
                        np.copyto(dx_chunk[phase_part], slots)
        return (dx if w is not None else None,
                np.ascontiguousarray(dw.reshape(*self.window.kernel, c, f).transpose(3, 2, 0, 1)) if x is not None else None)


def _channel_products(window: Window, groups: int, channels: int, filters: int, images: int,
                      *arrays: np.ndarray) -> Winograd | StrideTwoWinograd | Shifted | None:
    """The path without im2col for a one-group convolution with many channels, if one applies: Winograd for a 3×3
    "same" stride-1 convolution of float `arrays`, polyphase Winograd for a 3×3 stride-2 one with padding 1, shifted
    products otherwise; None for im2col."""
    dtype = np.result_type(*arrays)
    if Winograd.applies(window, groups, channels, filters, dtype):
        return Winograd(window.in_hw, images)
    if StrideTwoWinograd.applies(window, groups, channels, filters, dtype):
        return StrideTwoWinograd(window, images)
    if Shifted.applies(groups, channels, filters):
        return Shifted(window, images)
    return None


def _weight_rows(w: np.ndarray, groups: int) -> np.ndarray:
    """W (F, C/groups, KH, KW) -> (groups, F/groups, C/groups·KH·KW)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _grad_rows(g: np.ndarray, groups: int) -> np.ndarray:
    """A chunk of G (B, F, OH, OW) -> (groups, F/groups, B·OH·OW): one row per filter. A channels-last G
    (the view Conv2d's large-map forward returns, and its gradient through ReLU and max-pool) gives a view of
    its (B·OH·OW, F) memory, which BLAS reads as a transposed operand; any other G a contiguous copy."""
    b, f = g.shape[:2]
    pixels_first = g.transpose(0, 2, 3, 1)
    if pixels_first.flags.c_contiguous:
        return pixels_first.reshape(-1, groups, f // groups).transpose(1, 2, 0)
    rows = np.ascontiguousarray(g.reshape(b, f, -1).transpose(1, 0, 2))
    return rows.reshape(groups, f // groups, -1)


def _bias_grad(g: Tensor) -> Tensor:
    """Σ_{n,h,w} G. A channels-last G with nothing recorded is summed as its memory's (N·OH, OW·F) rows first
    (whole-row vector adds, then OW·F → F): NumPy's own sum of the (N, F, OH, OW) view adds F channels at a
    time, ~4× slower and ~20× the rounding error (sequential over the N·OH·OW pixels)."""
    pixels_first = g.data.transpose(0, 2, 3, 1)
    if is_grad_enabled() or g.data.flags.c_contiguous or not pixels_first.flags.c_contiguous:
        return g.sum((0, 2, 3))  # (an NCHW G, also when F or OH·OW is 1, sums as it always did)
    n, oh, ow, f = pixels_first.shape
    return Tensor._make(pixels_first.reshape(n * oh, ow * f).sum(0).reshape(ow, f).sum(0))


class Conv2d(Function):
    """out[n,f] = Σ_{c,i,j} W[f,c,i,j] · x_pad[n, c, s·oh + d·i, s·ow + d·j] (+ b[f]): cross-correlation,
    like PyTorch. x (N, C, H, W), W (F, C/groups, KH, KW), optional b (F,) -> (N, F, OH, OW).

    The bias is added chunk by chunk while the output is in cache (no second (N, F, OH, OW) array).
    """
    saved = ()  # backward needs only the inputs
    expr, grad_exprs = "conv2d(a, b)", ("conv_transpose2d(G, b)", "conv2d_weight(a, G)", "Σ_{n,h,w} G")

    def __init__(self, window: Window, groups: int, bias: bool = False) -> None:
        self.window, self.groups = window, groups
        if bias:
            self.expr = "conv2d(a, b) + c"

    def forward(self, x, w, b=None):
        n, f, groups, size = x.shape[0], w.shape[0], self.groups, self.window.out_size
        dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
        path = _channel_products(self.window, groups, x.shape[1], f, n, x, w)
        if path is not None:
            return path.forward(x, w, b, dtype)
        if groups == 1 and size >= SAMPLE_GEMM_COLUMNS:
            return self._channels_last(x, w, b, dtype)
        out = np.empty((n, groups, f // groups, size), dtype)
        w_rows = _weight_rows(w, groups)
        for batch, cols in self.window.im2col(x):
            per_sample = cols.reshape(groups, -1, batch.stop - batch.start, size)
            if size >= SAMPLE_GEMM_COLUMNS:  # per sample and group: (F/g, CKK/g) · (CKK/g, OH·OW), written in place
                np.matmul(w_rows, per_sample.transpose(2, 0, 1, 3), out=out[batch])
            else:  # small maps: one wide product per group (faster BLAS), then one transposing copy
                wide = np.matmul(w_rows, cols.reshape(groups, -1, cols.shape[1]))
                out[batch] = wide.reshape(groups, -1, batch.stop - batch.start, size).transpose(2, 0, 1, 3)
            if b is not None:
                out[batch] += b.reshape(groups, -1, 1)
        return out.reshape(n, f, *self.window.out_hw)

    def _channels_last(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """One group, large maps: the products cols · W₂ᵀ (pixels × F) of each chunk's channels-last im2col
        (`Window.im2col_channels_last`, columns in (i, j, c) order, W₂'s columns reordered to match) written
        straight into an (N, OH, OW, F) buffer; the result is its (N, F, OH, OW) view. The bias is the weight of
        cols' last column, all ones: the product adds it, no pass over the output (~0.3 ms in the ConvNet). No
        transposing copy follows: ReLU and max-pool work in the layout they get, and the gradient comes back
        channels-last, so the weight gradient needs no copy of G. The sums run in (i, j, c) order, bias last,
        not in (c, i, j) order: float32 errors against float64 are as large as before (tests/test_nn_conv_channels_last.py)."""
        n, f = x.shape[0], w.shape[0]
        out = np.empty((n, *self.window.out_hw, f), dtype)
        w_rows = w.transpose(0, 2, 3, 1).reshape(f, -1)  # (F, KH·KW·C): W₂ in cols' column order
        if b is not None:
            w_rows = np.concatenate([w_rows, b.reshape(f, 1)], axis=1)
        for batch, cols in self.window.im2col_channels_last(x, ones=b is not None):
            np.matmul(cols, w_rows.T, out=out[batch].reshape(-1, f))
        return out.transpose(0, 3, 1, 2)

    def backward(self, g):
        x, w = self.inputs[:2]
        path = None if is_grad_enabled() else _channel_products(
            self.window, self.groups, x.shape[1], w.shape[0], x.shape[0], g.data, x.data, w.data)
        if path is not None:
            # nothing recorded: both gradients in one pass over G (the Functions below do the same
            # products one at a time when create_graph records them)
            gx, gw = wrap_grads(path.gradients(
                g.data, x.data if w.requires_grad else None, w.data if x.requires_grad else None, x.shape, w.shape))
        else:
            gx, gw = self._gradients(g, x, w)
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, _bias_grad(g) if self.inputs[2].requires_grad else None

    def _gradients(self, g: Tensor, x: Tensor, w: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gx = Conv2dGradInput(self.window, self.groups, x.shape).apply(g, w) if x.requires_grad else None
        gw = Conv2dGradWeight(self.window, self.groups, w.shape).apply(x, g) if w.requires_grad else None
        return gx, gw


class Conv2dGradInput(Function):
    """dx = col2im(W₂ᵀ · G₂): the transposed convolution of G with W (the adjoint of conv2d in x)."""
    saved = ()
    expr, grad_exprs = "conv_transpose2d(a, b)", ("conv2d(G, b)", "conv2d_weight(G, a)")

    def __init__(self, window: Window, groups: int, x_shape: tuple[int, ...]) -> None:
        self.window, self.groups, self.x_shape = window, groups, x_shape

    def forward(self, g, w):
        (n, c), (oh, ow) = self.x_shape[:2], self.window.out_hw
        path = _channel_products(self.window, self.groups, c, w.shape[0], n, g, w)
        if path is not None:
            return path.gradients(g, None, w, self.x_shape, w.shape)[0]
        dtype = np.result_type(g, w)
        dx = np.zeros(self.x_shape, dtype)
        w_cols = _weight_rows(w, self.groups).transpose(0, 2, 1)  # (groups, CKK/g, F/g)
        for batch in self.window.batches(n, c):  # per chunk: rows, then folded into dx: both cache-sized
            cols = np.matmul(w_cols, _grad_rows(g[batch], self.groups))  # (groups, CKK/g, B·OH·OW)
            rows = np.zeros(self.window.rows_shape(batch.stop - batch.start, c), dtype)
            self.window.add_windows(rows, cols.reshape(c, *self.window.kernel, -1, oh, ow))
            self.window.fold_rows(rows, dx[batch])
        return dx

    def backward(self, gg):
        g, w = self.inputs
        gg_g = Conv2d(self.window, self.groups).apply(gg, w) if g.requires_grad else None
        gg_w = Conv2dGradWeight(self.window, self.groups, w.shape).apply(gg, g) if w.requires_grad else None
        return gg_g, gg_w


class Conv2dGradWeight(Function):
    """dW = G₂ · colsᵀ: the correlation of the input with G (the adjoint of conv2d in W)."""
    saved = ()
    expr, grad_exprs = "conv2d_weight(a, b)", ("conv_transpose2d(b, G)", "conv2d(a, G)")

    def __init__(self, window: Window, groups: int, w_shape: tuple[int, ...]) -> None:
        self.window, self.groups, self.w_shape = window, groups, w_shape

    def forward(self, x, g):
        c, groups = x.shape[1], self.groups
        path = _channel_products(self.window, groups, c, self.w_shape[0], x.shape[0], x, g)
        if path is not None:
            return path.gradients(g, x, None, x.shape, self.w_shape)[1]
        dw_t = np.zeros((groups, c // groups * len(self.window), self.w_shape[0] // groups), np.result_type(x, g))
        for batch, cols in self.window.im2col(x):
            # one matmul per chunk, contracting over B·OH·OW; colsᵀ-first is the faster BLAS layout
            dw_t += np.matmul(cols.reshape(groups, -1, cols.shape[1]), _grad_rows(g[batch], groups).transpose(0, 2, 1))
        return np.ascontiguousarray(dw_t.transpose(0, 2, 1)).reshape(self.w_shape)

    def backward(self, gg):
        x, g = self.inputs
        gg_x = Conv2dGradInput(self.window, self.groups, x.shape).apply(g, gg) if x.requires_grad else None
        gg_g = Conv2d(self.window, self.groups).apply(x, gg) if g.requires_grad else None
        return gg_x, gg_g


# ----- pooling -------------------------------------------------------------------
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
        return self.window.fold((share for _ in range(len(self.window))), g.shape[:2] + self.window.in_hw, g.dtype)


class Argmax:
    """Routing of max-pool: each window's first maximal element (row-major), found from the input x
    and the pooled output when first needed (the node keeps x anyway, so this stores nothing new)."""

    def __init__(self, window: Window, x: np.ndarray, out: np.ndarray) -> None:
        self.window, self.x, self.out = window, x, out
        self._winners: list[np.ndarray] | None = None

    @classmethod
    def pool(cls, x: np.ndarray, window: Window) -> tuple[np.ndarray, "Argmax"]:
        """(max over each window of x padded with −inf, its routing); NaN propagates, as in PyTorch."""
        if window.tiles:
            routing = TileArgmax(window, x)
            if not np.isnan(routing.out).any():  # a NaN window routes to its last NaN: the general rule
                return routing.out, routing
        views = window.offsets(window.pad(x, -np.inf))
        out = next(views).copy()
        for view in views:
            np.maximum(out, view, out=out)
        return out, cls(window, x, out)

    def winners(self) -> list[np.ndarray]:
        """Per kernel offset, a bool (N, C, OH, OW) mask: does that offset hold its window's first max?
        A window holding NaN (its max is NaN) routes to its last NaN, as PyTorch's kernel does."""
        if self._winners is None:
            views = list(self.window.offsets(self.window.pad(self.x, -np.inf)))
            self._winners = _first_hits([view == self.out for view in views])
            if np.isnan(self.out).any():
                last_nans = _first_hits([np.isnan(view) for view in reversed(views)])[::-1]
                self._winners = [hit | nan for hit, nan in zip(self._winners, last_nans)]
        return self._winners

    def gather(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(self.out.shape, dtype=x.dtype)
        for view, hit in zip(self.window.offsets(self.window.pad(x)), self.winners()):
            np.copyto(out, view, where=hit)
        return out

    def scatter(self, g: np.ndarray) -> np.ndarray:
        pieces = (g * hit for hit in self.winners())
        return self.window.fold(pieces, g.shape[:2] + self.window.in_hw, g.dtype)


def _first_hits(hits: list[np.ndarray]) -> list[np.ndarray]:
    """Bool masks, changed in place so that each position stays True only in the first mask holding it."""
    found = hits[0].copy()
    for hit in hits[1:]:
        np.greater(hit, found, out=hit)  # hit and not found earlier
        found |= hit
    return hits


def _in_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """a itself if it is laid out as `like` (same shape) would be by NumPy, else a copy of it in that layout."""
    out = np.empty_like(like, a.dtype)
    if out.strides == a.strides:
        return a
    np.copyto(out, a)
    return out


def _first_max(views: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise over equal-shape arrays: (their max, the index of the first one holding it).
    Strict > keeps the earlier index on ties; bool arithmetic, no masked writes (slow in NumPy)."""
    best, index = views[0], np.zeros_like(views[0], np.uint8)  # in the views' layout, as the ufuncs' results
    for k, view in enumerate(views[1:], 1):
        np.maximum(index, (view > best) * np.uint8(k), out=index)  # k exceeds every earlier index
        best = np.maximum(best, view, out=best if k > 1 else None)
    return (best if len(views) > 1 else best.copy()), index


class TileArgmax(Argmax):
    """Max-pool routing when the windows tile the input (stride = kernel, no padding or dilation):
    in each tile row the first column holding the row's max, then the first row holding the tile's
    max — together the first max in row-major order. Every step is one pass over whole strided
    views of x (its KW column phases, then the KH row phases), and the gradient is written the same
    way: no per-offset compare-and-mask chains, no repeat. Everything keeps x's memory layout (NumPy's
    ufuncs keep their operands' axis order): a channels-last x (conv2d's large-map output) is read in
    runs of its channels, and its gradient comes back channels-last too."""

    def __init__(self, window: Window, x: np.ndarray) -> None:
        (kh, kw), (oh, ow) = window.kernel, window.out_hw
        tiled = x[..., :oh * kh, :ow * kw]  # rows/columns past the last whole tile are never read
        row_max, self.col_index = _first_max([tiled[..., j::kw] for j in range(kw)])  # (N, C, OH·KH, OW)
        rows = row_max.reshape(*x.shape[:2], oh, kh, ow)
        out, self.row_index = _first_max([rows[..., i, :] for i in range(kh)])  # (N, C, OH, OW)
        super().__init__(window, None, out)

    def winners(self) -> list[np.ndarray]:
        if self._winners is None:
            (kh, kw), (oh, ow) = self.window.kernel, self.window.out_hw
            col_index = self.col_index.reshape(*self.out.shape[:2], oh, kh, ow)
            self._winners = [(self.row_index == i) & (col_index[..., i, :] == j)
                             for i in range(kh) for j in range(kw)]
        return self._winners

    def scatter(self, g: np.ndarray) -> np.ndarray:
        (kh, kw), (oh, ow) = self.window.kernel, self.window.out_hw
        n, c = g.shape[:2]
        if self.col_index.strides[-1] > min(self.col_index.strides):  # W is not x's innermost axis (channels-last)
            return self._scatter_by_offset(g)
        # G, the staging and dx in x's layout (that of the indices): G copied first if it differs (it is the
        # smallest; products of operands in two layouts ran 4× slower), and the copy freed before dx is made
        g_in_layout = _in_layout(g, self.row_index)
        g_rows = np.empty_like(self.col_index.reshape(n, c, oh, kh, ow), g.dtype)
        for i in range(kh):  # G to each tile's winning row ...
            np.multiply(g_in_layout, self.row_index == i, out=g_rows[..., i, :])
        del g_in_layout
        g_rows = g_rows.reshape(n, c, oh * kh, ow)
        dx = self._dx(n, c, g.dtype)
        tiled = dx[..., :oh * kh, :ow * kw]
        for j in range(kw):  # ... and within that row to its winning column
            np.multiply(g_rows, self.col_index == j, out=tiled[..., j::kw])
        return dx

    def _dx(self, n: int, c: int, dtype: np.dtype) -> np.ndarray:
        """The (N, C, H, W) gradient buffer in x's layout (that of the indices); zeros where no tile reaches."""
        (kh, kw), (oh, ow) = self.window.kernel, self.window.out_hw
        exact = (oh * kh, ow * kw) == self.window.in_hw
        return (np.empty_like if exact else np.zeros_like)(self.col_index, dtype, shape=(n, c) + self.window.in_hw)

    def _scatter_by_offset(self, g: np.ndarray) -> np.ndarray:
        """scatter for an x whose W axis is not innermost (channels-last): one pass per kernel offset, G times
        [the offset won] into dx's strided view at that offset, which is written in runs of the channels (in NCHW
        such writes are single floats: several times slower, round 6e). G is copied to x's layout first."""
        (kh, kw), (oh, ow) = self.window.kernel, self.window.out_hw
        n, c = g.shape[:2]
        g = _in_layout(g, self.row_index)
        col_index = self.col_index.reshape(n, c, oh, kh, ow)
        dx = self._dx(n, c, g.dtype)
        for i in range(kh):
            in_row = self.row_index == i
            for j in range(kw):
                np.multiply(g, in_row & (col_index[..., i, :] == j), out=dx[..., i:oh * kh:kh, j:ow * kw:kw])
        return dx


class MaxPool2d(Function):
    """out[n,c,oh,ow] = max over the window of x padded with −inf; G goes to the (first) maximal element."""
    saved = ("routing",)
    expr, grad_exprs = "max_pool2d(a)", ("G routed to each window's argmax",)

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x):
        out, self.routing = Argmax.pool(x, self.window)
        return out

    def backward(self, g):
        return PoolScatter(self.routing).apply(g)


class PoolScatter(Function):
    """dx: each G[n,c,oh,ow] sent back to its window (to the winner for max, shared equally for avg)."""
    saved = ("routing",)
    expr, grad_exprs = "scatter(a)", ("gather(G)",)

    def __init__(self, routing: Any) -> None:
        self.routing = routing

    def forward(self, g):
        return self.routing.scatter(g)

    def backward(self, gg):
        return PoolGather(self.routing).apply(gg)


class PoolGather(Function):
    """out[n,c,oh,ow] = x's window reduced by the routing (the winner for max, the mean for avg)."""
    saved = ("routing",)
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
@register(Conv2d, al=False, F=True)
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
    if 0 in input.shape[1:] or 0 in weight.shape:  # PyTorch gives an empty result of a shape no formula explains
        raise OpError(f"conv2d: empty channels or kernel are not supported: input of shape {input.shape}, weight "
                      f"of shape {weight.shape}")
    window = Window(tuple(weight.shape[2:]), args.pair("conv2d", "stride", stride),
                    args.pair("conv2d", "padding", padding), args.pair("conv2d", "dilation", dilation),
                    tuple(input.shape[2:]))
    window.check("conv2d")
    if bias is None:
        return Conv2d(window, groups).apply(input, weight)
    return Conv2d(window, groups, bias=True).apply(input, weight, bias)


def _pool_window(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> Window:
    if x.ndim not in (3, 4):
        raise OpError(f"{op}: expected input (N, C, H, W) or (C, H, W), got shape {x.shape}")
    kernel = args.pair(op, "kernel_size", kernel_size)
    window = Window(kernel, kernel if stride is None or stride == () else args.pair(op, "stride", stride),
                    args.pair(op, "padding", padding), args.pair(op, "dilation", dilation), tuple(x.shape[-2:]))
    window.check(op)
    if any(2 * p > k for p, k in zip(window.padding, kernel)):
        raise OpError(f"{op}: padding {window.padding} must be at most half the kernel size {kernel}")
    return window


@register(MaxPool2d, al=False, F=True)
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False) -> Tensor:
    """Max over KH×KW windows (stride defaults to the kernel size; padding counts as −inf)."""
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported")
    return MaxPool2d(_pool_window("max_pool2d", input, kernel_size, stride, padding, dilation)).apply(input)


@register(al=False, F=True)
def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over KH×KW windows; padded zeros count in the mean (PyTorch's count_include_pad=True)."""
    if ceil_mode or not count_include_pad:
        raise NotImplementedError("avg_pool2d: only ceil_mode=False and count_include_pad=True are supported")
    return PoolGather(Average(_pool_window("avg_pool2d", input, kernel_size, stride, padding, 1))).apply(input)


# ----- adaptive pooling: windows that split (H, W) into a given number of cells --------
def adaptive_output_size(op: str, output_size: Any) -> tuple[int | None, int | None]:
    """output_size as an (oh, ow) pair: an int, or a pair of ints or None (None keeps that dim's size)."""
    items = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if len(items) != 2:
        raise OpError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    return tuple(None if v is None else args.size(op, "output_size", v, 1) for v in items)  # type: ignore[return-value]


def _adaptive_bounds(n_in: int, n_out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: cell i covers [⌊i·n_in/n_out⌋, ⌈(i + 1)·n_in/n_out⌉)."""
    return [(i * n_in // n_out, -(-(i + 1) * n_in // n_out)) for i in range(n_out)]


def _adaptive_pool(op: str, x: Tensor, output_size: Any, reduce: str) -> Tensor:
    """The mean or max of each adaptive cell: (..., H, W) → (..., oh, ow), composed of slices and reductions
    (so the gradient, G of a cell spread evenly over it or sent to its maximum, is the composition's)."""
    require_tensors(op, x)
    if x.ndim not in (3, 4) or 0 in x.shape[-2:]:
        raise OpError(f"{op}: expected input (N, C, H, W) or (C, H, W) with H, W > 0, got shape {x.shape}")
    (h, w), size = x.shape[-2:], adaptive_output_size(op, output_size)
    oh, ow = (h if size[0] is None else size[0]), (w if size[1] is None else size[1])
    if h % oh == 0 and w % ow == 0:  # equal windows: one reshape and one reduction
        cells = x.reshape(x.shape[:-2] + (oh, h // oh, ow, w // ow))
        return cells.mean((-3, -1)) if reduce == "mean" else cells.amax((-3, -1))
    from .shape import stack
    rows = []
    for top, bottom in _adaptive_bounds(h, oh):
        row = [x[..., top:bottom, left:right] for left, right in _adaptive_bounds(w, ow)]
        rows.append(stack([c.mean((-2, -1)) if reduce == "mean" else c.amax((-2, -1)) for c in row], -1))
    return stack(rows, -2)


@register(al=False, F=True)
def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over the windows that split (H, W) into output_size = (oh, ow) cells (an int for both; None keeps
    that dim): (N, C, H, W) or (C, H, W) → (N, C, oh, ow) or (C, oh, ow). Cell (i, j) covers rows
    ⌊i·H/oh⌋ to ⌈(i + 1)·H/oh⌉ and the columns alike, as in PyTorch.  ∂L/∂x: G of a cell spread evenly over it."""
    return _adaptive_pool("adaptive_avg_pool2d", input, output_size, "mean")


@register(al=False, F=True)
def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max over the cells of adaptive_avg_pool2d: (N, C, H, W) or (C, H, W) → (N, C, oh, ow) or (C, oh, ow);
    with return_indices=True also each maximum's flat index h·W + w in its (H, W) plane (int64), as PyTorch.
    ∂L/∂x: G of a cell sent to its maximum."""
    out = _adaptive_pool("adaptive_max_pool2d", input, output_size, "max")
    if not return_indices:
        return out
    x, (h, w) = input.data, input.shape[-2:]
    oh, ow = out.shape[-2:]
    indices = np.empty(out.shape, dtype=np.int64)
    for i, (top, bottom) in enumerate(_adaptive_bounds(h, oh)):
        for j, (left, right) in enumerate(_adaptive_bounds(w, ow)):
            cell = x[..., top:bottom, left:right].reshape(x.shape[:-2] + (-1,))
            r, c = np.divmod(cell.argmax(-1), right - left)  # the first maximum, as PyTorch
            indices[..., i, j] = (top + r) * w + left + c
    return out, Tensor._make(indices)
