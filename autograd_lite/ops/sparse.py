"""`F.embedding`: rows of a weight matrix looked up by integer ids.

    out[s] = W[ids[s]]                 ids of any shape S, W (num_embeddings, D) -> S + (D,)
    ∂L/∂W[r] = Σ_{s: ids[s] = r} G[s]  (repeats add up; the padding_idx row gets none)

The lookup's backward is a scatter-add of G into W's rows; the scatter's backward is the
lookup again (with the padding positions zeroed, since they sent no gradient), so second
derivatives work.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import Function, OpError
from ..grad_mode import no_grad
from ..tensor import Tensor
from .registry import register


class EmbeddingLookup(Function):
    """out[s] = W[ids[s]];  ∂L/∂W = G's rows added into the rows they came from (none into padding_idx)."""
    saved = ()
    expr, grad_exprs = "W[ids]", ("Σ_{s: ids[s] = r} G[s]",)

    def __init__(self, ids: np.ndarray, padding_idx: int | None, zero_padding: bool = False) -> None:
        self.ids, self.padding_idx, self.zero_padding = ids, padding_idx, zero_padding

    def forward(self, w):
        out = w[self.ids]
        if self.zero_padding and self.padding_idx is not None:  # the transpose of a scatter that skips padding
            out[self.ids == self.padding_idx] = 0
        return out

    def backward(self, g):
        return EmbeddingScatter(self.ids, self.padding_idx, self.inputs[0].shape[0]).apply(g)


class EmbeddingScatter(Function):
    """dW[r] = Σ_{s: ids[s] = r} G[s] (zero for padding_idx);  ∂L/∂G = GG[ids] (zero at padding positions)."""
    saved = ()
    expr, grad_exprs = "scatter_add(G, ids)", ("GG[ids]",)

    def __init__(self, ids: np.ndarray, padding_idx: int | None, rows: int) -> None:
        self.ids, self.padding_idx, self.rows = ids, padding_idx, rows

    def forward(self, g):
        out = np.zeros((self.rows,) + g.shape[self.ids.ndim:], g.dtype)
        np.add.at(out, self.ids.reshape(-1), g.reshape((-1,) + g.shape[self.ids.ndim:]))
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return out

    def backward(self, gg):
        return EmbeddingLookup(self.ids, self.padding_idx, zero_padding=True).apply(gg)


def _renorm(weight: Tensor, ids: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rows of weight used by ids whose norm exceeds max_norm rescaled in place to max_norm (no gradient)."""
    with no_grad():
        used = np.unique(ids)
        w = weight.data
        norms = np.linalg.norm(w[used], ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)  # PyTorch's embedding_renorm_
        if (scale != 1.0).any():
            if not w.flags.writeable:
                weight.data = w = w.copy()
            w[used] *= scale[:, None].astype(w.dtype)
            weight._version += 1


@register(EmbeddingLookup, al=False, F=True)
def embedding(input: Any, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """weight's rows at the integer ids `input` (any shape S): weight (V, D) -> S + (D,).

    padding_idx: that row gets no gradient. max_norm: the rows looked up are first rescaled in place
    to norm_type-norm at most max_norm (as PyTorch).  ∂L/∂weight[r] = Σ of G over the positions of id r.
    """
    ids = np.asarray(input.data if isinstance(input, Tensor) else input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices (int64 or int32), got dtype {ids.dtype}")
    if weight.ndim != 2:
        raise OpError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}")
    rows = weight.shape[0]
    if ids.size and (ids.min() < 0 or ids.max() >= rows):
        bad = ids[(ids < 0) | (ids >= rows)].reshape(-1)[0]
        raise IndexError(f"embedding: index {int(bad)} is out of range for {rows} embeddings")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise OpError(f"embedding: padding_idx must be within num_embeddings ({rows}), got {padding_idx}")
        padding_idx %= rows
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported")
    if max_norm is not None:
        _renorm(weight, ids, max_norm, norm_type)
    return EmbeddingLookup(ids.astype(np.int64, copy=False), padding_idx).apply(weight)
