"""Winograd F(2×2, 3×3): a 3×3 "same" convolution (stride 1, padding 1) with 16 products per 2×2 output
tile instead of 36 multiply-adds per output pixel's 9 taps, i.e. 4/9 of the direct method's products.

With the 1-D matrices (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015)

    Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]
    G  = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]
    Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]

a 2×2 output tile of the cross-correlation of a 4×4 input tile d with a 3×3 filter g is
Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A.
Summed over channels, each of the 16 frequencies ξ of the 4×4 tiles is one matrix product:

    V_ξ = (Bᵀ·d·B)_ξ      (tiles × C)    the input tiles, 4×4 at stride 2 over x padded by 1
    U_ξ = (G·g·Gᵀ)_ξ      (C × F)        the filters
    M_ξ = V_ξ · U_ξ       (tiles × F)
    y   = Aᵀ·M·A          each tile's 2×2 outputs

The transforms are a few adds and subtracts on strided views of whole arrays (no per-tile Python), in chunks
of whole images so V and M stay in cache. The gradients are the adjoints: with dM = A·dY·Aᵀ per output tile,
dU_ξ = V_ξᵀ · dM_ξ and dW = Gᵀ·dU·G; dx is the same convolution of G with the flipped, channel-transposed
filters (a stride-1 "same" 3×3 convolution's input gradient is one).
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

# Channels (input and filters) from which Winograd replaces the shifted products; below, the products' K = C is
# too thin for BLAS and the transforms' passes weigh more.
WINOGRAD_MIN_CHANNELS = 32
# Tiles per chunk: V and M of 128 tiles × 64 channels are 512 KiB of float32 each; products (tiles × 64)·(64 × 64)
# ran ~110 GFLOP/s at 128 tiles, 89-93 at 256-1024, 69-74 at 2-4 Ki. The 16×16 layer's forward took 11.6 ms at 128,
# 12.3 at 256 and 13.3 at 64, and from 256 the ResNet step's peak memory went over PyTorch's.
WINOGRAD_TILES = 128
# Tiles of one image from which the shifted products take over: chunks are whole images, and V and M of a
# 64×64 image with 64 channels are already 4 MiB each (a 224×224 one's would be 51 MiB).
WINOGRAD_MAX_IMAGE_TILES = 1024
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def skewed_staging(images: int, channels: int, hw: tuple[int, int], dtype: Any) -> np.ndarray | None:
    """When a channel plane of hw is a multiple of 1 KiB, a (images, channels, H·W + 64 bytes) buffer to copy
    x through (`staged`) before a channels-last copy: reading one pixel's channels 1 KiB apart lands 16 of every
    64 in one L1 set (4 KiB aliasing), which made the 16×16 layers' loads 2× slower per element than the 8×8
    ones' (Winograd's: 1.0 ms against 0.5 staged). None for other planes."""
    plane, itemsize = hw[0] * hw[1], np.dtype(dtype).itemsize
    if plane * itemsize % 1024:
        return None
    return np.empty((images, channels, plane + 64 // itemsize), dtype)


def staged(staging: np.ndarray | None, x: np.ndarray) -> np.ndarray:
    """x (B, C, H, W) copied into `staging` (from `skewed_staging`), as a (B, C, H, W) view; x itself if None."""
    if staging is None:
        return x
    (b, c), plane = x.shape[:2], x.shape[2] * x.shape[3]
    view = staging[:b, :c, :plane]
    view[...] = x.reshape(view.shape)
    return view.reshape(x.shape)


def _filter_transform(w: np.ndarray) -> np.ndarray:
    """W (F, C, 3, 3) -> U (16, C, F): G·g·Gᵀ per (filter, channel), frequency ξ = 4·row + column."""
    rows = (w[:, :, 0], (w[:, :, 0] + w[:, :, 1] + w[:, :, 2]) * 0.5, (w[:, :, 0] - w[:, :, 1] + w[:, :, 2]) * 0.5,
            w[:, :, 2])  # G along the kernel's rows: each (F, C, 3)
    u = np.empty((4, 4) + w.shape[1::-1], w.dtype)
    for i, r in enumerate(rows):
        r = r.transpose(1, 0, 2)  # (C, F, 3)
        u[i, 0], u[i, 3] = r[..., 0], r[..., 2]
        u[i, 1] = (r[..., 0] + r[..., 1] + r[..., 2]) * 0.5
        u[i, 2] = (r[..., 0] - r[..., 1] + r[..., 2]) * 0.5
    return u.reshape(16, *u.shape[2:])


def _filter_transform_adjoint(du: np.ndarray) -> np.ndarray:
    """dU (16, C, F) -> dW (F, C, 3, 3) = Gᵀ·dU·G, the adjoint of `_filter_transform`."""
    du = du.reshape(4, 4, *du.shape[1:])
    half = 0.5 * du[:, 1], 0.5 * du[:, 2]
    cols = (du[:, 0] + half[0] + half[1], half[0] - half[1], half[0] + half[1] + du[:, 3])  # Gᵀ along columns
    dw = np.empty((du.shape[3], du.shape[2], 3, 3), du.dtype)
    for j, c in enumerate(cols):  # c (4, C, F): Gᵀ along rows
        half = 0.5 * c[1], 0.5 * c[2]
        dw[:, :, 0, j] = (c[0] + half[0] + half[1]).T
        dw[:, :, 1, j] = (half[0] - half[1]).T
        dw[:, :, 2, j] = (half[0] + half[1] + c[3]).T
    return dw


class Winograd:
    """conv2d of a 3×3 kernel at stride 1, padding 1, dilation 1, one group, by Winograd F(2×2, 3×3).

    The batch goes through in chunks of whole images (about `WINOGRAD_TILES` tiles). Per chunk, x is copied
    channels-last into a zero-padded buffer of 2·TH + 2 rows and 2·TW + 2 columns (TH = ⌈H/2⌉ tile rows: odd
    sizes get a zero row or column more, whose outputs are cropped), V is made from it, and the outputs
    Y (B, 2·TH, 2·TW, F) are copied back to (B, F, H, W).
    """

    def __init__(self, in_hw: tuple[int, int], images: int) -> None:
        self.hw = in_hw
        self.th, self.tw = -(-in_hw[0] // 2), -(-in_hw[1] // 2)
        self.step = max(1, min(images, WINOGRAD_TILES // (self.th * self.tw)))

    @staticmethod
    def applies(window: Any, groups: int, channels: int, filters: int, dtype: np.dtype) -> bool:
        """Whether `window` (a conv.Window) is a 3×3 "same" stride-1 convolution that Winograd runs faster, in
        float32 or float64 (integers would be truncated by the transforms' halves, float16 would round more)."""
        return (groups == 1 and min(channels, filters) >= WINOGRAD_MIN_CHANNELS and window.kernel == (3, 3)
                and window.stride == (1, 1) and window.padding == (1, 1) and window.dilation == (1, 1)
                and dtype in _FLOATS
                and -(-window.in_hw[0] // 2) * -(-window.in_hw[1] // 2) <= WINOGRAD_MAX_IMAGE_TILES)

    def chunks(self, n: int) -> Iterator[slice]:
        """The batch of n images in chunks of `step`."""
        return (slice(start, min(start + self.step, n)) for start in range(0, n, self.step))

    def padded(self, channels: int, dtype: np.dtype) -> np.ndarray:
        """A zeroed channels-last chunk buffer (B, 2·TH + 2, 2, TW + 1, C), padded column q at [q mod 2, q // 2]:
        the even and odd columns apart, so the tiles' columns 2j, 2j + 1, 2j + 2, 2j + 3 are contiguous runs
        of TW·C. Chunks overwrite the image; the border stays zero."""
        return np.zeros((self.step, 2 * self.th + 2, 2, self.tw + 1, channels), dtype)

    def load(self, padded: np.ndarray, x: np.ndarray, staging: np.ndarray | None) -> np.ndarray:
        """x's chunk (B, C, H, W) copied into the padded buffer (through `staging` if given); returns the chunk's
        part of the buffer."""
        (h, w), b = self.hw, x.shape[0]
        by_pixel = staged(staging, x).transpose(0, 2, 3, 1)
        padded[:b, 1:1 + h, 1, :(w + 1) // 2] = by_pixel[:, :, 0::2]  # x column k is padded column k + 1
        padded[:b, 1:1 + h, 0, 1:1 + w // 2] = by_pixel[:, :, 1::2]
        return padded[:b]

    def input_transform(self, padded: np.ndarray, rows: np.ndarray, v: np.ndarray) -> np.ndarray:
        """V = Bᵀ·d·B of every 4×4 tile d (stride 2) of a padded chunk, rows first (rows: scratch of
        (4, B, TH, 2, TW + 1, C)); returns v (16, B·TH·TW, C) filled."""
        b, th, tw = padded.shape[0], self.th, self.tw
        d = [padded[:, k:k + 2 * th:2] for k in range(4)]
        r = rows[:, :b]
        np.subtract(d[0], d[2], out=r[0])
        np.add(d[1], d[2], out=r[1])
        np.subtract(d[2], d[1], out=r[2])
        np.subtract(d[1], d[3], out=r[3])
        v = v[:, :b * th * tw]
        tiles = v.reshape(4, 4, b, th, tw, v.shape[2])  # (row i, column j, ...): each op below does all four rows
        even, odd = r[:, :, :, 0], r[:, :, :, 1]  # tile column j's columns are even[j], odd[j], even[j+1], odd[j+1]
        e = even[..., :tw, :], odd[..., :tw, :], even[..., 1:, :], odd[..., 1:, :]
        np.subtract(e[0], e[2], out=tiles[:, 0])
        np.add(e[1], e[2], out=tiles[:, 1])
        np.subtract(e[2], e[1], out=tiles[:, 2])
        np.subtract(e[1], e[3], out=tiles[:, 3])
        return v

    def scratch_rows(self, channels: int, dtype: np.dtype) -> np.ndarray:
        """Scratch for `input_transform`'s row stage."""
        return np.empty((4, self.step, self.th, 2, self.tw + 1, channels), dtype)

    def output_transform(self, m: np.ndarray, half: np.ndarray, scratch: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Y = Aᵀ·M·A per tile: m (16, B·TH·TW, F) -> y (B, 2·TH, 2·TW, F), columns first (half: scratch of
        (2, 4, B, TH, TW, F), scratch one of (2, B, TH, TW, F)); each op does all rows, then both output columns."""
        th, tw, f = self.th, self.tw, m.shape[2]
        b = m.shape[1] // (th * tw)
        m = m.reshape(4, 4, b, th, tw, f)
        a, t = half[:, :, :b], scratch[:, :b]  # a[e, i]: output column e of frequency row i
        np.add(m[:, 1], m[:, 2], out=a[0])
        np.subtract(m[:, 1], m[:, 2], out=a[1])
        a[0] += m[:, 0]
        a[1] -= m[:, 3]
        y = y[:b]
        np.add(a[:, 1], a[:, 2], out=t)
        np.add(t, a[:, 0], out=y[:, :, 0].transpose(3, 0, 1, 2, 4))
        np.subtract(a[:, 1], a[:, 2], out=t)
        np.subtract(t, a[:, 3], out=y[:, :, 1].transpose(3, 0, 1, 2, 4))
        return y.reshape(b, 2 * th, 2 * tw, f)

    def convolve(self, x: np.ndarray, u: np.ndarray, bias: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """The convolution of x (N, C, H, W) with transformed filters u (16, C, F), plus bias: (N, F, H, W)."""
        (n, c), f, (h, w), (th, tw) = x.shape[:2], u.shape[2], self.hw, (self.th, self.tw)
        tiles = self.step * th * tw
        out = np.empty((n, f, h, w), dtype)
        padded, staging = self.padded(c, dtype), skewed_staging(self.step, c, self.hw, dtype)
        rows = self.scratch_rows(c, dtype)
        v, m = np.empty((16, tiles, c), dtype), np.empty((16, tiles, f), dtype)
        half, scratch = np.empty((2, 4, self.step, th, tw, f), dtype), np.empty((2, self.step, th, tw, f), dtype)
        y = np.empty((self.step, th, 2, tw, 2, f), dtype)
        for chunk in self.chunks(n):
            vb = self.input_transform(self.load(padded, x[chunk], staging), rows, v)
            mb = np.matmul(vb, u, out=m[:, :vb.shape[1]])
            if bias is not None:  # M_ξ at ξ = (1, 1) reaches each of a tile's 4 outputs with weight 1
                mb[5] += bias
            yb = self.output_transform(mb, half, scratch, y)
            out[chunk] = yb[:, :h, :w].transpose(0, 3, 1, 2)  # (no gain through `staging` here)
        return out

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """conv2d(x, W, b, padding=1) as an (N, F, H, W) array of dtype."""
        u = _filter_transform(w.astype(dtype, copy=False))
        return self.convolve(x, u, None if b is None else b.astype(dtype, copy=False), dtype)

    def gradients(self, g: np.ndarray, x: np.ndarray | None, w: np.ndarray | None, x_shape: tuple[int, ...],
                  w_shape: tuple[int, ...]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(dx if w is given, dW if x is given) for G (N, F, H, W)."""
        dtype = np.result_type(*(a for a in (g, x, w) if a is not None))
        dx = None
        if w is not None:  # dx = conv2d(G, W flipped in both kernel axes with C and F swapped, padding=1)
            flipped = w.astype(dtype, copy=False)[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
            dx = self.convolve(g, _filter_transform(flipped), None, dtype)
        return dx, (self.weight_gradient(g, x, dtype) if x is not None else None)

    def weight_gradient(self, g: np.ndarray, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """dW (F, C, 3, 3): dU_ξ = Σ_chunks V_ξᵀ · dM_ξ with dM = A·dY·Aᵀ per output tile, then Gᵀ·dU·G.
        V is made again from x chunk by chunk (nothing is kept from the forward)."""
        (n, c), f, (th, tw) = x.shape[:2], g.shape[1], (self.th, self.tw)
        tiles = self.step * th * tw
        padded, padded_g = self.padded(c, dtype), self.padded(f, dtype)
        staging = skewed_staging(self.step, max(c, f), self.hw, dtype)
        rows = self.scratch_rows(c, dtype)
        v, dm = np.empty((16, tiles, c), dtype), np.empty((16, tiles, f), dtype)
        by_column = np.empty((self.step, th, 2, 4, tw, f), dtype)  # A along columns: (row parity, column j)
        du, du_scratch = np.zeros((16, c, f), dtype), np.empty((16, c, f), dtype)
        for chunk in self.chunks(n):
            vb = self.input_transform(self.load(padded, x[chunk], staging), rows, v)
            b = chunk.stop - chunk.start
            # G padded like x (zeros past an odd H or W): tile (t, u)'s outputs (2t + a, 2u + e) are padded rows
            # 2t + 1 + a, columns 2u + 1 (odd: [1, u]) and 2u + 2 (even: [0, u + 1])
            by_row = self.load(padded_g, g[chunk], staging)[:, 1:1 + 2 * th].reshape(b, th, 2, 2, tw + 1, f)
            # A along columns: (y0, y0 + y1, y0 − y1, −y1), the sign of −y1 left to dU's column 3 at the end;
            # then the same along rows, into dM's tiles (row i, column j, ...)
            y0, y1, q = by_row[:, :, :, 1, :tw], by_row[:, :, :, 0, 1:], by_column[:b]
            q[:, :, :, 0] = y0
            np.add(y0, y1, out=q[:, :, :, 1])
            np.subtract(y0, y1, out=q[:, :, :, 2])
            q[:, :, :, 3] = y1
            mb = dm[:, :vb.shape[1]]
            tiles_b = mb.reshape(4, 4, b, th, tw, f)
            q0, q1 = q[:, :, 0].transpose(2, 0, 1, 3, 4), q[:, :, 1].transpose(2, 0, 1, 3, 4)
            tiles_b[0] = q0
            np.add(q0, q1, out=tiles_b[1])
            np.subtract(q0, q1, out=tiles_b[2])
            tiles_b[3] = q1
            du += np.matmul(vb.transpose(0, 2, 1), mb, out=du_scratch)
        du = du.reshape(4, 4, c, f)
        du[3] *= -1
        du[:, 3] *= -1
        return _filter_transform_adjoint(du.reshape(16, c, f))
