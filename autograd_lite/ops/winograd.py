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

The input transform (and the gradient's dM) are a few adds and subtracts on views of whole arrays (no per-tile
Python), the output transform one (4 × 16)·(16 × tiles·F) product, in chunks of whole images so V and M stay
in cache. The gradients are the adjoints: with dM = A·dY·Aᵀ per output tile,
dU_ξ = V_ξᵀ · dM_ξ and dW = Gᵀ·dU·G; dx is the same convolution of G with the flipped, channel-transposed
filters (a stride-1 "same" 3×3 convolution's input gradient is one).

`StrideTwoWinograd` (below) runs a 3×3 stride-2 convolution with padding 1 as Winograd on x's four polyphase
components: 25 products per 2×2 output tile instead of 36.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
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
# NumPy's ufuncs (not its copies) pass an operand that is not contiguous through a buffer of `np.getbufsize()`
# elements (8192 by default) whenever its contiguous runs are shorter than that buffer: a strided subtract of
# (18 × 1024) float32 took 0.34 ns per element against 0.16 with the buffer at 512-2048 (and 0.12 contiguous).
# The transforms' strided passes run with the buffer at this size (the row stage's runs of ≥ 1024 elements then
# need none).
TRANSFORM_BUFSIZE = 1024


@contextmanager
def _unbuffered_runs() -> Iterator[None]:
    """Within the block, ufuncs use a `TRANSFORM_BUFSIZE` buffer (restored after)."""
    previous = np.setbufsize(TRANSFORM_BUFSIZE)
    try:
        yield
    finally:
        np.setbufsize(previous)


def skewed_staging(images: int, channels: int, hw: tuple[int, int], dtype: Any) -> np.ndarray | None:
    """When a channel plane of hw is a multiple of 1 KiB, a (images, channels, H·W + 64 bytes) buffer to copy
    x through (`staged`) before a channels-last copy: reading one pixel's channels 1 KiB apart lands 16 of every
    64 in one L1 set (4 KiB aliasing), which made the 16×16 layers' loads 2× slower per element than the 8×8
    ones' (Winograd's: 1.0 ms against 0.5 staged). None for other planes."""
    plane = hw[0] * hw[1]
    skew = _plane_skew(plane, dtype)
    return np.empty((images, channels, plane + skew), dtype) if skew else None


def _plane_skew(plane: int, dtype: Any) -> int:
    """Elements to pad a channel plane of `plane` elements by so that planes are not 1 KiB apart (64 bytes'
    worth when they would be, else 0): see `skewed_staging`."""
    itemsize = np.dtype(dtype).itemsize
    return 0 if plane * itemsize % 1024 else 64 // itemsize


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


def _compact(flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The first prod(shape) elements of a flat buffer as a C-contiguous array of `shape`: chunk buffers are laid
    out for the chunk's image count, so a shorter last chunk is contiguous too."""
    return flat[:math.prod(shape)].reshape(shape)


def _channels_last(x: np.ndarray, staging: np.ndarray | None, flat: np.ndarray) -> np.ndarray:
    """x's chunk (B, C, H, W) copied into `flat` as (B, H, W, C), through `staging` (`skewed_staging`) if given."""
    by_pixel = _compact(flat, (x.shape[0], *x.shape[2:], x.shape[1]))
    by_pixel[...] = staged(staging, x).transpose(0, 2, 3, 1)
    return by_pixel


_AT = ((1, 1, 1, 0), (0, 1, -1, -1))
_kron_squares: dict[tuple[tuple, np.dtype], np.ndarray] = {}


def _kron_square(matrix: tuple[tuple[int, ...], ...], dtype: np.dtype) -> np.ndarray:
    """matrix ⊗ matrix in dtype (made once per matrix and dtype): a 1-D transform applied along both axes of a
    tile at once, e.g. Aᵀ ⊗ Aᵀ (4 × 16), whose row 2a + e maps a tile's M (ξ = 4i + j) to its output (a, e),
    Σ_ij Aᵀ[a, i]·Aᵀ[e, j]·M_ij."""
    key = (matrix, np.dtype(dtype))
    if key not in _kron_squares:
        one = np.array(matrix, dtype)
        _kron_squares[key] = np.kron(one, one)
    return _kron_squares[key]


class ImageChunks:
    """A convolution path that runs the batch `step` images at a time (Winograd, its stride-2 form, and
    conv.py's shifted products), so that each chunk's buffers stay in cache."""
    step: int

    def chunks(self, n: int) -> Iterator[slice]:
        """The batch of n images in chunks of `step`."""
        return (slice(start, min(start + self.step, n)) for start in range(0, n, self.step))


class Winograd(ImageChunks):
    """conv2d of a 3×3 kernel at stride 1, padding 1, dilation 1, one group, by Winograd F(2×2, 3×3).

    The batch goes through in chunks of whole images (about `WINOGRAD_TILES` tiles). A chunk's tiles are
    ordered (tile column u, tile row t, image b), so that each transform pass is a few long contiguous runs
    (over image-major tiles, one run per tile row, the 16×16 layer's input transform passes took 2.4 ms per 64
    images; 1.6 in this order, before `TRANSFORM_BUFSIZE`, its load 0.25 ms more). Per chunk, x is
    copied channels-last, then into a zero-padded buffer (2, TW + 1, 2, TH + 1, B, C) that holds padded pixel
    (p, q) at [q mod 2, q // 2, p mod 2, p // 2] (TH = ⌈H/2⌉ tile rows: odd sizes get a zero row or column
    more, whose outputs are cropped): a tile's four rows are then blocks of whole tile rows (p // 2 and
    p // 2 + 1 of each row parity) and its four columns blocks of whole tile columns. V is made from it, and
    the outputs Y (2, 2, TW, TH, B, F) (output row and column within the tile first) are copied back to
    (B, F, H, W).
    """

    def __init__(self, in_hw: tuple[int, int], images: int) -> None:
        self.hw = self.out_hw = in_hw
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

    def tiles_shape(self, images: int, channels: int) -> tuple[int, ...]:
        """(4, 4, TW, TH, images, channels): frequency row and column, then the tiles in chunk order."""
        return (4, 4, self.tw, self.th, images, channels)

    def convolve(self, x: np.ndarray, u: np.ndarray, bias: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """The convolution of x (N, C, H, W) with transformed filters u (16, C, F), plus bias: (N, F, H, W)."""
        (n, c), f = x.shape[:2], u.shape[2]
        out = np.empty((n, f, *self.hw), dtype)
        tiles, outputs = _InputTiles(self, c, dtype), _Outputs(self, f, dtype)
        with _unbuffered_runs():
            for chunk in self.chunks(n):
                tiles.channels_last(x[chunk])
                outputs(tiles.transform(chunk.stop - chunk.start), u, bias, out[chunk])
        return out

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """conv2d(x, W, b, padding=1) as an (N, F, H, W) array of dtype."""
        u = _filter_transform(w.astype(dtype, copy=False))
        return self.convolve(x, u, None if b is None else b.astype(dtype, copy=False), dtype)

    def gradients(self, g: np.ndarray, x: np.ndarray | None, w: np.ndarray | None, x_shape: tuple[int, ...],
                  w_shape: tuple[int, ...]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(dx if w is given, dW if x is given) for G (N, F, H, W), in one pass over the chunks: each chunk of
        G is copied channels-last once for both.

        dx = conv2d(G, W flipped in both kernel axes with C and F swapped, padding=1); dW (F, C, 3, 3):
        dU_ξ = Σ_chunks V_ξᵀ · dM_ξ with dM = A·dY·Aᵀ per output tile, then Gᵀ·dU·G, V made again from x
        chunk by chunk (nothing is kept from the forward)."""
        dtype = np.result_type(*(a for a in (g, x, w) if a is not None))
        (n, c), f = x_shape[:2], w_shape[0]
        g_tiles = _InputTiles(self, f, dtype)  # G channels-last and, for dx, its V
        if w is not None:
            flipped = w.astype(dtype, copy=False)[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
            u_back, dx, outputs = _filter_transform(flipped), np.empty(x_shape, dtype), _Outputs(self, c, dtype)
        if x is not None:
            x_tiles, adjoint = _InputTiles(self, c, dtype), _OutputAdjoint(self, g_tiles, dtype)
            du, du_scratch = np.zeros((16, c, f), dtype), np.empty((16, c, f), dtype)
        with _unbuffered_runs():
            for chunk in self.chunks(n):
                images = chunk.stop - chunk.start
                g_tiles.channels_last(g[chunk])
                if w is not None:
                    outputs(g_tiles.transform(images), u_back, None, dx[chunk])
                if x is not None:
                    x_tiles.channels_last(x[chunk])
                    du += np.matmul(x_tiles.transform(images).transpose(0, 2, 1), adjoint(images), out=du_scratch)
        if x is None:
            return dx, None
        du = du.reshape(4, 4, c, f)
        du[3] *= -1
        du[:, 3] *= -1
        return (dx if w is not None else None), _filter_transform_adjoint(du.reshape(16, c, f))


class _Chunked:
    """Per-call chunk buffers whose views (made once per chunk size: NumPy's slicing and transposes cost ~1 µs
    each, ~40 µs a chunk in all) are kept in `plan`; `layout(images)` makes them again for a shorter last chunk."""
    images: int | None = None
    plan: Any = None

    def layout(self, images: int) -> Any:
        """The views for a chunk of `images`, made by `make_plan` when the chunk size changes."""
        if images != self.images:
            self.plan, self.images = self.make_plan(images), images
        return self.plan

    def make_plan(self, images: int) -> Any:
        raise NotImplementedError

    def run(self, images: int) -> np.ndarray:
        """For a plan of (copies, ufunc passes, result): the copies, then the passes, for a chunk of `images`;
        returns the result view."""
        copies, ops, result = self.layout(images)
        for slot, part in copies:
            np.copyto(slot, part)
        for op, a, b, out in ops:
            op(a, b, out=out)
        return result


class _InputTiles(_Chunked):
    """One call's buffers that turn chunks of (B, C, H, W) images into V = Bᵀ·d·B of their 4×4 tiles d
    (stride 2 over the image padded by 1): (16, tiles, C), tiles in `Winograd`'s chunk order."""

    def __init__(self, winograd: Winograd, channels: int, dtype: np.dtype) -> None:
        step, (h, w) = winograd.step, winograd.hw
        self.winograd, self.channels, self.dtype = winograd, channels, dtype
        self.staging = skewed_staging(step, channels, (h, w), dtype)
        self.by_pixel = np.empty(step * h * w * channels, dtype)
        self.padded = self.rows = self.v = None  # made at the first `transform` (dW reads G by pixel only)

    def channels_last(self, x: np.ndarray) -> np.ndarray:
        """x's chunk (B, C, H, W) copied into this call's buffer as (B, H, W, C), which `transform` reads."""
        return _channels_last(x, self.staging, self.by_pixel)

    def transform(self, images: int) -> np.ndarray:
        """V (16, tiles, C) of the chunk of `images` last copied by `channels_last`: the padded copy, then rows,
        then columns."""
        return self.run(images)

    def make_plan(self, images: int) -> tuple[list, list, np.ndarray]:
        (h, w), c, step = self.winograd.hw, self.channels, self.winograd.step
        th, tw = self.winograd.th, self.winograd.tw
        if self.padded is None:
            self.padded = np.zeros(4 * (tw + 1) * (th + 1) * step * c, self.dtype)
            self.rows = np.empty(8 * (tw + 1) * th * step * c, self.dtype)
            self.v = np.empty(16 * tw * th * step * c, self.dtype)
        else:  # a shorter last chunk: its layout differs, so the zero border is laid out again
            self.padded.fill(0)
        by_pixel = _compact(self.by_pixel, (images, h, w, c))
        padded = _compact(self.padded, (2, tw + 1, 2, th + 1, images, c))
        copies = []
        for row_parity in (0, 1):  # x row k is padded row k + 1: padded rows of this parity hold x rows
            for column_parity in (0, 1):  # 1 − parity, 3 − parity, ... (likewise columns)
                part = by_pixel[:, 1 - row_parity::2, 1 - column_parity::2]
                r0, c0 = 1 - row_parity, 1 - column_parity  # their first padded row // 2 and column // 2
                slot = padded[column_parity, c0:c0 + part.shape[2], row_parity, r0:r0 + part.shape[1]]
                copies.append((slot, part.transpose(2, 1, 0, 3)))
        # rows: tile row t's padded rows 2t + k are [k mod 2, t + k // 2], whole blocks for all t
        d = [padded[:, :, k % 2, k // 2:k // 2 + th] for k in range(4)]  # each (2, TW + 1, TH, B, C)
        r = _compact(self.rows, (4, 2, tw + 1, th, images, c))
        # columns: tile column u's columns are even[u], odd[u], even[u + 1], odd[u + 1]; each op does all four
        # frequency rows
        tiles = _compact(self.v, self.winograd.tiles_shape(images, c))
        even, odd = r[:, 0], r[:, 1]
        e = even[:, :tw], odd[:, :tw], even[:, 1:], odd[:, 1:]
        ops = [(np.subtract, d[0], d[2], r[0]), (np.add, d[1], d[2], r[1]), (np.subtract, d[2], d[1], r[2]),
               (np.subtract, d[1], d[3], r[3]),
               (np.subtract, e[0], e[2], tiles[:, 0]), (np.add, e[1], e[2], tiles[:, 1]),
               (np.subtract, e[2], e[1], tiles[:, 2]), (np.subtract, e[1], e[3], tiles[:, 3])]
        return copies, ops, tiles.reshape(16, -1, c)


class _Outputs(_Chunked):
    """One call's buffers for a chunk's M = V·U (+ bias) and Y = Aᵀ·M·A per tile, written into (B, F, H, W).

    The output transform is one product (4 × 16)·(16 × tiles·F) by Aᵀ ⊗ Aᵀ (Y[2a + e] is output pixel
    (2t + a, 2u + e) of tile (t, u)): the eight add/subtract passes it replaced took ~3× as long. Y then goes
    through y (B, 2·TH, 2·TW, F) into the NCHW output."""
    frequencies = 16
    bias_frequency = 5  # M_ξ at ξ = (1, 1) reaches each of a tile's 4 outputs with weight 1
    output_transform = _AT  # the 1-D Aᵀ: the product's matrix is Aᵀ ⊗ Aᵀ

    def __init__(self, winograd: Any, filters: int, dtype: np.dtype) -> None:
        size = winograd.step * winograd.th * winograd.tw * filters
        self.winograd, self.filters, self.matrix = winograd, filters, _kron_square(self.output_transform, dtype)
        self.m, self.by_tile, self.y = (np.empty(k * size, dtype) for k in (self.frequencies, 4, 4))

    def __call__(self, v: np.ndarray, u: np.ndarray, bias: np.ndarray | None, out: np.ndarray) -> None:
        """The outputs of a chunk's V (ξ, tiles, C) with filters u (ξ, C, F) (+ bias) into out (B, F, OH, OW)."""
        m, outputs, reorder, by_pixel = self.layout(out.shape[0])
        np.matmul(v, u, out=m)
        if bias is not None:
            m[self.bias_frequency] += bias
        np.matmul(self.matrix, m.reshape(self.frequencies, -1), out=outputs)
        np.copyto(*reorder)
        out[...] = by_pixel

    def make_plan(self, images: int) -> tuple:
        (th, tw), f, (h, w) = (self.winograd.th, self.winograd.tw), self.filters, self.winograd.out_hw
        m = _compact(self.m, (self.frequencies, images * th * tw, f))
        outputs = _compact(self.by_tile, (4, images * th * tw * f))
        y = _compact(self.y, (images, th, 2, tw, 2, f))
        reorder = y, self.by_pixel(outputs, images)
        return m, outputs, reorder, y.reshape(images, 2 * th, 2 * tw, f)[:, :h, :w].transpose(0, 3, 1, 2)

    def by_pixel(self, outputs: np.ndarray, images: int) -> np.ndarray:
        """The (4, tiles·F) outputs as a (B, TH, 2, TW, 2, F) view; tiles in `Winograd`'s order (u, t, b)."""
        th, tw = self.winograd.th, self.winograd.tw
        return outputs.reshape(2, 2, tw, th, images, self.filters).transpose(4, 3, 0, 2, 1, 5)


class _OutputAdjoint(_Chunked):
    """One call's dM = A·dY·Aᵀ per output tile, (16, tiles, F), from the chunk of G that `g_tiles` holds
    channels-last. A along columns is (y0, y0 + y1, y0 − y1, −y1), the sign of −y1 left to the caller's dU
    column 3 (and likewise row 3). Zeros past an odd H or W stay zero between chunks of one size."""

    def __init__(self, winograd: Winograd, g_tiles: _InputTiles, dtype: np.dtype) -> None:
        self.winograd, self.g_tiles = winograd, g_tiles
        self.dm = np.zeros(16 * winograd.step * winograd.th * winograd.tw * g_tiles.channels, dtype)

    def __call__(self, images: int) -> np.ndarray:
        """dM (16, tiles, F) of the chunk of `images` that `g_tiles` holds."""
        return self.run(images)

    def make_plan(self, images: int) -> tuple[list, list, np.ndarray]:
        (h, w), f = self.winograd.hw, self.g_tiles.channels
        if self.images is not None:  # a shorter last chunk: another layout, whose gaps must be zero
            self.dm.fill(0)
        by_pixel = _compact(self.g_tiles.by_pixel, (images, h, w, f))
        tiles = _compact(self.dm, self.winograd.tiles_shape(images, f))
        copies = []
        for a in (0, 1):  # the tile's output pixel (2t + a, 2u + e) goes to the corners ξ = (3a, 3e)
            for e in (0, 1):
                part = by_pixel[:, a::2, e::2]
                copies.append((tiles[3 * a, 3 * e, :part.shape[2], :part.shape[1]], part.transpose(2, 1, 0, 3)))
        corners = tiles[::3]  # rows 0 and 3: columns first, then rows
        ops = [(np.add, corners[:, 0], corners[:, 3], corners[:, 1]),
               (np.subtract, corners[:, 0], corners[:, 3], corners[:, 2]),
               (np.add, tiles[0], tiles[3], tiles[1]), (np.subtract, tiles[0], tiles[3], tiles[2])]
        return copies, ops, tiles.reshape(16, -1, f)


# ----- stride 2: Winograd on the four polyphase components ------------------------------------------------------
# A 3×3 stride-2 convolution (padding 1) is the sum of four stride-1 ones: the even/odd row/column phases of the
# padded x with the kernel's 2×2, 2×1, 1×2 and 1×1 sub-kernels. Along one axis, a 2-output tile reads padded
# positions d0..d4 (4t to 4t + 4); the even taps (g0, g2) run as Winograd F(2, 2) on d0, d2, d4 (3 products for
# 2 outputs) and the odd tap g1 directly on d1, d3 (2 products):
#
#     y0 = d0·g0 + d1·g1 + d2·g2 = (d0 − d2)·g0 + d2·(g0 + g2) + d1·g1
#     y1 = d2·g0 + d3·g1 + d4·g2 = (d4 − d2)·g2 + d2·(g0 + g2) + d3·g1
#
# Frequencies, in this order: d1, d2, d3 (x itself, no arithmetic), d0 − d2, d4 − d2. In 2-D a 2×2 output tile
# takes 5 × 5 = 25 products (tiles × C)·(C × F) instead of 4 × 9 = 36 direct, all transforms 0/±1 (exact).
_POLY_G = ((0, 1, 0), (1, 0, 1), (0, 1, 0), (1, 0, 0), (0, 0, 1))  # frequency × kernel tap
_POLY_AT = ((1, 1, 0, 1, 0), (0, 1, 1, 0, 1))  # output × frequency
# Tiles per chunk of `StrideTwoWinograd`: the ResNet's stride-2 layer (16 tiles an image) ran as fast at 64 as at 128
# (forward 4.55 / 4.50 ms, dx + dW 9.89 / 10.11 alone, busy machine; whole step within noise), and at 128 the buffers
# (V and M are 25 × tiles × C) raised the step's peak memory from 16.8 to 18.7 MiB; 256 was slower. Chunks are whole
# images: larger ones take the shifted products (16 images of 64×64, 256 tiles each: dx + dW 53 ms against 46).
STRIDE_TWO_TILES = 64


class StrideTwoWinograd(ImageChunks):
    """conv2d of a 3×3 kernel at stride 2, padding 1, dilation 1, one group, by Winograd on x's four polyphase
    components (above): 25 products per 2×2 output tile, 69% of the direct method's and 62% of `Shifted`'s (whose
    junk columns add 1/9).

    x's padded positions 4t + k fall into four classes k; class k of x's rows is x row 4t + k − 1, class 0 being
    rows 4t − 1 (a zero row for t = 0). A chunk of B images is staged (B, C, 4·TH, 4·TW) (TH = ⌈OH/2⌉ tile rows,
    zeros past H and W), and its pixels copied channels-last by class straight into V (25, tiles, C) for the nine
    frequencies that are x itself, and into three (class-0 rows, class-0 columns, both) buffers with a zero first
    row or column; four subtract passes make the other 16 frequencies (tiles ordered (t, u, b), so every pass is a
    few long runs). Then M = V·U (one stacked product), Y = (Aᵀ ⊗ Aᵀ)·M (4 × 25) and Y back to (B, F, OH, OW).
    The gradients are the adjoints: dM = (A ⊗ A)·dY, dU_ξ = V_ξᵀ·dM_ξ, dW = (G ⊗ G)ᵀ·dU; dV_ξ = dM_ξ·U_ξᵀ and
    the input transform's adjoint (the subtract passes reversed), unloaded by class into dx.
    """

    def __init__(self, window: Any, images: int) -> None:
        self.hw, self.out_hw = window.in_hw, window.out_hw
        self.th, self.tw = -(-self.out_hw[0] // 2), -(-self.out_hw[1] // 2)
        self.step = max(1, min(images, STRIDE_TWO_TILES // (self.th * self.tw)))

    @staticmethod
    def applies(window: Any, groups: int, channels: int, filters: int, dtype: np.dtype) -> bool:
        """Whether `window` (a conv.Window) is a 3×3 stride-2 convolution with padding 1 that this runs faster: in
        float32 or float64, at most `STRIDE_TWO_TILES` tiles an image."""
        return (groups == 1 and min(channels, filters) >= WINOGRAD_MIN_CHANNELS and window.kernel == (3, 3)
                and window.stride == (2, 2) and window.padding == (1, 1) and window.dilation == (1, 1)
                and dtype in _FLOATS and -(-window.out_hw[0] // 2) * -(-window.out_hw[1] // 2) <= STRIDE_TWO_TILES)

    @staticmethod
    def filters(w: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """W (F, C, 3, 3) -> U (25, C, F) = (G ⊗ G)·W's taps."""
        f, c = w.shape[:2]
        taps = w.astype(dtype, copy=False).transpose(2, 3, 1, 0).reshape(9, c * f)
        return (_kron_square(_POLY_G, dtype) @ taps).reshape(25, c, f)

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
        """conv2d(x, W, b, stride=2, padding=1) as an (N, F, OH, OW) array of dtype."""
        (n, c), f = x.shape[:2], w.shape[0]
        u = self.filters(w, dtype)
        bias = None if b is None else b.astype(dtype, copy=False)
        out = np.empty((n, f, *self.out_hw), dtype)
        tiles, outputs = _PolyTiles(self, c, dtype), _PolyOutputs(self, f, dtype)
        with _unbuffered_runs():
            for chunk in self.chunks(n):
                v = tiles(x[chunk])
                outputs(v, u, bias, out[chunk])
        return out

    def gradients(self, g: np.ndarray, x: np.ndarray | None, w: np.ndarray | None, x_shape: tuple[int, ...],
                  w_shape: tuple[int, ...]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(dx if w is given, dW if x is given) for G (N, F, OH, OW), in one pass over the chunks (G's dM serves
        both); V is made again from x chunk by chunk (nothing is kept from the forward)."""
        dtype = np.result_type(*(a for a in (g, x, w) if a is not None))
        (n, c), f = x_shape[:2], w_shape[0]
        adjoint = _PolyOutputAdjoint(self, f, dtype)
        if w is not None:
            u_back = np.ascontiguousarray(self.filters(w, dtype).transpose(0, 2, 1))  # (25, F, C)
            dx, scatter = np.empty(x_shape, dtype), _PolyTilesAdjoint(self, c, dtype)
        if x is not None:
            tiles = _PolyTiles(self, c, dtype)
            du, du_scratch = np.zeros((25, c, f), dtype), np.empty((25, c, f), dtype)
        with _unbuffered_runs():
            for chunk in self.chunks(n):
                dm = adjoint(g[chunk])
                if w is not None:
                    scatter(dm, u_back, dx[chunk])
                if x is not None:
                    du += np.matmul(tiles(x[chunk]).transpose(0, 2, 1), dm, out=du_scratch)
        if x is None:
            return dx, None
        taps = _kron_square(_POLY_G, dtype).T @ du.reshape(25, c * f)  # (9, C·F)
        dw = np.ascontiguousarray(taps.reshape(3, 3, c, f).transpose(3, 2, 0, 1))
        return (dx if w is not None else None), dw


def _poly_staging(poly: StrideTwoWinograd, images: int, channels: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """A zeroed (images, channels, 4·TH, 4·TW) buffer (each plane skewed by 64 bytes when it is a multiple of 1 KiB:
    see `skewed_staging`) and its (images, channels, H, W) corner that x's chunks are copied into."""
    (h, w), th, tw = poly.hw, poly.th, poly.tw
    plane = 16 * th * tw
    flat = np.zeros((images, channels, plane + _plane_skew(plane, dtype)), dtype)
    full = flat[:, :, :plane].reshape(images, channels, 4 * th, 4 * tw)
    return full, full[:, :, :h, :w]


def _classes(full: np.ndarray) -> np.ndarray:
    """A staged (B, C, 4·TH, 4·TW) buffer as (TH, row class, TW, column class, B, C): x row 4t + k at [t, k]."""
    b, c, h4, w4 = full.shape
    return full.reshape(b, c, h4 // 4, 4, w4 // 4, 4).transpose(2, 3, 4, 5, 0, 1)


class _PolyTiles(_Chunked):
    """One call's buffers turning chunks of B images (B, C, H, W) into V (25, tiles, C) of `StrideTwoWinograd`,
    frequencies (row, column) in its order, tiles (t, u, b). Padded positions 4t + k: class k ∈ {1, 2, 3} is x's
    4t + k − 1 (frequencies 0, 1, 2 along that axis), class 0 is x's 4t − 1 (zero at t = 0). The buffers r0
    (3, TH + 1, TW, B, C), c0 (3, TH, TW + 1, B, C) and both (TH + 1, TW + 1, B, C) hold class 0 of the rows, of the
    columns, and of both, their first row / column zero."""

    def __init__(self, poly: StrideTwoWinograd, channels: int, dtype: np.dtype) -> None:
        self.poly, self.channels, self.dtype = poly, channels, dtype

    corner: np.ndarray  # the staging buffer's (B, C, H, W) corner that a chunk of x is copied into

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """V (25, tiles, C) of the chunk x (B, C, H, W): x into the staging buffer, then the plan's copies and
        subtract passes."""
        self.layout(x.shape[0])
        np.copyto(self.corner, x)
        return self.run(x.shape[0])

    def make_plan(self, images: int) -> tuple:
        th, tw, c, dtype = self.poly.th, self.poly.tw, self.channels, self.dtype
        full, self.corner = _poly_staging(self.poly, images, c, dtype)
        x = _classes(full)  # (TH, 4, TW, 4, B, C)
        v = np.empty((5, 5, th, tw, images, c), dtype)
        r0 = np.zeros((3, th + 1, tw, images, c), dtype)
        c0 = np.zeros((3, th, tw + 1, images, c), dtype)
        both = np.zeros((th + 1, tw + 1, images, c), dtype)
        q = np.empty((2, th, tw + 1, images, c), dtype)
        # class k ∈ {1, 2, 3} of padded rows is x row class k − 1; class 0 (t ≥ 1) is x row class 3 of tile t − 1
        copies = [(v[:3, :3], x[:, :3, :, :3].transpose(1, 3, 0, 2, 4, 5)),
                  (r0[:, 1:], x[:, 3, :, :3].transpose(2, 0, 1, 3, 4)),
                  (c0[:, :, 1:], x[:, :3, :, 3].transpose(1, 0, 2, 3, 4)),
                  (both[1:, 1:], x[:, 3, :, 3])]
        # d0 − d2 and d4 − d2 along rows, then columns: windows k = 0, 1 of the class-0 buffers minus class 2
        ops = [(np.subtract, _windows(r0, 1, th), v[1, :3], v[3:, :3]),
               (np.subtract, _windows(c0, 2, tw), v[:3, 1], v[:3, 3:].transpose(1, 0, 2, 3, 4, 5)),
               (np.subtract, _windows(both, 0, th), c0[1], q),
               (np.subtract, _windows(q, 2, tw).transpose(1, 0, 2, 3, 4, 5), v[3:, 1][:, None], v[3:, 3:])]
        return copies, ops, v.reshape(25, th * tw * images, c)


def _windows(a: np.ndarray, axis: int, size: int) -> np.ndarray:
    """The two overlapping views a[..., 0:size, ...] and a[..., 1:size + 1, ...] along `axis` (of length size + 1),
    stacked as a new first axis (no copy)."""
    strides = (a.strides[axis],) + a.strides
    shape = (2,) + a.shape[:axis] + (size,) + a.shape[axis + 1:]
    return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)


class _PolyOutputs(_Outputs):
    """One call's buffers for a chunk's M = V·U (+ bias), Y = (Aᵀ ⊗ Aᵀ)·M and Y into (B, F, OH, OW) through a
    channels-last y (B, 2·TH, 2·TW, F); tiles in `StrideTwoWinograd`'s order (t, u, b)."""
    frequencies = 25
    bias_frequency = 6  # (d2, d2) reaches each of a tile's 4 outputs with weight 1
    output_transform = _POLY_AT

    def by_pixel(self, outputs: np.ndarray, images: int) -> np.ndarray:
        th, tw = self.winograd.th, self.winograd.tw
        return outputs.reshape(2, 2, th, tw, images, self.filters).transpose(4, 2, 0, 3, 1, 5)


class _PolyOutputAdjoint(_Chunked):
    """One call's dM = (A ⊗ A)·dY (25, tiles, F) for chunks of G (B, F, OH, OW): G copied by output parity into dY
    (2, 2, TH, TW, B, F), whose entries past an odd OH or OW stay zero."""

    def __init__(self, poly: StrideTwoWinograd, filters: int, dtype: np.dtype) -> None:
        self.poly, self.filters, self.matrix = poly, filters, _kron_square(_POLY_AT, dtype).T
        size = poly.step * poly.th * poly.tw * filters
        self.dy, self.dm = np.zeros(4 * size, dtype), np.empty(25 * size, dtype)

    def __call__(self, g: np.ndarray) -> np.ndarray:
        """dM (25, tiles, F) of the chunk g (B, F, OH, OW)."""
        slots, dy, dm = self.layout(g.shape[0])
        for (a, e), slot in slots:
            np.copyto(slot, g[:, :, a::2, e::2].transpose(2, 3, 0, 1))
        np.matmul(self.matrix, dy, out=dm)
        return dm.reshape(25, -1, self.filters)

    def make_plan(self, images: int) -> tuple:
        (th, tw), (oh, ow), f = (self.poly.th, self.poly.tw), self.poly.out_hw, self.filters
        if self.images is not None:  # a shorter last chunk: another layout, whose gaps must be zero
            self.dy.fill(0)
        dy = _compact(self.dy, (2, 2, th, tw, images, f))
        slots = [((a, e), dy[a, e, :len(range(a, oh, 2)), :len(range(e, ow, 2))]) for a in (0, 1) for e in (0, 1)]
        return slots, dy.reshape(4, -1), _compact(self.dm, (25, th * tw * images * f))


class _PolyTilesAdjoint(_Chunked):
    """One call's buffers for dx of a chunk: dV_ξ = dM_ξ·U_ξᵀ, then the adjoint of `_PolyTiles` (its subtract passes
    reversed, each window's share added back), unloaded by class into a channels-last buffer (runs of C; straight into
    dx's NCHW chunk, the copies took 1.5 ms per 64 images of 16×16 against 0.8 with this one), then into dx."""

    def __init__(self, poly: StrideTwoWinograd, channels: int, dtype: np.dtype) -> None:
        self.poly, self.channels, self.dtype = poly, channels, dtype

    def __call__(self, dm: np.ndarray, u_back: np.ndarray, dx: np.ndarray) -> None:
        """dx's chunk (B, C, H, W) from dM (25, tiles, F) and u_back (25, F, C)."""
        dv_flat, dv, dq, dr0, dc0, dboth, copies, corner = self.layout(dx.shape[0])
        np.matmul(dm, u_back, out=dv_flat)
        # the last subtract pass: V[3 + kr, 3 + kc] = q[kr][:, kc:kc + TW] − V[3 + kr, 1]
        _add_windows(dq, 2, dv[3:, 3], dv[3:, 4])
        dv[3:, 1] -= dv[3:, 3]
        dv[3:, 1] -= dv[3:, 4]
        # the third: q[k] = both[k:k + TH] − c0[1]; the second: V[fr, 3 + kc] = c0[fr][:, kc:kc + TW] − V[fr, 1]
        _add_windows(dboth, 0, dq[0], dq[1])
        _add_windows(dc0, 2, dv[:3, 3], dv[:3, 4])
        dc0[1] -= dq[0]
        dc0[1] -= dq[1]
        dv[:3, 1] -= dv[:3, 3]
        dv[:3, 1] -= dv[:3, 4]
        # the first: V[3 + kr, fc] = r0[fc][kr:kr + TH] − V[1, fc]
        _add_windows(dr0, 1, dv[3, :3], dv[4, :3])
        dv[1, :3] -= dv[3, :3]
        dv[1, :3] -= dv[4, :3]
        for slot, part in copies:
            np.copyto(slot, part)
        np.copyto(dx, corner)

    def make_plan(self, images: int) -> tuple:
        th, tw, c, dtype, (h, w) = self.poly.th, self.poly.tw, self.channels, self.dtype, self.poly.hw
        by_pixel = np.empty((images, 4 * th, 4 * tw, c), dtype)
        x = by_pixel.reshape(images, th, 4, tw, 4, c).transpose(1, 2, 3, 4, 0, 5)  # (TH, 4, TW, 4, B, C)
        dv_flat = np.empty((25, th * tw * images, c), dtype)
        dv = dv_flat.reshape(5, 5, th, tw, images, c)
        dq = np.empty((2, th, tw + 1, images, c), dtype)
        dr0 = np.empty((3, th + 1, tw, images, c), dtype)
        dc0 = np.empty((3, th, tw + 1, images, c), dtype)
        dboth = np.empty((th + 1, tw + 1, images, c), dtype)
        copies = [(x[:, :3, :, :3], dv[:3, :3].transpose(2, 0, 3, 1, 4, 5)),
                  (x[:, 3, :, :3], dr0[:, 1:].transpose(1, 2, 0, 3, 4)),
                  (x[:, :3, :, 3], dc0[:, :, 1:].transpose(1, 0, 2, 3, 4)),
                  (x[:, 3, :, 3], dboth[1:, 1:])]
        return dv_flat, dv, dq, dr0, dc0, dboth, copies, by_pixel[:, :h, :w].transpose(0, 3, 1, 2)


def _add_windows(out: np.ndarray, axis: int, first: np.ndarray, second: np.ndarray) -> None:
    """The adjoint of reading windows 0 and 1 of `out` along `axis` (length n + 1): out = first at 0:n, plus second
    at 1:n + 1."""
    n = first.shape[axis]
    head, tail = [slice(None)] * out.ndim, [slice(None)] * out.ndim
    head[axis], tail[axis] = slice(0, n), slice(n, n + 1)
    np.copyto(out[tuple(head)], first)
    out[tuple(tail)] = 0
    tail[axis] = slice(1, n + 1)
    out[tuple(tail)] += second
