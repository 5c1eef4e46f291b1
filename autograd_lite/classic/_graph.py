"""The one place where the classic layer API meets the engine.

A classic `*_forward` turns its NumPy inputs into leaf Tensors (`leaf`), computes
its output with engine ops — which records a graph — and returns the output as
a NumPy array together with a `Cache` holding that graph. The matching
`*_backward(dout, cache)` is then just `cache.grads(dout)`: reverse-mode autodiff
through the recorded graph, never a hand-derived formula.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor


def leaf(a: Any) -> Tensor:
    """A copy of `a` as a Tensor the engine differentiates (integers become float64)."""
    arr = np.asarray(a)
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return al.tensor(arr, requires_grad=True)


def const(a: Any, like: Tensor | None = None) -> Tensor:
    """A constant Tensor (no gradient), in `like`'s dtype when given."""
    arr = np.asarray(a)
    if like is not None:
        arr = arr.astype(like.dtype, copy=False)
    return al.tensor(arr)


class Cache:
    """What a classic forward keeps for its backward: the recorded output and the leaves to differentiate.

    `grads(dout)` returns dL/d(leaf) for every leaf in `wrt`, as NumPy arrays of the
    leaves' shapes, given dout = dL/d(out). The graph is retained, so backward may
    be called on the same cache more than once (as the batch-norm notebook does).
    `saved` holds anything else the layer wants to keep (its mode, its parameters).
    """

    def __init__(self, out: Tensor, wrt: Sequence[Tensor], **saved: Any) -> None:
        self.out, self.wrt, self.saved = out, tuple(wrt), saved

    def grads(self, dout: Any) -> tuple[np.ndarray, ...]:
        dout = np.asarray(dout, dtype=self.out.dtype)
        if dout.shape != self.out.shape:
            raise ValueError(f"backward: dout has shape {dout.shape} but the forward's output has shape "
                             f"{self.out.shape}")
        if not self.out.requires_grad:
            raise RuntimeError("backward: this cache holds no graph (the forward ran under al.no_grad())")
        gs = al.grad(self.out, list(self.wrt), grad_outputs=dout, retain_graph=True, allow_unused=True)
        # An unused leaf (e.g. x when the output is constant in it) has gradient zero; copies so that
        # the caller never shares memory with dout or with the graph.
        return tuple(np.zeros_like(t.data) if g is None else np.array(g.data) for t, g in zip(self.wrt, gs))

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.wrt)
        return f"<classic Cache: out {self.out.shape}, gradients for ({shapes})>"


def scalar_and_grads(loss: Tensor, wrt: Sequence[Tensor]) -> tuple[float, tuple[np.ndarray, ...]]:
    """(loss as a float, d loss / d leaf for each leaf) for a scalar loss recorded by the engine."""
    gs = Cache(loss, wrt).grads(np.ones((), dtype=loss.dtype))
    return float(loss.data), gs
