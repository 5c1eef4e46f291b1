"""Fully-connected classifiers of the homework, built from the classic layers.

The API every classic model shares (and the Solver relies on): `model.params`
maps names ('W1', 'b1', 'gamma1', ...) to NumPy arrays; `model.loss(X)` returns
class scores (N, C); `model.loss(X, y)` returns `(loss, grads)` with `grads`
keyed like `params`. Softmax loss plus L2 weight decay 0.5·reg·Σ sum(W²) on the
weights (not biases, gammas or betas). Initialisation draws from NumPy's global
state (the notebooks' `np.random.seed(231)` reproduces their numbers).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import autograd_lite as al

from .layer_utils import (affine_norm_relu_backward, affine_norm_relu_forward, affine_relu_backward,
                          affine_relu_forward)
from .layers import (affine_backward, affine_forward, dropout_backward, dropout_forward, l2_regularization,
                     softmax_loss)


def add_weight_decay(loss: float, grads: dict, params: dict, weight_names: Sequence[str],
                     reg: float) -> float:
    """Adds 0.5·reg·Σ sum(W²) to loss and its engine gradient to grads[W]; returns the new loss."""
    reg_loss, reg_grads = l2_regularization([params[k] for k in weight_names], reg)
    for k, g in zip(weight_names, reg_grads):
        grads[k] = grads[k] + g
    return loss + reg_loss


class TwoLayerNet:
    """affine → ReLU → affine → softmax, with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""

    def __init__(self, input_dim: int = 3 * 32 * 32, hidden_dim: int = 100, num_classes: int = 10,
                 weight_scale: float = 1e-3, reg: float = 0.0) -> None:
        self.reg = reg
        self.params = {
            "W1": weight_scale * np.random.randn(input_dim, hidden_dim), "b1": np.zeros(hidden_dim),
            "W2": weight_scale * np.random.randn(hidden_dim, num_classes), "b2": np.zeros(num_classes),
        }

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores (N, C) when y is None; else (loss, grads)."""
        p = self.params
        with al.set_grad_enabled(y is not None):  # scoring records no graph
            hidden, hidden_cache = affine_relu_forward(X, p["W1"], p["b1"])
            scores, scores_cache = affine_forward(hidden, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        loss = add_weight_decay(loss, grads, p, ["W1", "W2"], self.reg)
        return loss, grads


class FullyConnectedNet:
    """{affine → [batch/layer norm] → ReLU → [dropout]} × (L − 1) → affine → softmax.

    hidden_dims: the hidden layer sizes; dropout: the KEEP probability (1 = no
    dropout); normalization: None, 'batchnorm' or 'layernorm'; weight_scale: std
    of the normal initial weights (biases zero, gammas one, betas zero); dtype:
    of every parameter (float64 for gradient checks); seed: fixes the dropout
    masks so the net is deterministic (for gradient checks).
    """

    def __init__(self, hidden_dims: Sequence[int], input_dim: int = 3 * 32 * 32, num_classes: int = 10,
                 dropout: float = 1, normalization: str | None = None, reg: float = 0.0,
                 weight_scale: float = 1e-2, dtype: type = np.float32, seed: int | None = None) -> None:
        if normalization not in (None, "batchnorm", "layernorm"):
            raise ValueError(f"FullyConnectedNet: normalization must be None, 'batchnorm' or 'layernorm', "
                             f"got {normalization!r}")
        self.normalization, self.reg, self.dtype = normalization, reg, dtype
        self.use_dropout = dropout != 1
        self.num_layers = 1 + len(hidden_dims)
        self.params: dict[str, np.ndarray] = {}
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
            if normalization and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)
        self.dropout_param: dict = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed
        # one param dict per normalized layer: batch norm keeps its running averages there
        self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)] if normalization else []

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores (N, C) when y is None (test mode); else (loss, grads) (train mode)."""
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        p, caches, h = self.params, [], X
        with al.set_grad_enabled(y is not None):  # scoring records no graph
            for i in range(1, self.num_layers):
                if self.normalization:
                    h, cache = affine_norm_relu_forward(h, p[f"W{i}"], p[f"b{i}"], p[f"gamma{i}"], p[f"beta{i}"],
                                                        self.bn_params[i - 1], self.normalization)
                else:
                    h, cache = affine_relu_forward(h, p[f"W{i}"], p[f"b{i}"])
                drop_cache = None
                if self.use_dropout:
                    h, drop_cache = dropout_forward(h, self.dropout_param)
                caches.append((cache, drop_cache))
            L = self.num_layers
            scores, scores_cache = affine_forward(h, p[f"W{L}"], p[f"b{L}"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        grads: dict[str, np.ndarray] = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, scores_cache)
        for i in range(L - 1, 0, -1):
            cache, drop_cache = caches[i - 1]
            if drop_cache is not None:
                dh = dropout_backward(dh, drop_cache)
            if self.normalization:
                dh, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = \
                    affine_norm_relu_backward(dh, cache)
            else:
                dh, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dh, cache)
        loss = add_weight_decay(loss, grads, p, [f"W{i}" for i in range(1, L + 1)], self.reg)
        return loss, grads
