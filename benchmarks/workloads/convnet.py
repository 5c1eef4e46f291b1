"""Workload 2: the homework ConvNet training step (ThreeLayerConvNet), float32.

x (50, 3, 32, 32) → conv 32 filters 7×7 pad 3 → ReLU → 2×2 max pool → affine 8192→100 → ReLU
→ affine 100→10 → mean softmax cross-entropy, backward, SGD update."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .common import Library, hips_sgd_step, hips_softmax_ce, np_softmax_ce, rng, sgd_step, shared_builders

NAME = "convnet"
TITLE = "2. ConvNet step: x (50, 3, 32, 32) float32, conv 32×7×7 pad 3 → ReLU → pool → 100 → 10, fwd+bwd+SGD"
PER_OP = False
MAX_REPEATS, MAX_WARMUP = 9, 2  # HIPS autograd takes seconds per step
LR = 1e-3
PAD = 3


def make_spec(quick: bool) -> dict[str, Any]:
    n, c, hw, f, k, hidden, classes = (4, 3, 8, 4, 3, 8, 10) if quick else (50, 3, 32, 32, 7, 100, 10)
    r = rng(2)
    f32 = np.float32
    flat = f * (hw // 2) ** 2
    return {
        "x": r.standard_normal((n, c, hw, hw)).astype(f32), "y": r.integers(0, classes, n),
        "pad": (k - 1) // 2,
        "params": [(r.standard_normal((f, c, k, k)) / np.sqrt(c * k * k)).astype(f32), np.zeros(f, f32),
                   (r.standard_normal((flat, hidden)) / np.sqrt(flat)).astype(f32), np.zeros(hidden, f32),
                   (r.standard_normal((hidden, classes)) / np.sqrt(hidden)).astype(f32), np.zeros(classes, f32)],
    }


def flops(spec: dict) -> float:
    """Matmul FLOPs: conv forward and its weight gradient (x needs no grad), three for each affine but
    the first affine's input gradient is needed (it flows into the conv) — 3 per affine."""
    n, c, h, w = spec["x"].shape
    f, _, k, _ = spec["params"][0].shape
    conv = 2.0 * n * f * h * w * c * k * k
    (flat, hidden), classes = spec["params"][2].shape, spec["params"][4].shape[1]
    return 2 * conv + 3 * 2.0 * n * (flat * hidden + hidden * classes)


def build_numpy(spec: dict) -> Callable[[], float]:
    """im2col on a strided view (channels-last inside), one matmul per conv pass."""
    x, y, pad = spec["x"], spec["y"], spec["pad"]
    W1, b1, W2, b2, W3, b3 = params = [p.copy() for p in spec["params"]]
    n, c, h, w = x.shape
    f, _, k, _ = W1.shape

    def step() -> float:
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        # rows of (N, H, W) × columns (C, k, k): one strided copy
        cols = np.ascontiguousarray(sliding_window_view(xp, (k, k), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5))
        cols = cols.reshape(n * h * w, c * k * k)
        conv = cols @ W1.reshape(f, -1).T  # (N·H·W, F), channels last
        conv += b1
        np.maximum(conv, 0, out=conv)
        windows = conv.reshape(n, h // 2, 2, w // 2, 2, f)
        pooled = windows.max(axis=(2, 4))  # (N, H/2, W/2, F)
        flat = np.ascontiguousarray(pooled.transpose(0, 3, 1, 2)).reshape(n, -1)
        hidden = flat @ W2
        hidden += b2
        np.maximum(hidden, 0, out=hidden)
        scores = hidden @ W3 + b3
        loss, dscores = np_softmax_ce(scores, y)
        dW3, db3 = hidden.T @ dscores, dscores.sum(0)
        dhidden = dscores @ W3.T
        dhidden *= hidden > 0
        dW2, db2 = flat.T @ dhidden, dhidden.sum(0)
        dpooled = (dhidden @ W2.T).reshape(n, f, h // 2, w // 2).transpose(0, 2, 3, 1)
        # the max routes G to its window's winner; ReLU zeros (ties) get G·0 from the ReLU mask anyway
        dconv = (windows == pooled[:, :, None, :, None, :]) * dpooled[:, :, None, :, None, :]
        dconv = dconv.reshape(n * h * w, f)
        dconv *= conv > 0
        dW1, db1 = (dconv.T @ cols).reshape(W1.shape), dconv.sum(0)
        for p, g in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            p -= LR * g
        return loss
    return step


def build_shared(lib: Library, spec: dict) -> Callable[[], float]:
    """autograd_lite, PyTorch and MyGrad: the same code through each library's namespace."""
    x, y, pad = lib.tensor(spec["x"], False), lib.tensor(spec["y"], False), spec["pad"]
    W1, b1, W2, b2, W3, b3 = params = [lib.tensor(p, True) for p in spec["params"]]
    F = lib.F

    def loss_fn() -> Any:
        h = F.max_pool2d(F.relu(F.conv2d(x, W1, b1, padding=pad)), 2)
        h = F.relu(h.reshape(h.shape[0], -1) @ W2 + b2)
        return F.cross_entropy(h @ W3 + b3, y)
    return sgd_step(lib, params, LR, loss_fn)


def build_autograd(spec: dict) -> Callable[[], float]:
    """HIPS autograd's own convolution (autograd.scipy.signal.convolve, as in its convnet example)."""
    import autograd.numpy as anp
    from autograd.scipy.signal import convolve
    x, y, pad = spec["x"], spec["y"], spec["pad"]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    params = [p.copy() for p in spec["params"]]

    def loss_fn(ps: list) -> Any:
        W1, b1, W2, b2, W3, b3 = ps
        # convolve flips the kernel: flip W to get PyTorch's cross-correlation
        conv = convolve(xp, W1[:, :, ::-1, ::-1], axes=([2, 3], [2, 3]), dot_axes=([1], [1]), mode="valid")
        conv = anp.maximum(conv + b1.reshape(1, -1, 1, 1), 0)  # (N, F, H, W)
        n, f, h, w = conv.shape
        pooled = anp.max(anp.max(conv.reshape(n, f, h // 2, 2, w // 2, 2), axis=5), axis=3)
        hidden = anp.maximum(pooled.reshape(n, -1) @ W2 + b2, 0)
        return hips_softmax_ce(anp, hidden @ W3 + b3, y)
    return hips_sgd_step(loss_fn, params, LR)


BUILDERS = {"numpy": build_numpy, **shared_builders(build_shared), "autograd": build_autograd}
